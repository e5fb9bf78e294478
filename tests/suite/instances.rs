//! Several instances on one database, as behind a load balancer: nothing
//! that decides access or money relies on being the only process. (On
//! SQLite the instances share a file; on PostgreSQL, a server.)

use std::time::{Duration, Instant};

use member_center::{
    auth::identity::ProjectId,
    quotas::{QuotaLimit, QuotaService, Resource},
};
use reqwest::StatusCode;
use serde_json::{Value, json};

use crate::common::{TestApp, spawn_app};

async fn post(base: &str, path: &str, key: &str, body: &Value) -> (StatusCode, Value) {
    let response = reqwest::Client::new()
        .post(format!("{base}{path}"))
        .header("x-api-key", key)
        .json(body)
        .send()
        .await
        .unwrap();
    let status = response.status();
    (status, response.json().await.unwrap_or(Value::Null))
}

async fn whoami(base: &str, key: &str) -> (StatusCode, Value) {
    let response = reqwest::Client::new()
        .get(format!("{base}/api/v1/whoami"))
        .header("x-api-key", key)
        .send()
        .await
        .unwrap();
    let status = response.status();
    (status, response.json().await.unwrap_or(Value::Null))
}

async fn live_gpus(app: &TestApp) -> i64 {
    app.count(
        "SELECT CAST(COALESCE(SUM(r.amount), 0) AS BIGINT) FROM allocation_resources r
         JOIN allocations a ON a.id = r.allocation_id WHERE a.released_at IS NULL AND r.resource = 'gpu'",
    )
    .await
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn two_instances_never_admit_more_than_the_quotas() {
    let app = spawn_app().await;
    let other = app.another_instance().await;
    let alice = app.member("alice", "MST110001", "tenant_admin").await;
    let bob = app.member("bob", "MST110001", "tenant_user").await;
    let carol = app.member("carol", "MST110001", "tenant_user").await;
    member_center::operator::service::set_project_quota(&app.db, None, "MST110001", "ccs", &[("gpu", Some("10"))])
        .await
        .unwrap();
    member_center::quotas::service::set_member_quotas(
        &app.db,
        alice.user.id,
        ProjectId(1),
        bob.user.id,
        "bob",
        QuotaService::Ccs,
        &[(Resource::Gpu, QuotaLimit(6))],
    )
    .await
    .unwrap();
    let (_, bob_key) = app.key_for("MST110001", &bob.user, 30).await;
    let (_, carol_key) = app.key_for("MST110001", &carol.user, 30).await;
    let bases = [app.base.clone(), other.base.clone()];
    for round in 0..5 {
        let racers: Vec<_> = (0..64)
            .map(|n| {
                let key = if n % 2 == 0 { bob_key.clone() } else { carol_key.clone() };
                let base = bases[(n / 2) % 2].clone();
                let body =
                    json!({"service": "ccs", "resources": {"gpu": 1}, "idempotency_key": format!("r{round}-{n}")});
                tokio::spawn(async move {
                    let (status, body) = post(&base, "/api/v1/allocations", &key, &body).await;
                    (n % 2 == 0, status, body["id"].to_string())
                })
            })
            .collect();
        let (mut bobs, mut admitted) = (0, Vec::new());
        for racer in racers {
            match racer.await.unwrap() {
                (is_bob, StatusCode::CREATED, id) => {
                    bobs += usize::from(is_bob);
                    admitted.push((is_bob, id));
                }
                (_, StatusCode::CONFLICT, _) => {}
                (_, other, _) => panic!("round {round}: unexpected {other}"),
            }
        }
        // The project's ten, never more; bob within his six; and all ten
        // taken, since far more were asked for.
        assert_eq!(admitted.len(), 10, "round {round}");
        assert!(bobs <= 6, "round {round}: bob was admitted {bobs}");
        assert_eq!(live_gpus(&app).await, 10, "round {round}");
        // Released through both instances again.
        for (n, (is_bob, id)) in admitted.iter().enumerate() {
            let key = if *is_bob { &bob_key } else { &carol_key };
            let response = reqwest::Client::new()
                .delete(format!("{}/api/v1/allocations/{id}", bases[n % 2]))
                .header("x-api-key", key)
                .send()
                .await
                .unwrap();
            assert_eq!(response.status(), StatusCode::OK);
        }
        assert_eq!(live_gpus(&app).await, 0, "round {round}");
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn debits_through_two_instances_lose_no_update() {
    let app = spawn_app().await;
    let other = app.another_instance().await;
    let bob = app.member("bob", "MST110001", "tenant_user").await;
    app.credit("MST110001", "PO-1", "1000").await;
    let (_, key) = app.key_for("MST110001", &bob.user, 30).await;
    let bases = [app.base.clone(), other.base.clone()];
    let racers: Vec<_> = (0..32)
        .map(|n| {
            let (base, key) = (bases[n % 2].clone(), key.clone());
            let body = json!({"service": "ccs", "resource_id": "container-1", "seconds": 189,
                              "rate_per_hour": "82.0000", "idempotency_key": format!("race-{n}")});
            tokio::spawn(async move { post(&base, "/api/v1/usage", &key, &body).await.0 })
        })
        .collect();
    for racer in racers {
        assert_eq!(racer.await.unwrap(), StatusCode::CREATED);
    }
    let expected = 10_000_000 - 32 * 43_050;
    assert_eq!(
        app.count("SELECT balance FROM wallets WHERE account_id IS NULL").await,
        expected
    );
    // The ledger is one unbroken chain: each row starts where the last ended.
    let rows: Vec<(i64, i64, i64)> = sqlx::query_as(
        "SELECT balance_before, amount, balance_after FROM ledger_entries l JOIN wallets w ON w.id = l.wallet_id
         WHERE w.account_id IS NULL ORDER BY l.id",
    )
    .fetch_all(app.db.read())
    .await
    .unwrap();
    assert_eq!(rows.len(), 33, "the credit and 32 debits");
    let mut balance = 0;
    for (before, amount, after) in rows {
        assert_eq!(before, balance);
        assert_eq!(after, before.checked_add(amount).unwrap());
        balance = after;
    }
    assert_eq!(balance, expected);
}

/// Polls `refused` every 20 ms until it holds (at most 3 s): how long it took.
async fn time_until<F: Future<Output = bool>>(mut refused: impl FnMut() -> F) -> Duration {
    let started = Instant::now();
    while started.elapsed() < Duration::from_secs(3) {
        if refused().await {
            return started.elapsed();
        }
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    panic!("still allowed after 3 s");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn a_change_on_one_instance_is_refused_by_the_other_within_a_second() {
    let app = spawn_app().await;
    let other = app.another_instance().await;
    let alice = app.member("alice", "MST110001", "tenant_admin").await;
    let project = ProjectId(1);
    let mut bounds = Vec::new();

    // Each change is made on the first instance (through the same service
    // code its pages call), after the second has remembered what it changes.
    let key_holder = |name: &'static str| {
        let app = &app;
        let base = other.base.clone();
        async move {
            let member = app.member(name, "MST110001", "tenant_user").await;
            let (key_id, secret) = app.key_for("MST110001", &member.user, 30).await;
            for _ in 0..2 {
                assert_eq!(whoami(&base, &secret).await.0, StatusCode::OK, "{name}");
            }
            (member, key_id, secret)
        }
    };

    // Pages the second instance remembers (a key list, a member list) are
    // forgotten as soon: each is read twice there before the change.
    let (mut bob, key_id, secret) = key_holder("bob").await;
    bob.client.base = other.base.clone();
    for _ in 0..2 {
        bob.client.get("/keys").await.assert_contains(&key_id);
    }
    member_center::api_keys::service::delete_own(&app.db, bob.user.id, project, std::slice::from_ref(&key_id))
        .await
        .unwrap();
    bounds.push((
        "key deleted",
        time_until(|| async { whoami(&other.base, &secret).await.0 != StatusCode::OK }).await,
    ));
    let bob_client = tokio::sync::Mutex::new(bob.client);
    bounds.push((
        "key gone from its owner's list",
        time_until(|| async { !bob_client.lock().await.get("/keys").await.body.contains(&key_id) }).await,
    ));

    let (carol, _, secret) = key_holder("carol").await;
    member_center::accounts::store::set_locked(&app.db, carol.user.id, true)
        .await
        .unwrap();
    bounds.push((
        "account locked",
        time_until(|| async { whoami(&other.base, &secret).await.0 != StatusCode::OK }).await,
    ));

    let (dave, _, secret) = key_holder("dave").await;
    let mut admin = alice.client;
    admin.base = other.base.clone();
    let dave_row = format!("<tr id=\"member-{}\">", dave.user.id);
    for _ in 0..2 {
        admin.get("/account/members").await.assert_contains(&dave_row);
    }
    member_center::members::service::remove(&app.db, alice.user.id, project, dave.user.id, "dave", false)
        .await
        .unwrap();
    bounds.push((
        "member removed",
        time_until(|| async { whoami(&other.base, &secret).await.0 != StatusCode::OK }).await,
    ));
    let admin = tokio::sync::Mutex::new(admin);
    bounds.push((
        "member gone from the member list",
        time_until(|| async {
            !admin
                .lock()
                .await
                .get("/account/members")
                .await
                .body
                .contains(&dave_row)
        })
        .await,
    ));

    let (erin, _, secret) = key_holder("erin").await;
    assert!(
        whoami(&other.base, &secret).await.1["services"]
            .to_string()
            .contains("ccs")
    );
    let remaining = [member_center::permissions::Service::parse("vcs").unwrap()];
    member_center::permissions::service::set(&app.db, alice.user.id, project, erin.user.id, "erin", &remaining, None)
        .await
        .unwrap();
    bounds.push((
        "permission removed",
        time_until(|| async {
            !whoami(&other.base, &secret).await.1["services"]
                .to_string()
                .contains("ccs")
        })
        .await,
    ));

    // Signed in on the first instance, seen by the second (cookies go to
    // a host whatever its port), signed out on the first.
    let mut frank = app.member("frank", "MST110001", "tenant_user").await.client;
    frank.base = other.base.clone();
    for _ in 0..2 {
        assert_eq!(frank.get("/keys").await.status, StatusCode::OK);
    }
    frank.base = app.base.clone();
    frank.post("/sign-out", &[]).await;
    frank.base = other.base.clone();
    let frank = tokio::sync::Mutex::new(frank);
    bounds.push((
        "signed out",
        time_until(|| async { frank.lock().await.get("/keys").await.status != StatusCode::OK }).await,
    ));

    for (change, took) in &bounds {
        eprintln!("{change}: refused by the other instance after {} ms", took.as_millis());
        assert!(*took < Duration::from_secs(1), "{change}: {took:?}");
    }
}

/// A `member-center serve` process on the test app's database.
struct Process {
    child: std::process::Child,
    base: String,
}

impl Process {
    fn start(app: &TestApp) -> Process {
        use std::io::BufRead;
        let mut command = std::process::Command::new(env!("CARGO_BIN_EXE_member-center"));
        match &app.scratch.location {
            member_center::db::Location::File(path) => command.arg("--db").arg(path),
            member_center::db::Location::Postgres(url) => command.arg("--db").arg(url),
        };
        let mut child = command
            .args(["serve", "--bind", "127.0.0.1:0", "--insecure-cookies", "--secret-file"])
            .arg(app.scratch.secret_file())
            .env("MC_LOG", "warn")
            .stdout(std::process::Stdio::piped())
            .spawn()
            .expect("the binary runs");
        let mut lines = std::io::BufReader::new(child.stdout.take().unwrap()).lines();
        let line = lines.next().expect("it says where it listens").unwrap();
        // Read on, so that what it prints later has somewhere to go.
        std::thread::spawn(move || lines.for_each(drop));
        let base = line
            .split("sign in at ")
            .nth(1)
            .and_then(|url| url.strip_suffix("/sign-in"))
            .unwrap_or_else(|| panic!("{line}"))
            .to_string();
        Process { child, base }
    }
}

impl Drop for Process {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn killing_one_instance_under_writes_loses_no_acknowledged_write() {
    let app = spawn_app().await;
    let bob = app.member("bob", "MST110001", "tenant_user").await;
    app.credit("MST110001", "PO-1", "100000").await;
    let (_, key) = app.key_for("MST110001", &bob.user, 30).await;
    let (mut doomed, survivor) = (Process::start(&app), Process::start(&app));

    // Eight writers, each sending usage reports to both instances in turn;
    // the first instance is killed (SIGKILL) while they write.
    let acknowledged = std::sync::Arc::new(std::sync::Mutex::new(Vec::new()));
    let writers: Vec<_> = (0..8)
        .map(|writer| {
            let (bases, key, acknowledged) = (
                [doomed.base.clone(), survivor.base.clone()],
                key.clone(),
                acknowledged.clone(),
            );
            tokio::spawn(async move {
                let client = reqwest::Client::new();
                for n in 0..40 {
                    let idempotency_key = format!("w{writer}-{n}");
                    let body = json!({"service": "ccs", "resource_id": "vm-1", "seconds": 60,
                                      "rate_per_hour": "1.0000", "idempotency_key": idempotency_key});
                    let sent = client
                        .post(format!("{}/api/v1/usage", bases[n % 2]))
                        .header("x-api-key", &key)
                        .json(&body)
                        .timeout(Duration::from_secs(10))
                        .send()
                        .await;
                    match sent {
                        Ok(response) if response.status().is_success() => {
                            acknowledged.lock().unwrap().push(idempotency_key)
                        }
                        // Only the killed instance may fail to answer.
                        Ok(response) => panic!("{}: {}", response.status(), response.text().await.unwrap_or_default()),
                        Err(err) => assert_eq!(n % 2, 0, "the survivor failed: {err}"),
                    }
                }
            })
        })
        .collect();
    // Killed once the load is well under way (a fixed pause would depend on the machine's speed).
    let started = Instant::now();
    while acknowledged.lock().unwrap().len() < 40 {
        assert!(started.elapsed() < Duration::from_secs(30), "no writes acknowledged");
        tokio::time::sleep(Duration::from_millis(5)).await;
    }
    doomed.child.kill().unwrap();
    doomed.child.wait().unwrap();
    let killed_at = acknowledged.lock().unwrap().len();
    for writer in writers {
        writer.await.unwrap();
    }
    let acknowledged = acknowledged.lock().unwrap().clone();
    assert!(killed_at > 0, "writes were acknowledged before the kill");
    assert!(acknowledged.len() > killed_at, "the survivor went on acknowledging");
    // The survivor answers.
    assert_eq!(whoami(&survivor.base, &key).await.0, StatusCode::OK);
    // Every acknowledged write is in the database, debited once.
    let recorded: Vec<String> = sqlx::query_scalar("SELECT idempotency_key FROM usage_records")
        .fetch_all(app.db.read())
        .await
        .unwrap();
    let recorded: std::collections::HashSet<String> = recorded.into_iter().collect();
    let lost: Vec<&String> = acknowledged.iter().filter(|k| !recorded.contains(*k)).collect();
    assert!(lost.is_empty(), "acknowledged and lost: {lost:?}");
    let debits = app
        .count("SELECT COUNT(*) FROM ledger_entries WHERE kind = 'debit'")
        .await;
    assert_eq!(debits, recorded.len() as i64);
    assert_eq!(
        app.count("SELECT balance FROM wallets WHERE account_id IS NULL").await,
        // A minute at 1 credit an hour: 166.67 units, rounded half up.
        100_000 * 10_000 - debits * 167
    );
    eprintln!(
        "{} writes acknowledged ({killed_at} before the kill), {} recorded",
        acknowledged.len(),
        recorded.len()
    );
}
