//! The operator's command line: a fresh install made usable without demo data.

use std::{
    io::Write,
    process::{Command, Stdio},
};

use crate::common::{Scratch, on_postgres, spawn_app};
use member_center::db::Location;
use reqwest::StatusCode;

pub fn member_center(db: &Location, args: &[&str], stdin: Option<&str>) -> (bool, String, String) {
    let mut command = Command::new(env!("CARGO_BIN_EXE_member-center"));
    match db {
        Location::File(path) => command.arg("--db").arg(path),
        Location::Postgres(url) => command.arg("--db").arg(url),
    };
    let mut child = command
        .args(args)
        .env("MC_LOG", "warn")
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("binary runs");
    if let Some(input) = stdin {
        child.stdin.take().unwrap().write_all(input.as_bytes()).unwrap();
    }
    drop(child.stdin.take());
    let output = child.wait_with_output().unwrap();
    (
        output.status.success(),
        String::from_utf8_lossy(&output.stdout).into_owned(),
        String::from_utf8_lossy(&output.stderr).into_owned(),
    )
}

#[tokio::test(flavor = "multi_thread")] // the test blocks on child processes; the server runs meanwhile
async fn an_operator_sets_up_a_project_from_the_command_line() {
    let app = spawn_app().await;
    let db = &app.scratch.location;

    let (ok, out, err) = member_center(
        db,
        &[
            "user",
            "add",
            "dora",
            "--email",
            "dora@example.org",
            "--name",
            "Dora Wu",
        ],
        None,
    );
    assert!(ok, "{err}");
    let password = out.trim().rsplit(' ').next().unwrap().to_string();
    assert!(out.contains("One-time password"), "{out}");
    assert_eq!(password.len(), 24);

    let (ok, _, err) = member_center(
        db,
        &[
            "user",
            "add",
            "sam",
            "--email",
            "sam@example.org",
            "--role",
            "support",
            "--password-stdin",
        ],
        Some("a password read from stdin\n"),
    );
    assert!(ok, "{err}");

    let (ok, out, err) = member_center(db, &["project", "add", "mst120001", "--name", "Protein Folding"], None);
    assert!(ok, "{err}");
    assert!(out.contains("MST120001"));
    let (ok, _, err) = member_center(
        db,
        &[
            "member",
            "add",
            "--project",
            "MST120001",
            "dora",
            "--role",
            "tenant_admin",
        ],
        None,
    );
    assert!(ok, "{err}");

    let (ok, _, err) = member_center(
        db,
        &[
            "quota",
            "set",
            "--project",
            "MST120001",
            "--service",
            "ccs",
            "--cpu",
            "64",
            "--gpu",
            "-1",
        ],
        None,
    );
    assert!(ok, "{err}");
    let quotas: Vec<(String, i64)> = sqlx::query_as("SELECT resource, quota FROM project_quotas ORDER BY resource")
        .fetch_all(app.db.read())
        .await
        .unwrap();
    assert_eq!(quotas, [("cpu".to_string(), 64), ("gpu".to_string(), -1)]);

    let (ok, out, err) = member_center(
        db,
        &[
            "key",
            "create",
            "--project",
            "MST120001",
            "--user",
            "dora",
            "--days",
            "7",
        ],
        None,
    );
    assert!(ok, "{err}");
    let (status, who) = app.api_get("/api/v1/whoami", Some(out.trim())).await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(who["account"]["username"], "dora");

    let (ok, out, err) = member_center(
        db,
        &["user", "reset-link", "dora", "--public-url", "https://mc.example.org/"],
        None,
    );
    assert!(ok, "{err}");
    let link = out.trim();
    assert!(link.starts_with("https://mc.example.org/reset/"), "{link}");
    let path = link.trim_start_matches("https://mc.example.org");
    app.client()
        .get(path)
        .await
        .assert_contains("Choose a new password for dora.");

    let mut client = app.client();
    assert_eq!(client.sign_in("dora", &password).await.status, StatusCode::SEE_OTHER);
    let home = client.get("/account").await;
    home.assert_contains("Protein Folding");
    home.assert_contains("Tenant admin");
    assert_eq!(
        app.client().sign_in("sam", "a password read from stdin").await.status,
        StatusCode::SEE_OTHER
    );
    let role: String = sqlx::query_scalar("SELECT platform_role FROM accounts WHERE username = 'sam'")
        .fetch_one(app.db.read())
        .await
        .unwrap();
    assert_eq!(role, "support");
}

