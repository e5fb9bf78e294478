//! The real TWCC command-line client (`twcc-cli` 0.6.1 from PyPI, installed
//! by scripts/test into target/twcc-venv) against Member Center.

use std::{
    io::{Read, Write},
    net::TcpListener,
    path::PathBuf,
    process::Command,
};

use crate::common::{TestApp, spawn_app};

fn python() -> PathBuf {
    let path = std::env::var("TWCC_CLI_PYTHON")
        .map(PathBuf::from)
        .unwrap_or_else(|_| PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("target/twcc-venv/bin/python"));
    assert!(
        path.exists(),
        "{} is missing: run scripts/test, which installs twcc-cli==0.6.1 into it",
        path.display()
    );
    path
}

/// Stands in for http://ipinfo.io/json, which `config init` asks for the
/// country: reached through HTTP_PROXY, it answers any request alike.
fn ipinfo_stand_in() -> u16 {
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let port = listener.local_addr().unwrap().port();
    std::thread::spawn(move || {
        for stream in listener.incoming().flatten() {
            let mut stream = stream;
            let mut buffer = [0u8; 4096];
            let _ = stream.read(&mut buffer);
            let body = r#"{"country": "TW"}"#;
            let _ = write!(
                stream,
                "HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{body}",
                body.len()
            );
        }
    });
    port
}

/// A data directory and API description for one client "installation".
struct Client {
    python: PathBuf,
    data: tempfile::TempDir,
    api_yaml: PathBuf,
    proxy: u16,
}

impl Client {
    fn new(app: &TestApp, proxy: u16) -> Client {
        let python = python();
        let data = tempfile::tempdir().unwrap();
        std::fs::create_dir_all(data.path().join("log")).unwrap();
        std::fs::write(
            data.path().join("releases.xml"),
            r#"<?xml version="1.0"?><rss version="2.0"><channel><title>twcc-cli</title><item><title>0.6.1</title></item></channel></rss>"#,
        )
        .unwrap();
        let package = Command::new(&python)
            .args(["-c", "import os, twccli; print(os.path.dirname(twccli.__file__))"])
            .output()
            .unwrap();
        let package = PathBuf::from(String::from_utf8(package.stdout).unwrap().trim());
        let yaml = std::fs::read_to_string(package.join("yaml/TWCC_API.yaml")).unwrap();
        let api_yaml = data.path().join("TWCC_API.yaml");
        std::fs::write(&api_yaml, yaml.replace("https://apigateway.twcc.ai", &app.base)).unwrap();
        Client {
            python,
            data,
            api_yaml,
            proxy,
        }
    }

    /// Runs `twccli ARGS`: (exit code, stdout + stderr).
    fn run(&self, args: &[&str]) -> (i32, String) {
        let script = format!(
            "import sys; from twccli.twcc.session import Session2; Session2.PackageYaml = {:?}; \
             from twccli.twccli import cli; sys.argv[0] = 'twccli'; cli()",
            self.api_yaml.display().to_string()
        );
        let proxy = format!("http://127.0.0.1:{}", self.proxy);
        let output = Command::new(&self.python)
            .arg("-c")
            .arg(script)
            .args(args)
            .env("TWCC_DATA_PATH", self.data.path())
            .env("HOME", self.data.path())
            .env("HTTP_PROXY", &proxy)
            .env("http_proxy", &proxy)
            .env("NO_PROXY", "127.0.0.1,localhost")
            .env("no_proxy", "127.0.0.1,localhost")
            .output()
            .unwrap();
        let text = format!(
            "{}{}",
            String::from_utf8_lossy(&output.stdout),
            String::from_utf8_lossy(&output.stderr)
        );
        (output.status.code().unwrap_or(-1), text)
    }

    fn init(&self, key: &str, project: &str) -> (i32, String) {
        self.run(&["config", "init", "--apikey", key, "-pcode", project, "-noga", "-norc"])
    }
}