#[tokio::test(flavor = "multi_thread")] // the test blocks on child processes; the server runs meanwhile
async fn bad_command_line_input_is_refused_with_a_reason() {
    let app = spawn_app().await;
    let db = &app.scratch.location;
    member_center(db, &["user", "add", "dora", "--email", "dora@example.org"], None);

    member_center(db, &["project", "add", "MST1", "--name", "P"], None);
    member_center(
        db,
        &["member", "add", "--project", "MST1", "dora", "--role", "tenant_user"],
        None,
    );
    let cases: [(&[&str], &str); 13] = [
        (
            &["quota", "set", "--project", "MST1", "--service", "cos", "--cpu", "1"],
            "service: Unknown service",
        ),
        (
            &["quota", "set", "--project", "MST1", "--service", "ccs", "--cpu", "-2"],
            "whole number",
        ),
        (
            &[
                "quota",
                "set",
                "--project",
                "MST1",
                "--service",
                "ccs",
                "--floating-ip",
                "2",
            ],
            "floating_ip: This service has no such resource.",
        ),
        (
            &["key", "create", "--project", "MST1", "--user", "dora", "--days", "400"],
            "1 to 365",
        ),
        (
            &["user", "add", "1bad", "--email", "x@example.org"],
            "lowercase letters",
        ),
        (&["user", "add", "eve", "--email", "not-an-email"], "valid email"),
        (
            &["user", "add", "dora", "--email", "other@example.org"],
            "already exists",
        ),
        (
            &["user", "add", "eve", "--email", "eve@example.org", "--role", "god"],
            "role: Choose none, support or operator.",
        ),
        (
            &["project", "add", "X", "--name", "Too short a code"],
            "3 to 20 letters",
        ),
        (
            &["member", "add", "--project", "NOPE1", "dora", "--role", "tenant_user"],
            "project: There is no project with this code.",
        ),
        (
            &["member", "add", "--project", "NOPE1", "dora", "--role", "owner"],
            "role: Choose tenant admin or tenant user.",
        ),
        (
            &["serve", "--bind", "127.0.0.1:0", "--require-2fa-for", "admins"],
            "--require-2fa-for: \"admins\" is not support, operator or none",
        ),
        (
            &["serve", "--bind", "127.0.0.1:0", "--smtp-url", "smtp://127.0.0.1:25"],
            "--smtp-url needs --mail-from",
        ),
    ];
    for (args, expected) in cases {
        let (ok, _, err) = member_center(db, args, None);
        assert!(!ok, "{args:?} succeeded");
        assert!(err.contains(expected), "{args:?}: {err}");
    }
    let (ok, _, err) = member_center(
        db,
        &["user", "add", "eve", "--email", "eve@example.org", "--password-stdin"],
        Some("short\n"),
    );
    assert!(!ok);
    assert!(err.contains("at least 12 characters"), "{err}");
    assert_eq!(app.count("SELECT COUNT(*) FROM accounts").await, 1);
}

#[test]
fn serve_demo_prints_where_to_sign_in_and_the_demo_accounts() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("demo.db");
    let mut child = Command::new(env!("CARGO_BIN_EXE_member-center"))
        .args(["serve", "--demo", "--bind", "127.0.0.1:0"])
        .env("MC_DB", &db)
        .env("MC_LOG", "warn")
        .stdout(Stdio::piped())
        .spawn()
        .unwrap();
    let mut lines = std::io::BufRead::lines(std::io::BufReader::new(child.stdout.take().unwrap()));
    let mut printed = String::new();
    while let Some(Ok(line)) = lines.next() {
        printed.push_str(&line);
        printed.push('\n');
        if line.contains("Secure flag") {
            break;
        }
    }
    child.kill().unwrap();
    child.wait().unwrap();
    assert!(printed.contains("sign in at http://127.0.0.1:"), "{printed}");
    for name in ["operator", "support", "alice", "bob", "carol", "demo-password"] {
        assert!(printed.contains(name), "{name} missing from:\n{printed}");
    }
    assert!(printed.contains("--demo implies --insecure-cookies"));
}

#[tokio::test(flavor = "multi_thread")] // the test blocks on child processes; the server runs meanwhile
async fn seed_fills_an_empty_database_that_then_serves() {
    // Seeding needs the database to itself (it loads without a journal).
    let scratch = Scratch::new().await;
    let db_path = scratch.location.clone();
    let args = [
        "seed",
        "--accounts",
        "40",
        "--projects",
        "4",
        "--keys",
        "300",
        "--members-per-project",
        "12",
    ];
    let (ok, out, err) = member_center(&db_path, &args, None);
    assert!(ok, "{err}");
    assert!(err.contains("Seeded"), "{err}");
    let (again, _, err) = member_center(&db_path, &args, None);
    assert!(!again && err.contains("empty database"), "{err}");
    let app = crate::common::spawn_app_in(scratch, |_| {}).await;
    let facts: std::collections::HashMap<&str, &str> =
        out.split_whitespace().filter_map(|f| f.split_once('=')).collect();

    assert_eq!(app.count("SELECT COUNT(*) FROM accounts").await, 40);
    assert_eq!(app.count("SELECT COUNT(*) FROM api_keys").await, 300);
    assert_eq!(
        app.count("SELECT COUNT(*) FROM memberships WHERE project_id = 1").await,
        12
    );
    if on_postgres() {
        // The key indexes dropped for the load are back.
        assert_eq!(
            app.count("SELECT COUNT(*) FROM pg_indexes WHERE indexname LIKE 'api_keys_by_%'")
                .await,
            3
        );
        // Rows added after the load get new IDs.
        app.create_user("after-seed", member_center::accounts::PlatformRole::None)
            .await;
    } else {
        // Table sizes for the planner, but no per-value samples (see seed.rs).
        assert!(app.count("SELECT COUNT(*) FROM sqlite_stat1").await > 0);
        assert_eq!(app.count("SELECT COUNT(*) FROM sqlite_stat4").await, 0);
        // The key indexes dropped for the load are back.
        assert_eq!(
            app.count("SELECT COUNT(*) FROM sqlite_master WHERE type = 'index' AND name LIKE 'api_keys_by_%'")
                .await,
            3
        );
    }

    let (status, body) = app.api_get("/api/v1/whoami", Some(facts["whoami_key"])).await;
    assert_eq!(status, StatusCode::OK, "{body}");
    assert_eq!(body["account"]["username"], facts["admin_user"]);
    assert_eq!(body["project"]["code"], facts["project"]);
    let mut client = app.client();
    let signed_in = client.sign_in(facts["keys_user"], facts["password"]).await;
    assert_eq!(signed_in.status, StatusCode::SEE_OTHER);
    let keys = client.get("/keys").await;
    assert_eq!(
        keys.body.matches("<tr id=\"key-").count(),
        50,
        "the keys user's 50 keys"
    );
}

#[tokio::test(flavor = "multi_thread")] // the test blocks on child processes; the server runs meanwhile
async fn migrate_is_explicit_and_repeatable_and_an_old_build_refuses_a_newer_schema() {
    let fresh = Scratch::new().await;
    let db = fresh.location.clone();
    let (ok, out, err) = member_center(&db, &["migrate"], None);
    assert!(ok, "{err}");
    assert!(out.contains("Migrated the schema from version 0 to"), "{out}");
    let (ok, out, err) = member_center(&db, &["migrate"], None);
    assert!(ok, "{err}");
    assert!(out.contains("nothing to apply"), "{out}");

    // A newer build migrated it further: this one will not serve it.
    let app = spawn_app().await;
    let (status, body) = {
        let response = reqwest::get(format!("{}/readyz", app.base)).await.unwrap();
        (response.status(), response.text().await.unwrap())
    };
    assert_eq!((status, body.as_str()), (StatusCode::OK, "ready"));
    sqlx::query(
        "INSERT INTO _sqlx_migrations (version, description, installed_on, success, checksum, execution_time)
         VALUES (99990101000000, 'from the future', CURRENT_TIMESTAMP, TRUE, $1, 0)",
    )
    .bind(vec![0u8])
    .execute(app.db.read())
    .await
    .unwrap();
    let response = reqwest::get(format!("{}/readyz", app.base)).await.unwrap();
    assert_eq!(response.status(), StatusCode::SERVICE_UNAVAILABLE);
    assert!(response.text().await.unwrap().contains("this build knows"));
    let (ok, _, err) = member_center(&app.scratch.location, &["serve", "--bind", "127.0.0.1:0"], None);
    assert!(!ok);
    assert!(err.contains("is newer than this member-center knows"), "{err}");
}