async fn setup(app: &TestApp) -> (String, String) {
    let alice = app.member("alice", "MST110001", "tenant_admin").await;
    let bob = app.member("bob", "MST110001", "tenant_user").await;
    let db = &app.db;
    member_center::operator::service::set_project_quota(
        db,
        None,
        "MST110001",
        "ccs",
        &[("cpu", Some("64")), ("gpu", Some("8")), ("memory", Some("512"))],
    )
    .await
    .unwrap();
    member_center::operator::service::set_project_quota(
        db,
        None,
        "MST110001",
        "vcs",
        &[
            ("cpu", Some("32")),
            ("gpu", Some("-1")),
            ("memory", Some("256")),
            ("floating_ip", Some("4")),
        ],
    )
    .await
    .unwrap();
    member_center::operator::service::add_order(db, None, "MST110001", "PO-1", "1000", "")
        .await
        .unwrap();
    member_center::operator::service::advance_order(db, None, "PO-1", "paid")
        .await
        .unwrap();
    member_center::operator::service::advance_order(db, None, "PO-1", "credited")
        .await
        .unwrap();
    let (_, alice_key) = app.key_for("MST110001", &alice.user, 30).await;
    let (_, bob_key) = app.key_for("MST110001", &bob.user, 30).await;
    let response = reqwest::Client::new()
        .post(format!("{}/api/v1/allocations", app.base))
        .header("x-api-key", &bob_key)
        .json(&serde_json::json!({"service": "ccs", "resources": {"cpu": 4, "gpu": 1, "memory": 16}, "idempotency_key": "nb"}))
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), reqwest::StatusCode::CREATED);
    (alice_key, bob_key)
}