#[tokio::test(flavor = "multi_thread")] // the test blocks on child processes; the server runs meanwhile
async fn a_backup_is_made_while_the_portal_runs_and_holds_everything() {
    let app = spawn_app().await;
    app.member("alice", "MST110001", "tenant_admin").await;
    let dir = tempfile::tempdir().unwrap();
    let copy = dir.path().join("backup.db");
    let (ok, out, err) = member_center(&app.scratch.location, &["backup", "--to", copy.to_str().unwrap()], None);
    if on_postgres() {
        // PostgreSQL's own tool does it (the README shows how).
        assert!(!ok && err.contains("pg_dump"), "{err}");
        return;
    }
    assert!(ok, "{err}");
    assert!(out.contains("Backed up"), "{out}");
    let backup = member_center::db::open(&copy.clone().into()).await.unwrap();
    let accounts: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM accounts")
        .fetch_one(backup.read())
        .await
        .unwrap();
    assert_eq!(accounts, app.count("SELECT COUNT(*) FROM accounts").await);
    // It never overwrites.
    let (ok, _, err) = member_center(&app.scratch.location, &["backup", "--to", copy.to_str().unwrap()], None);
    assert!(!ok);
    assert!(err.contains("exists already"), "{err}");
}

/// A change made from the command line (another process) reaches the
/// running portal's caches within a second, not the caches' five.
#[tokio::test(flavor = "multi_thread")] // the test blocks on child processes; the server runs meanwhile
async fn a_command_line_change_is_seen_by_the_running_portal_within_a_second() {
    let app = spawn_app().await;
    let sam = app
        .create_user("sam", member_center::accounts::PlatformRole::Support)
        .await;
    let mut client = app.signed_in(&sam).await;
    assert_eq!(client.get("/support").await.status, StatusCode::OK);
    // Remembered now; the command line takes the role away.
    assert_eq!(client.get("/support").await.status, StatusCode::OK);
    let (ok, _, err) = member_center(&app.scratch.location, &["user", "set-role", "sam", "none"], None);
    assert!(ok, "{err}");
    let changed = std::time::Instant::now();
    let mut status = StatusCode::OK;
    while changed.elapsed() < std::time::Duration::from_secs(3) {
        status = client.get("/support").await.status;
        if status == StatusCode::FORBIDDEN {
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(25)).await;
    }
    let took = changed.elapsed();
    assert_eq!(status, StatusCode::FORBIDDEN);
    assert!(took < std::time::Duration::from_secs(1), "seen after {took:?}");
}

#[tokio::test]
async fn the_demo_data_has_keys_that_were_used_and_their_calls() {
    let app = crate::common::spawn_app().await;
    assert!(member_center::demo::load_if_empty(&app.db).await.unwrap());
    let mut alice = app.client();
    alice.sign_in("alice", member_center::demo::PASSWORD).await;
    let keys = alice.get("/keys").await;
    keys.assert_contains("ci-deploy");
    keys.assert_contains("jupyter-lab");
    // The CI key was used this morning; the other never.
    let used = app
        .count("SELECT COUNT(*) FROM api_keys WHERE name = 'ci-deploy' AND last_used_at IS NOT NULL")
        .await;
    assert_eq!(used, 2, "alice's and bob's CI keys");
    keys.assert_contains("Never");
    let activity = alice.get("/activity").await;
    activity.assert_contains("/api/v1/whoami");
    activity.assert_contains("/api/v1/allocations");
    assert_eq!(app.count("SELECT COUNT(*) FROM api_calls").await, 48);
    assert_eq!(
        app.count("SELECT CAST(SUM(calls) AS BIGINT) FROM api_usage WHERE span = 86400")
            .await,
        48
    );
    let usage = alice.get("/activity?stream=usage").await;
    usage.assert_contains("ci-deploy");
}

/// A page as it reads, without what differs on every response (the CSRF
/// token, the script nonce).
fn comparable(body: &str) -> String {
    let mut text = body.to_string();
    for marker in ["name=\"csrf_token\" value=\"", "nonce=\"", "\"x-csrf-token\": \""] {
        let mut at = 0;
        while let Some(found) = text[at..].find(marker) {
            let start = at + found + marker.len();
            let end = start + text[start..].find('"').unwrap_or(0);
            text.replace_range(start..end, "…");
            at = start;
        }
    }
    text
}

#[tokio::test(flavor = "multi_thread")] // the test blocks on child processes; the server runs meanwhile
async fn copy_moves_a_sqlite_install_to_postgresql_with_the_same_pages_and_balances() {
    use member_center::db::Backend;
    // A demo install on SQLite, with money moved and keys used.
    let sqlite = Scratch::on(Backend::Sqlite).await;
    let db = member_center::db::open(&sqlite.location).await.unwrap();
    member_center::demo::load_if_empty(&db).await.unwrap();
    drop(db);
    let Location::File(file) = &sqlite.location else {
        unreachable!()
    };
    let postgres = Scratch::on(Backend::Postgres).await;
    let Location::Postgres(url) = &postgres.location else {
        unreachable!()
    };

    let copy = ["copy", "--from", file.to_str().unwrap(), "--to", url];
    let (ok, out, err) = member_center(&sqlite.location, &copy, None);
    assert!(ok, "{err}");
    assert!(
        out.contains("verified: every table's row count and the balances of"),
        "{out}"
    );
    // Never into a database in use.
    let (ok, _, err) = member_center(&sqlite.location, &copy, None);
    assert!(!ok && err.contains("copy into an empty one"), "{err}");

    let (before, after) = (
        crate::common::spawn_app_in(sqlite, |_| {}).await,
        crate::common::spawn_app_in(postgres, |_| {}).await,
    );
    let balances = "SELECT CAST(SUM(balance) AS BIGINT) FROM wallets";
    assert_eq!(before.count(balances).await, after.count(balances).await);
    assert!(before.count(balances).await > 0);
    for (username, pages) in [
        (
            "alice",
            &[
                "/keys",
                "/quota",
                "/account/members",
                "/permissions",
                "/account/wallet",
                "/account/wallet/ledger.csv",
                "/account/usage",
                "/account/orders",
            ][..],
        ),
        ("bob", &["/keys", "/account/wallet"][..]),
    ] {
        let (mut old, mut new) = (before.client(), after.client());
        for client in [&mut old, &mut new] {
            let signed_in = client.sign_in(username, member_center::demo::PASSWORD).await;
            assert_eq!(signed_in.status, StatusCode::SEE_OTHER);
        }
        for page in pages {
            let (old_page, new_page) = (old.get(page).await, new.get(page).await);
            assert_eq!(old_page.status, StatusCode::OK, "{username} {page}");
            let (old_body, new_body) = (comparable(&old_page.body), comparable(&new_page.body));
            let differing = old_body.lines().zip(new_body.lines()).find(|(a, b)| a != b);
            assert_eq!(
                differing, None,
                "{username} {page}: SQLite (left) and PostgreSQL (right) differ"
            );
            assert_eq!(old_body, new_body, "{username} {page}");
        }
    }
    // New rows get new IDs after the copied ones.
    after
        .create_user("dora", member_center::accounts::PlatformRole::None)
        .await;
}

/// Starts `serve` with `args` and returns what it printed up to where to
/// sign in (stopping it), or its error when it refused to start.
fn serve_until_ready(args: &[&str]) -> Result<String, String> {
    let mut child = Command::new(env!("CARGO_BIN_EXE_member-center"))
        .arg("serve")
        .args(args)
        .env("MC_LOG", "warn")
        .env_remove("RUST_BACKTRACE")
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let mut lines = std::io::BufRead::lines(std::io::BufReader::new(child.stdout.take().unwrap()));
    let mut printed = String::new();
    while let Some(Ok(line)) = lines.next() {
        printed.push_str(&line);
        printed.push('\n');
        if line.contains("sign in at") {
            child.kill().unwrap();
            child.wait().unwrap();
            return Ok(printed);
        }
    }
    let output = child.wait_with_output().unwrap();
    Err(String::from_utf8_lossy(&output.stderr).into_owned())
}