fn assert_ok(what: &str, (code, out): &(i32, String), needles: &[&str]) {
    assert_eq!(*code, 0, "{what} failed:\n{out}");
    for needle in needles {
        assert!(out.contains(needle), "{what}: {needle:?} missing from:\n{out}");
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_twcc_cli_works_unchanged_against_member_center() {
    let app = spawn_app().await;
    let (alice_key, bob_key) = setup(&app).await;
    let proxy = ipinfo_stand_in();

    let admin = Client::new(&app, proxy);
    assert_ok("config init", &admin.init(&alice_key, "MST110001"), &["alice Test"]);
    assert_ok(
        "config whoami",
        &admin.run(&["config", "whoami"]),
        &["alice Test", "MST110001", &alice_key],
    );
    assert_ok(
        "info quota",
        &admin.run(&["info", "quota"]),
        &[
            "[VCS QuotaPlan] for MST110001",
            "0 / 32",
            "0 / 4",
            "4 / 64",
            "1 / 8",
            "16 / 512",
        ],
    );
    let (code, json) = admin.run(&["info", "quota", "-json"]);
    assert_eq!(code, 0, "{json}");
    let parsed: serde_json::Value = serde_json::from_str(json.trim()).unwrap_or_else(|e| panic!("{e}: {json}"));
    assert_eq!(parsed["CCS"][0]["gpu"], serde_json::json!({"usage": 1, "quota": 8}));
    assert_eq!(parsed["VCS"][0]["gpu"]["quota"], -1);
    assert_ok(
        "info quota -all",
        &admin.run(&["info", "quota", "-all"]),
        &["Member Quota", "alice", "bob", "4 / unlimited", "1 / unlimited"],
    );
    assert_ok(
        "info proj",
        &admin.run(&["info", "proj"]),
        &["Project Result", "Project MST110001", "MST110001", "1000"],
    );
    assert_ok(
        "info proj -all",
        &admin.run(&["info", "proj", "-all"]),
        &["prj_avbl_cr", "MST110001", "1000.0"],
    );

    // A tenant user may not list everyone's quota.
    let user = Client::new(&app, proxy);
    assert_ok(
        "config init (tenant user)",
        &user.init(&bob_key, "MST110001"),
        &["bob Test"],
    );
    let (code, out) = user.run(&["info", "quota", "-all"]);
    assert_eq!(code, 1, "{out}");
    assert!(out.contains("Error-You are not allowed to do this."), "{out}");

    // An unknown key, and an expired one.
    let (code, out) = Client::new(&app, proxy).init("00000000-0000-4000-8000-000000000000", "MST110001");
    assert_eq!(code, 1, "{out}");
    assert!(out.contains("Error-This API key is invalid."), "{out}");
    sqlx::query("UPDATE api_keys SET expires_at = 0")
        .execute(app.db.read())
        .await
        .unwrap();
    app.db.generation().advance(); // the portal does this; raw SQL does not
    let (code, out) = admin.run(&["info", "quota"]);
    assert_eq!(code, 1, "{out}");
    assert!(out.contains("Error-This API key has expired."), "{out}");
}

#[tokio::test(flavor = "multi_thread")] // the test blocks on child processes; the server runs meanwhile
async fn the_compatibility_routes_answer_in_twccs_shape() {
    let app = spawn_app().await;
    let (alice_key, bob_key) = setup(&app).await;
    let get = |path: &str, key: &str, host: &str| {
        let (url, key, host) = (format!("{}{path}", app.base), key.to_string(), host.to_string());
        async move {
            let response = reqwest::Client::new()
                .get(url)
                .header("x-api-key", key)
                .header("x-api-host", host)
                .send()
                .await
                .unwrap();
            (response.status(), response.json::<serde_json::Value>().await.unwrap())
        }
    };
    let (status, body) = get(
        "/api/v2/ceph-taichung-default/projects/1/key/",
        &alice_key,
        "ceph-taichung-default",
    )
    .await;
    assert_eq!(status, 200);
    let first = body["public"]["secret_key"].clone();
    assert_eq!(first.as_str().unwrap().len(), 40);
    let (_, again) = get(
        "/api/v2/ceph-taichung-default/projects/1/key/",
        &alice_key,
        "ceph-taichung-default",
    )
    .await;
    assert_eq!(again["public"]["secret_key"], first, "the same pair is shown again");
    let (_, bobs) = get(
        "/api/v2/ceph-taichung-default/projects/1/key/",
        &bob_key,
        "ceph-taichung-default",
    )
    .await;
    assert_ne!(bobs["public"]["access_key"], body["public"]["access_key"]);

    sqlx::query("DELETE FROM tenant_permissions WHERE service = 'cos'")
        .execute(app.db.read())
        .await
        .unwrap();
    app.db.generation().advance(); // the portal does this; raw SQL does not
    let (status, body) = get(
        "/api/v2/ceph-taichung-default/projects/1/key/",
        &bob_key,
        "ceph-taichung-default",
    )
    .await;
    assert_eq!(status, 403);
    assert!(body["detail"].is_string());
    let (status, _) = get("/api/v2/k8s-D-twcc/projects/999/user_quotas/", &alice_key, "k8s-D-twcc").await;
    assert_eq!(status, 404, "another project's ID");
    let (status, _) = get("/api/v2/k8s-D-twcc/project_quotas/?project=1", &alice_key, "goc").await;
    assert_eq!(status, 400, "x-api-host must name the cluster");
    let (status, body) = get("/api/v2/nowhere/projects/", &alice_key, "nowhere").await;
    assert_eq!((status.as_u16(), body["detail"].is_string()), (404, true));
    let (status, wallet) = get("/iservice/user/wallet/", &alice_key, "goc").await;
    assert_eq!(status, 200);
    assert_eq!(wallet["prj_su_quota"], 1000.0);
}

/// Bob's object-storage pair as the TWCC route hands it out: (status, access key, secret key).
async fn storage_pair(app: &TestApp, key: &str) -> (u16, String, String) {
    let response = reqwest::Client::new()
        .get(format!("{}/api/v2/ceph-taichung-default/projects/1/key/", app.base))
        .header("x-api-key", key)
        .header("x-api-host", "ceph-taichung-default")
        .send()
        .await
        .unwrap();
    let status = response.status().as_u16();
    let body: serde_json::Value = response.json().await.unwrap();
    let text = |name: &str| body["public"][name].as_str().unwrap_or("").to_string();
    (status, text("access_key"), text("secret_key"))
}

#[tokio::test(flavor = "multi_thread")] // the test blocks on child processes; the server runs meanwhile
async fn object_storage_pairs_rotate_and_die_with_the_membership() {
    let app = spawn_app().await;
    let (_alice_key, bob_key) = setup(&app).await;
    let bob = crate::common::TestUser {
        id: member_center::auth::identity::AccountId(app.count("SELECT id FROM accounts WHERE username = 'bob'").await),
        username: "bob".to_string(),
        password: crate::common::PASSWORD.to_string(),
    };
    let (status, access, secret) = storage_pair(&app, &bob_key).await;
    assert_eq!(status, 200);
    // Nothing of the secret is in the database: not the derived key, not the
    // instance secret (it is in the secret file beside the database).
    let dump: Vec<String> = sqlx::query_scalar("SELECT value FROM settings")
        .fetch_all(app.db.read())
        .await
        .unwrap();
    assert!(dump.iter().all(|v| !v.contains(&secret)));
    assert_eq!(
        app.count("SELECT COUNT(*) FROM settings WHERE name LIKE '%secret%' OR name = 'session_key'")
            .await,
        0
    );
    let file = app.scratch.secret_file();
    assert!(file.exists());
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        assert_eq!(std::fs::metadata(&file).unwrap().permissions().mode() & 0o777, 0o600);
    }

    // Bob sees it on the portal and rotates it: a new pair, the old one gone.
    let mut client = app.signed_in(&bob).await;
    let page = client.get("/object-storage").await;
    page.assert_contains(&access);
    page.assert_contains(&secret);
    assert_eq!(client.post("/object-storage/rotate", &[]).await.status, 303);
    let (_, rotated_access, rotated_secret) = storage_pair(&app, &bob_key).await;
    assert_ne!(rotated_access, access);
    assert_ne!(rotated_secret, secret);

    // Alice (tenant admin) rotates Bob's; Bob, a tenant user, cannot rotate hers.
    let mut alice = app
        .signed_in(&crate::common::TestUser {
            id: member_center::auth::identity::AccountId(
                app.count("SELECT id FROM accounts WHERE username = 'alice'").await,
            ),
            username: "alice".to_string(),
            password: crate::common::PASSWORD.to_string(),
        })
        .await;
    let page = alice.get("/object-storage").await;
    page.assert_contains(&rotated_access);
    assert!(!page.body.contains(&rotated_secret), "an admin sees access keys only");
    assert_eq!(
        alice
            .post(&format!("/object-storage/{}/rotate", bob.id), &[])
            .await
            .status,
        303
    );
    let (_, by_admin, _) = storage_pair(&app, &bob_key).await;
    assert_ne!(by_admin, rotated_access);
    let alice_id = app.count("SELECT id FROM accounts WHERE username = 'alice'").await;
    assert_eq!(
        client
            .post(&format!("/object-storage/{alice_id}/rotate"), &[])
            .await
            .status,
        403
    );

    // Removed and re-added, Bob gets a new pair: the old one is gone for good.
    alice.post(&format!("/account/members/{}/remove", bob.id), &[]).await;
    assert_eq!(app.count("SELECT COUNT(*) FROM object_storage_keys WHERE account_id IN (SELECT id FROM accounts WHERE username = 'bob')").await, 0);
    app.add_member("MST110001", &bob, "tenant_user").await;
    let (_, new_key) = app.key_for("MST110001", &bob, 30).await;
    let (status, again, again_secret) = storage_pair(&app, &new_key).await;
    assert_eq!(status, 200);
    assert_ne!(again, by_admin);
    assert_ne!(again_secret, secret);
}