#[test]
fn a_configuration_file_sets_serve_and_names_the_line_of_what_it_refuses() {
    let dir = tempfile::tempdir().unwrap();
    let write = |name: &str, text: String| {
        let path = dir.path().join(name);
        std::fs::write(&path, text).unwrap();
        path.to_str().unwrap().to_string()
    };
    let free_port = || {
        std::net::TcpListener::bind("127.0.0.1:0")
            .unwrap()
            .local_addr()
            .unwrap()
            .port()
    };
    let (port, flag_port) = (free_port(), free_port());
    let db = dir.path().join("portal.db");
    let valid = write(
        "valid.toml",
        format!(
            "# Member Center\ndb = {db:?}\nbind = \"127.0.0.1:{port}\"\ninsecure-cookies = true\n\
             max-key-days = 30\nrequire-2fa-for = [\"operator\"]\n"
        ),
    );
    let unknown = write(
        "unknown.toml",
        "bind = \"127.0.0.1:0\"\n\nbind-address = \"0.0.0.0\"\n".into(),
    );
    let wrong_type = write(
        "wrong.toml",
        "insecure-cookies = true\nmax-key-days = \"thirty\"\n".into(),
    );

    let refused = serve_until_ready(&["--config", &unknown]).unwrap_err();
    assert!(
        refused.contains(&format!("{unknown}:3: unknown key \"bind-address\"")),
        "{refused}"
    );
    let refused = serve_until_ready(&["--config", &wrong_type]).unwrap_err();
    assert!(
        refused.contains(&format!("{wrong_type}:2: max-key-days must be a whole number")),
        "{refused}"
    );

    let started = serve_until_ready(&["--config", &valid]).unwrap();
    assert!(
        started.contains(&format!("sign in at http://127.0.0.1:{port}/")),
        "{started}"
    );
    assert!(db.exists(), "the file's database was made");
    // A flag, and an environment variable, win over the file.
    let started = serve_until_ready(&["--config", &valid, "--bind", &format!("127.0.0.1:{flag_port}")]).unwrap();
    assert!(
        started.contains(&format!("sign in at http://127.0.0.1:{flag_port}/")),
        "{started}"
    );

    let output = Command::new(env!("CARGO_BIN_EXE_member-center"))
        .args(["config", "check", "--config", &valid, "--max-keys", "5"])
        .env("MC_SESSION_HOURS", "2")
        .output()
        .unwrap();
    let said = String::from_utf8_lossy(&output.stdout);
    assert!(
        output.status.success(),
        "{said}\n{}",
        String::from_utf8_lossy(&output.stderr)
    );
    for line in [
        "max-key-days = 30  # file, line 5",
        "max-keys = 5  # flag",
        "session-hours = 2  # environment, MC_SESSION_HOURS",
        "require-2fa-for = [\"operator\"]  # file, line 6",
        "session-idle-minutes = 120  # default",
        "# These settings can work.",
    ] {
        assert!(said.contains(line), "{line:?} missing from:\n{said}");
    }
    // A password in the database's address is never printed; a database
    // that does not answer is a configuration that cannot work.
    let output = Command::new(env!("CARGO_BIN_EXE_member-center"))
        .args([
            "config",
            "check",
            "--config",
            &valid,
            "--db",
            "postgres://mc:hunter2@127.0.0.1:1/mc",
        ])
        .args(["--secret-file", &write("secret", "x".repeat(64))])
        .env_remove("RUST_BACKTRACE")
        .output()
        .unwrap();
    let (said, error) = (
        String::from_utf8_lossy(&output.stdout),
        String::from_utf8_lossy(&output.stderr),
    );
    assert!(!output.status.success());
    assert!(
        said.contains("db = \"postgres://mc:****@127.0.0.1:1/mc\"  # flag"),
        "{said}"
    );
    assert!(
        error.contains("cannot work") && error.contains("cannot reach the database"),
        "{error}"
    );
    assert!(
        !said.contains("hunter2") && !error.contains("hunter2"),
        "{said}\n{error}"
    );
}
