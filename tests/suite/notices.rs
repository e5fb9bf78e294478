//! Notices by email through a real SMTP server (aiosmtpd), and in the
//! portal: each arrives once, in its reader's language, with a link that
//! works; the outbox survives a killed server and sends once with two
//! instances.

use reqwest::StatusCode;

use crate::common::{Smtp, TestApp, spawn_app_mailing};
use member_center::{accounts::PlatformRole, web::i18n::Lang};

async fn speaks(app: &TestApp, username: &str, lang: Lang) {
    let account = member_center::accounts::store::by_username(&app.db, username)
        .await
        .unwrap()
        .unwrap();
    member_center::accounts::store::set_language(&app.db, account.id, lang)
        .await
        .unwrap();
}

#[tokio::test]
async fn membership_order_and_security_notices_arrive_once_in_the_readers_language() {
    let smtp = Smtp::start().await;
    let app = spawn_app_mailing(&smtp).await;
    let mut alice = app.member("alice", "MST110001", "tenant_admin").await;
    let bob = app.create_user("bob", PlatformRole::None).await;
    speaks(&app, "bob", Lang::ZhTw).await;

    // Added to a project: Bob hears of it in Traditional Chinese.
    let added = alice
        .client
        .post("/account/members", &[("identifier", "bob"), ("role", "tenant_user")])
        .await;
    assert_eq!(added.status, StatusCode::SEE_OTHER, "{}", added.body);
    smtp.wait_for(2).await; // Alice's own "added" (made by the harness), and Bob's
    let to_bob = smtp.to("bob@example.org");
    assert_eq!(to_bob.len(), 1, "{to_bob:#?}");
    assert!(
        to_bob[0].subject.contains("您已加入計畫 MST110001"),
        "{:?}",
        to_bob[0].subject
    );
    assert!(to_bob[0].text.starts_with("bob Test 您好"), "{}", to_bob[0].text);
    assert!(
        to_bob[0]
            .html
            .contains("<a href=\"https://portal.example.org/account/members\""),
        "{}",
        to_bob[0].html
    );

    // The link works for him.
    let mut bob_client = app.signed_in(&bob).await;
    let link = to_bob[0].link(&app.base);
    assert_eq!(
        bob_client.get(&link.replace(&app.base, "")).await.status,
        StatusCode::OK
    );

    // A credited order: to the tenant admins, in English.
    app.credit("MST110001", "PO-7", "1500").await;
    let credited = smtp.wait_for(3).await;
    let order = credited
        .iter()
        .find(|m| m.subject.contains("PO-7"))
        .expect("the order's email");
    assert!(order.to.contains("alice@example.org"));
    assert_eq!(
        alice
            .client
            .get(&order.link(&app.base).replace(&app.base, ""))
            .await
            .status,
        StatusCode::OK
    );
    assert!(
        order
            .text
            .contains("Order PO-7 of 1500.0000 credits was credited to the wallet of MST110001."),
        "{}",
        order.text
    );

    // Security: a password change.
    let page = bob_client.get("/account/password").await;
    assert_eq!(page.status, StatusCode::OK);
    let changed = bob_client
        .post(
            "/account/password",
            &[
                ("current", &bob.password),
                ("new", "a much longer new password"),
                ("confirm", "a much longer new password"),
            ],
        )
        .await;
    assert_eq!(changed.status, StatusCode::SEE_OTHER, "{}", changed.body);
    smtp.wait_for(4).await;
    let security = smtp.to("bob@example.org");
    let changed = security
        .iter()
        .find(|m| m.subject.contains("密碼已變更"))
        .unwrap_or_else(|| panic!("{security:#?}"));
    assert_eq!(
        bob_client
            .get(&changed.link(&app.base).replace(&app.base, ""))
            .await
            .status,
        StatusCode::OK
    );

    // Nothing twice.
    tokio::time::sleep(std::time::Duration::from_millis(1500)).await;
    assert_eq!(smtp.messages().len(), 4, "{:#?}", smtp.messages());
    assert_eq!(
        app.count("SELECT COUNT(*) FROM notices WHERE email_state = 'pending'")
            .await,
        0
    );

    // The Notices page and the bell agree.
    let page = bob_client.get("/notices").await;
    let unread = page.body.matches("class=\"notice notice-unread\"").count();
    assert_eq!(unread, 2);
    page.assert_contains("aria-label=\"通知，2 則未讀\"");
}

#[tokio::test]
async fn a_sign_in_from_a_browser_never_used_before_is_a_security_notice() {
    let smtp = Smtp::start().await;
    let app = spawn_app_mailing(&smtp).await;
    let carol = app.create_user("carol", PlatformRole::None).await;
    let mut client = app.client();
    for agent in ["Firefox/140 on Linux", "Firefox/140 on Linux", "Safari/19 on macOS"] {
        client = app.client_as([127, 0, 0, 1], agent);
        assert_eq!(
            client.sign_in(&carol.username, &carol.password).await.status,
            StatusCode::SEE_OTHER
        );
    }
    let mails = smtp.wait_for(1).await;
    tokio::time::sleep(std::time::Duration::from_millis(1200)).await;
    let mails_now = smtp.messages();
    assert_eq!(
        mails_now.len(),
        1,
        "the first browser is no news, the same one twice neither: {mails_now:#?}"
    );
    assert!(
        mails[0].text.contains("Safari/19 on macOS (127.0.0.1)"),
        "{}",
        mails[0].text
    );
    let page = client.get(&mails[0].link(&app.base).replace(&app.base, "")).await;
    assert_eq!(page.status, StatusCode::OK);
    page.assert_contains("<code>127.0.0.1</code>");
}

const DAY: i64 = 86_400;

/// Bob's key's expiry, his and the project's GPUs, and the wallet, told of
/// once per step or crossing, by the reminders run with a clock the test sets.
#[tokio::test]
async fn keys_quotas_and_wallets_are_warned_of_once_before_they_bite() {
    let smtp = Smtp::start().await;
    let app = spawn_app_mailing(&smtp).await;
    let alice = app.member("alice", "MST110001", "tenant_admin").await;
    let bob = app.member("bob", "MST110001", "tenant_user").await;
    smtp.wait_for(2).await; // both were added to the project
    let run = |at: i64| {
        let db = app.db.clone();
        async move { member_center::reminders::run(&db, at).await.unwrap() }
    };
    let now = member_center::db::now();

    // A key: 7 days before, a day before, and expired, each once.
    let (key_id, secret) = app.key_for("MST110001", &bob.user, 30).await;
    assert_eq!(run(now).await.keys, 0);
    assert_eq!(run(now + 23 * DAY + 3600).await.keys, 1);
    assert_eq!(run(now + 24 * DAY).await.keys, 0, "the same step twice");
    assert_eq!(run(now + 29 * DAY + 3600).await.keys, 1);
    assert_eq!(run(now + 31 * DAY).await.keys, 1);
    assert_eq!(run(now + 32 * DAY).await.keys, 0);
    let mails = smtp.wait_for(5).await;
    let keys: Vec<_> = mails.iter().filter(|m| m.text.contains(&key_id)).collect();
    assert_eq!(keys.len(), 3, "{keys:#?}");
    assert!(keys[0].text.contains("expires within 7 days"));
    assert!(keys[1].text.contains("expires tomorrow"));
    assert!(keys[2].text.contains("has expired"));
    let mut bob_client = bob.client;
    assert_eq!(
        bob_client
            .get(&keys[0].link(&app.base).replace(&app.base, ""))
            .await
            .status,
        StatusCode::OK
    );

    // GPUs: Bob may use 5 of the project's 10; 4 is 80 % of his.
    member_center::operator::service::set_project_quota(&app.db, None, "MST110001", "ccs", &[("gpu", Some("10"))])
        .await
        .unwrap();
    let project = member_center::auth::identity::ProjectId(app.count("SELECT id FROM projects").await);
    let gpu = member_center::quotas::Resource::Gpu;
    let ccs = member_center::quotas::QuotaService::Ccs;
    member_center::quotas::service::set_member_quotas(
        &app.db,
        alice.user.id,
        project,
        bob.user.id,
        "bob",
        ccs,
        &[(gpu, member_center::quotas::QuotaLimit(5))],
    )
    .await
    .unwrap();
    let admit = |key: &'static str| {
        let secret = secret.clone();
        let base = app.base.clone();
        async move {
            let response = reqwest::Client::new()
                .post(format!("{base}/api/v1/allocations"))
                .header("x-api-key", &secret)
                .json(&serde_json::json!({"service": "ccs", "resources": {"gpu": 4}, "idempotency_key": key}))
                .send()
                .await
                .unwrap();
            assert_eq!(response.status(), StatusCode::CREATED);
            response.json::<serde_json::Value>().await.unwrap()["id"]
                .as_i64()
                .unwrap()
        }
    };
    // (The key is used before it expires: the clock of the reminders is the test's.)
    let first = admit("a").await;
    assert_eq!(run(now).await.quotas, 1, "Bob's quota crossed 80 %");
    assert_eq!(run(now).await.quotas, 0, "still at 80 %: told once");
    let gpu_mails = smtp.wait_for(7).await;
    let crossing: Vec<_> = gpu_mails.iter().filter(|m| m.text.contains("80 %")).collect();
    assert_eq!(crossing.len(), 2, "to Bob and to Alice: {crossing:#?}");
    assert!(crossing.iter().any(|m| {
        m.to.contains("bob@")
            && m.text
                .contains("bob Test uses 80 % of their GPU quota of Container Compute in MST110001.")
    }));
    assert!(crossing.iter().any(|m| m.to.contains("alice@")));
    let to_bob = crossing.iter().find(|m| m.to.contains("bob@")).unwrap();
    let page = bob_client.get(&to_bob.link(&app.base).replace(&app.base, "")).await;
    assert_eq!(page.status, StatusCode::OK);
    page.assert_contains("My usage / quota");
    // Fallen back and crossed again: told again.
    reqwest::Client::new()
        .delete(format!("{}/api/v1/allocations/{first}", app.base))
        .header("x-api-key", &secret)
        .send()
        .await
        .unwrap();
    assert_eq!(run(now).await.quotas, 0);
    admit("b").await;
    assert_eq!(run(now).await.quotas, 1);
    smtp.wait_for(9).await;

    // The wallet: credited 1,000, so warned below 100, and when negative.
    app.credit("MST110001", "PO-1", "1000").await; // (an email to Alice)
    let debit = |credits: i64, key: &'static str| {
        let db = app.db.clone();
        let bob_id = bob.user.id;
        async move {
            let report = member_center::wallets::service::UsageReport {
                project_id: project,
                account_id: bob_id,
                service: "ccs",
                resource_id: "notebook",
                seconds: 3600,
                rate_per_hour: member_center::wallets::Credits(credits * member_center::wallets::SCALE),
                idempotency_key: key,
            };
            member_center::wallets::service::debit_usage(&db, report).await.unwrap();
        }
    };
    assert_eq!(run(now).await.wallets, 0);
    debit(950, "u1").await;
    assert_eq!(run(now).await.wallets, 1);
    assert_eq!(run(now).await.wallets, 0);
    debit(100, "u2").await;
    assert_eq!(run(now).await.wallets, 1);
    let all = smtp.wait_for(12).await;
    assert!(
        all.iter()
            .any(|m| m.text.contains("The wallet of MST110001 is down to 50.0000 credits")),
        "{all:#?}"
    );
    let negative = all
        .iter()
        .find(|m| {
            m.text
                .contains("The wallet of MST110001 is negative (-50.0000 credits)")
        })
        .expect("the negative balance's email");
    let mut alice_client = alice.client;
    let page = alice_client.get(&negative.link(&app.base).replace(&app.base, "")).await;
    assert_eq!(page.status, StatusCode::OK);
    page.assert_contains("-50.0000");
    tokio::time::sleep(std::time::Duration::from_millis(1200)).await;
    assert_eq!(smtp.messages().len(), 12, "nothing twice");
}

/// A notice committed while the SMTP server is down, its server killed
/// (SIGKILL) before it could send it, is sent once after the restart.
#[tokio::test(flavor = "multi_thread")] // the test blocks on child processes
async fn a_notice_waiting_when_the_server_is_killed_is_sent_once_after_the_restart() {
    use std::process::{Command, Stdio};
    let scratch = crate::common::Scratch::new().await;
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let db_arg = match &scratch.location {
        member_center::db::Location::File(path) => path.display().to_string(),
        member_center::db::Location::Postgres(url) => url.clone(),
    };
    let log = scratch.dir.path().join("server.log");
    let serve = || {
        Command::new(env!("CARGO_BIN_EXE_member-center"))
            .args(["--db", &db_arg, "serve", "--bind", "127.0.0.1:0", "--insecure-cookies"])
            .args([
                "--smtp-url",
                &format!("smtp://127.0.0.1:{port}"),
                "--mail-from",
                "portal@example.org",
            ])
            .args(["--public-url", "https://portal.example.org"])
            .arg("--secret-file")
            .arg(scratch.secret_file())
            .env("MC_LOG", "warn")
            .stdout(Stdio::null())
            .stderr(std::fs::File::create(&log).unwrap())
            .spawn()
            .unwrap()
    };
    let said = || std::fs::read_to_string(&log).unwrap_or_default();
    let cli = |args: &[&str]| {
        let (ok, out, err) = crate::cli::member_center(&scratch.location, args, None);
        assert!(ok, "{out}{err}");
    };
    // Migrated before the server starts (two processes migrating one new
    // file at once would race).
    let db = member_center::db::open(&scratch.location).await.unwrap();
    let mut first = serve();
    // (Generous waits: the whole suite shares two cores.)
    let started = async {
        loop {
            if let Some(status) = first.try_wait().unwrap() {
                panic!("the server stopped: {status}\n{}", said());
            }
            let on: Option<String> = sqlx::query_scalar("SELECT value FROM settings WHERE name = 'email'")
                .fetch_optional(db.read())
                .await
                .unwrap();
            if on.as_deref() == Some("on") {
                break;
            }
            tokio::time::sleep(std::time::Duration::from_millis(100)).await;
        }
    };
    tokio::time::timeout(std::time::Duration::from_secs(60), started)
        .await
        .unwrap_or_else(|_| panic!("the server did not start emailing:\n{}", said()));
    cli(&["project", "add", "MST110001", "--name", "Lab"]);
    cli(&[
        "user",
        "add",
        "dora",
        "--email",
        "dora@example.org",
        "--name",
        "Dora Wu",
    ]);
    cli(&[
        "member",
        "add",
        "--project",
        "MST110001",
        "dora",
        "--role",
        "tenant_user",
    ]);
    // The server tries, finds no SMTP server, and backs off; then it dies.
    let tried = async {
        loop {
            let attempts: i64 = sqlx::query_scalar("SELECT COALESCE(MAX(attempts), 0) FROM notices")
                .fetch_one(db.read())
                .await
                .unwrap();
            if attempts > 0 {
                break;
            }
            tokio::time::sleep(std::time::Duration::from_millis(100)).await;
        }
    };
    tokio::time::timeout(std::time::Duration::from_secs(60), tried)
        .await
        .expect("a first try");
    first.kill().unwrap(); // SIGKILL
    first.wait().unwrap();
    let smtp = Smtp::start_on(port).await;
    let mut second = serve();
    let mails = smtp.wait_for(1).await;
    assert!(mails[0].to.contains("dora@example.org"));
    assert!(
        mails[0].text.contains("You were added to the project MST110001"),
        "{}",
        mails[0].text
    );
    tokio::time::sleep(std::time::Duration::from_millis(1500)).await;
    assert_eq!(smtp.messages().len(), 1, "sent once");
    second.kill().unwrap();
    second.wait().unwrap();
}

#[tokio::test]
async fn with_two_instances_each_notice_is_sent_once() {
    let smtp = Smtp::start().await;
    let app = spawn_app_mailing(&smtp).await;
    let url = smtp.url();
    let _other = app
        .another_instance_with(move |config| crate::common::mailing_through(config, url))
        .await;
    app.create_project("MST110001", "Lab").await;
    for n in 0..20 {
        let user = app.create_user(&format!("user{n:02}"), PlatformRole::None).await;
        app.add_member("MST110001", &user, "tenant_user").await;
    }
    let mails = smtp.wait_for(20).await;
    tokio::time::sleep(std::time::Duration::from_millis(1500)).await;
    let mut to: Vec<String> = smtp.messages().into_iter().map(|m| m.to).collect();
    assert_eq!(to.len(), 20, "{mails:#?}");
    to.sort();
    to.dedup();
    assert_eq!(to.len(), 20, "each once");
}

#[tokio::test]
async fn a_forgotten_password_is_reset_through_a_link_that_works_once() {
    let smtp = Smtp::start().await;
    let app = spawn_app_mailing(&smtp).await;
    let erin = app.create_user("erin", PlatformRole::None).await;
    let mut visitor = app.client();
    let page = visitor.get("/sign-in").await;
    page.assert_contains(r#"<a href="/forgot">Forgot your password?</a>"#);
    visitor
        .get("/forgot")
        .await
        .assert_contains("Username or email address");

    // An unknown name gets the same answer, and nothing is sent.
    let unknown = visitor.post("/forgot", &[("identifier", "nobody-here")]).await;
    let known = visitor.post("/forgot", &[("identifier", "ERIN@example.org")]).await;
    assert_eq!(unknown.status, StatusCode::OK);
    assert_eq!(known.status, StatusCode::OK);
    let answer = |body: &str| {
        body.split("<main")
            .nth(1)
            .unwrap()
            .replace(&visitor.csrf, "")
            .to_string()
    };
    assert_eq!(
        answer(&unknown.body),
        answer(&known.body),
        "the same page whoever was named"
    );
    known.assert_contains("If that is an account");
    let mails = smtp.wait_for(1).await;
    tokio::time::sleep(std::time::Duration::from_millis(1200)).await;
    assert_eq!(smtp.messages().len(), 1, "nothing for the unknown name");
    assert!(mails[0].to.contains("erin@example.org"));
    assert!(
        mails[0].text.contains("asked to reset the password of erin"),
        "{}",
        mails[0].text
    );
    // No usable link waits in the database: only its digest.
    let link = mails[0].link(&app.base);
    let path = link.replace(&app.base, "");
    let token = path.rsplit('/').next().unwrap();
    assert_eq!(
        app.count(&format!(
            "SELECT COUNT(*) FROM notices WHERE link LIKE '%{token}%' OR subject LIKE '%{token}%'"
        ))
        .await,
        0
    );
    // Not in the portal's list either: it was an email only.
    assert_eq!(app.count("SELECT COUNT(*) FROM notices WHERE in_app = 1").await, 0);

    // The link works once.
    let mut client = app.client();
    client.get(&path).await.assert_contains("erin");
    let new = "a brand new long password";
    let done = client.post(&path, &[("new", new), ("confirm", new)]).await;
    assert_eq!(done.status, StatusCode::SEE_OTHER, "{}", done.body);
    let again = client.get(&path).await;
    assert_eq!(again.status, StatusCode::BAD_REQUEST);
    assert_eq!(app.client().sign_in("erin", new).await.status, StatusCode::SEE_OTHER);
    // (And the change is a security notice.)
    let all = smtp.wait_for(2).await;
    assert!(
        all[1].text.contains("The password of your account was changed."),
        "{:#?}",
        all[1]
    );
    drop(erin);

    // Rate limits: per account, silently; per address, refused.
    for _ in 0..3 {
        visitor.post("/forgot", &[("identifier", "erin")]).await;
    }
    let mut last = visitor.post("/forgot", &[("identifier", "erin")]).await;
    assert_eq!(last.status, StatusCode::OK, "the same answer past the account's limit");
    tokio::time::sleep(std::time::Duration::from_millis(1200)).await;
    assert_eq!(
        smtp.messages().len(),
        4,
        "three links an hour for one account: the first, two more, then none"
    );
    for _ in 0..6 {
        last = visitor.post("/forgot", &[("identifier", "somebody")]).await;
    }
    assert_eq!(last.status, StatusCode::TOO_MANY_REQUESTS);
}

#[tokio::test]
async fn a_new_email_address_takes_effect_when_its_link_is_followed() {
    let smtp = Smtp::start().await;
    let app = spawn_app_mailing(&smtp).await;
    let frank = app.create_user("frank", PlatformRole::None).await;
    let mut client = app.signed_in(&frank).await;
    client.get("/account/profile").await;
    let saved = client
        .post(
            "/account/profile",
            &[
                ("display_name", "Frank Test"),
                ("email", "frank@new.example.org"),
                ("phone", ""),
                ("language", "en"),
                ("time_zone", "Asia/Taipei"),
            ],
        )
        .await;
    assert_eq!(saved.status, StatusCode::SEE_OTHER, "{}", saved.body);
    let profile = client.get("/account/profile").await;
    profile.assert_contains("follow the link we sent to frank@new.example.org");
    profile.assert_contains(r#"value="frank@example.org""#);
    profile.assert_contains("Waiting for confirmation");
    // The new address gets the link that confirms; the current one is told.
    smtp.wait_for(2).await;
    let confirm = last_to(
        &smtp,
        "frank@new.example.org",
        "Confirm frank@new.example.org as the email address of frank",
    );
    last_to(
        &smtp,
        "frank@example.org",
        "Someone signed in as frank asked to change the account's email address to frank@new.example.org.",
    );
    let path = confirm.link(&app.base).replace(&app.base, "");
    assert_eq!(
        app.count("SELECT COUNT(*) FROM accounts WHERE email = 'frank@example.org'")
            .await,
        1,
        "not yet"
    );
    // Followed (even from another browser): changed, and both addresses told.
    let confirmed = app.client().get(&path).await;
    assert_eq!(confirmed.status, StatusCode::SEE_OTHER);
    assert_eq!(
        app.count("SELECT COUNT(*) FROM accounts WHERE email = 'frank@new.example.org'")
            .await,
        1
    );
    assert_eq!(app.client().get(&path).await.status, StatusCode::BAD_REQUEST, "once");
    smtp.wait_for(4).await;
    for address in ["frank@example.org", "frank@new.example.org"] {
        last_to(&smtp, address, "was changed to frank@new.example.org");
    }
}

/// An intruder with a copy of someone's session cookie asks for their own
/// address; every way the owner takes the account back withdraws the
/// change, the owner's current address is told at once with a link that
/// cancels it, and the link confirms nothing once the asking session ends.
#[tokio::test]
async fn a_pending_email_change_does_not_outlive_the_owners_recovery() {
    let smtp = Smtp::start().await;
    let app = spawn_app_mailing(&smtp).await;
    let sam = app.create_user("sam", PlatformRole::Support).await;
    let mut support = app.signed_in(&sam).await;
    let recoveries = [
        "sign out everywhere",
        "change the password",
        "reset the password",
        "locked by support",
        "second factor reset by support",
        "the asking session signs out",
        "the cancel link",
    ];
    for (n, recovery) in recoveries.into_iter().enumerate() {
        let username = format!("victim{n}");
        let own = format!("{username}@example.org");
        let theirs = format!("intruder{n}@evil.example.org");
        let victim_user = app.create_user(&username, PlatformRole::None).await;
        let mut victim = app.signed_in(&victim_user).await;
        // The intruder's browser holds a copy of the victim's session cookie.
        let mut intruder = crate::common::Client {
            http: victim.http.clone(),
            base: app.base.clone(),
            csrf: String::new(),
        };
        intruder.get("/account/profile").await;
        let asked = intruder
            .post(
                "/account/profile",
                &[
                    ("display_name", "Victim"),
                    ("email", &theirs),
                    ("phone", ""),
                    ("language", "en"),
                    ("time_zone", "Asia/Taipei"),
                ],
            )
            .await;
        assert_eq!(asked.status, StatusCode::SEE_OTHER, "{recovery}: {}", asked.body);
        while smtp.to(&theirs).is_empty() || smtp.to(&own).is_empty() {
            tokio::time::sleep(std::time::Duration::from_millis(20)).await;
        }
        let confirm = last_to(&smtp, &theirs, "Confirm");
        let told = last_to(
            &smtp,
            &own,
            &format!("Someone signed in as {username} asked to change the account's email address to {theirs}."),
        );
        let confirm = confirm.link(&app.base).replace(&app.base, "");
        let cancel = told.link(&app.base).replace(&app.base, "");
        assert!(cancel.starts_with("/account/email/cancel/"), "{cancel}");

        match recovery {
            "sign out everywhere" => {
                victim.get("/account/profile").await;
                let done = victim.post("/account/sessions/sign-out-others", &[]).await;
                assert_eq!(done.status, StatusCode::SEE_OTHER);
            }
            "change the password" => {
                victim.get("/account/password").await;
                let new = "a-brand-new-passphrase";
                let done = victim
                    .post(
                        "/account/password",
                        &[("current", &victim_user.password), ("new", new), ("confirm", new)],
                    )
                    .await;
                assert_eq!(done.status, StatusCode::SEE_OTHER, "{}", done.body);
            }
            "reset the password" => {
                let hash = member_center::auth::password::hash_blocking("a-reset-passphrase").unwrap();
                member_center::accounts::service::set_password(
                    &app.db,
                    victim_user.id,
                    Some(victim_user.id),
                    &hash,
                    member_center::activity::ChangeKind::AccountPasswordReset,
                )
                .await
                .unwrap();
            }
            "locked by support" | "second factor reset by support" => {
                let (path, fields) = if recovery == "locked by support" {
                    (
                        "lock",
                        vec![("locked", "true"), ("reason", "Ticket 7: a stolen session")],
                    )
                } else {
                    ("two-factor/reset", vec![("reason", "Ticket 8: lost the phone")])
                };
                support.get(&format!("/support/accounts/{}", victim_user.id)).await;
                let done = support
                    .post(&format!("/support/accounts/{}/{path}", victim_user.id), &fields)
                    .await;
                assert_eq!(done.status, StatusCode::SEE_OTHER, "{recovery}: {}", done.body);
            }
            "the asking session signs out" => {
                intruder.get("/account/profile").await;
                let done = intruder.post("/sign-out", &[]).await;
                assert_eq!(done.status, StatusCode::SEE_OTHER);
            }
            "the cancel link" => {
                let mut stranger = app.client();
                let page = stranger.get(&cancel).await;
                assert_eq!(page.status, StatusCode::OK);
                page.assert_contains(&theirs);
                page.assert_contains("Cancel the change");
                let done = stranger.post(&cancel, &[]).await;
                assert_eq!(done.status, StatusCode::SEE_OTHER);
                // Used up: the link has nothing more to cancel.
                assert_eq!(stranger.get(&cancel).await.status, StatusCode::BAD_REQUEST);
                assert_eq!(stranger.post(&cancel, &[]).await.status, StatusCode::BAD_REQUEST);
            }
            _ => unreachable!(),
        }
        let followed = app.client().get(&confirm).await;
        assert_eq!(followed.status, StatusCode::BAD_REQUEST, "{recovery}");
        followed.assert_contains("This confirmation link is used up");
        let kept = format!("SELECT COUNT(*) FROM accounts WHERE username = '{username}' AND email = '{own}'");
        assert_eq!(app.count(&kept).await, 1, "{recovery}: the address was taken");
        assert_eq!(
            app.count("SELECT COUNT(*) FROM email_changes").await,
            0,
            "{recovery}: a change still waits"
        );
    }
}

#[tokio::test]
async fn a_person_chooses_which_notices_come_by_email_but_security_ones_always_do() {
    let smtp = Smtp::start().await;
    let app = spawn_app_mailing(&smtp).await;
    let mut gina = app.member("gina", "MST110001", "tenant_user").await;
    smtp.wait_for(1).await; // added to the project
    let profile = gina.client.get("/account/profile").await;
    profile.assert_contains(r#"name="topic" value="keys" checked"#);
    profile.assert_contains("Security (always sent)");
    let saved = gina
        .client
        .post_raw(
            "/account/notices",
            &[
                ("csrf_token", &gina.client.csrf.clone()),
                ("topic", "quotas"),
                ("topic", "wallet"),
            ],
            &[],
        )
        .await;
    assert_eq!(saved.status, StatusCode::SEE_OTHER);
    let profile = gina.client.get("/account/profile").await;
    profile.assert_contains(r#"name="topic" value="keys">"#);
    profile.assert_contains(r#"name="topic" value="quotas" checked"#);

    // A key's warning: in the portal, not by email. A lock: by email.
    app.key_for("MST110001", &gina.user, 3).await;
    let told = member_center::reminders::run(&app.db, member_center::db::now())
        .await
        .unwrap();
    assert_eq!(told.keys, 1);
    let account = member_center::accounts::store::by_username(&app.db, "gina")
        .await
        .unwrap()
        .unwrap();
    member_center::accounts::service::set_locked_for(&app.db, account.id, &account, true, "test")
        .await
        .unwrap();
    let mails = smtp.wait_for(2).await;
    tokio::time::sleep(std::time::Duration::from_millis(1200)).await;
    assert_eq!(smtp.messages().len(), 2, "{mails:#?}");
    assert!(mails[1].text.contains("Your account was locked by support"));
    assert_eq!(
        app.count("SELECT COUNT(*) FROM notices WHERE kind = 'key.expires_in_a_week' AND in_app = 1")
            .await,
        1
    );
}

#[tokio::test]
async fn operators_see_how_email_delivery_stands() {
    // An SMTP server that is not there: every try fails.
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let app = crate::common::spawn_app_with(move |config| {
        crate::common::mailing_through(config, format!("smtp://127.0.0.1:{port}"))
    })
    .await;
    let olivia = app.create_user("olivia", PlatformRole::Operator).await;
    let mut operator = app.signed_in(&olivia).await;
    app.create_project("MST110001", "Lab").await;
    app.add_member("MST110001", &olivia, "tenant_admin").await;
    for _ in 0..100 {
        if app.count("SELECT COUNT(*) FROM notices WHERE attempts > 0").await > 0 {
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
    }
    let console = operator.get("/operator").await;
    console.assert_contains("1 email is waiting to be sent.");
    console.assert_contains("The last error:");
    console.assert_contains("could not be reached");
}

#[tokio::test]
async fn a_tenant_admin_sets_the_balance_that_warns_them() {
    let app = crate::common::spawn_app().await;
    let mut alice = app.member("alice", "MST110001", "tenant_admin").await;
    app.credit("MST110001", "PO-1", "1000").await;
    let page = alice.client.get("/account/wallet").await;
    page.assert_contains("Low-balance warning");
    page.assert_contains("Empty: 10 % of the last credited order.");
    let bad = alice
        .client
        .post("/account/wallet/warn-below", &[("warn_below", "-5")])
        .await;
    assert_eq!(bad.status, StatusCode::UNPROCESSABLE_ENTITY);
    bad.assert_contains(r#"id="warn-below-error""#);
    assert_eq!(
        member_center::reminders::run(&app.db, 0).await.unwrap().wallets,
        0,
        "1,000 is above 100"
    );
    let saved = alice
        .client
        .post("/account/wallet/warn-below", &[("warn_below", "1500")])
        .await;
    assert_eq!(saved.status, StatusCode::SEE_OTHER);
    alice
        .client
        .get("/account/wallet")
        .await
        .assert_contains(r#"value="1500.0000""#);
    assert_eq!(
        member_center::reminders::run(&app.db, 0).await.unwrap().wallets,
        1,
        "1,000 is below 1,500"
    );
    // Without email, the notice is in the portal.
    alice
        .client
        .get("/notices")
        .await
        .assert_contains("The wallet of MST110001 is down to 1000.0000 credits, below its warning threshold.");
    assert_eq!(
        app.count("SELECT COUNT(*) FROM notices WHERE email_state <> 'none'")
            .await,
        0
    );
}

/// The rest of the list, each by email once with a link that works: a role
/// changed, a reset link issued by support, a lock and an unlock, a quota
/// request decided, and a removal.
#[tokio::test]
async fn every_other_notice_arrives_once_with_a_link_that_works() {
    let smtp = Smtp::start().await;
    let app = spawn_app_mailing(&smtp).await;
    let mut alice = app.member("alice", "MST110001", "tenant_admin").await;
    let mut hank = app.member("hank", "MST110001", "tenant_user").await;
    let sam = app.create_user("sam", PlatformRole::Support).await;
    let mut support = app.signed_in(&sam).await;
    let mut expected = 2; // both were added
    smtp.wait_for(expected).await;
    let follow = |mail: &crate::common::Mail| mail.link(&app.base).replace(&app.base, "");

    // A role changed.
    let hank_id = hank.user.id;
    let promoted = alice
        .client
        .post(&format!("/account/members/{hank_id}/role"), &[("role", "tenant_admin")])
        .await;
    assert_eq!(promoted.status, StatusCode::SEE_OTHER, "{}", promoted.body);
    smtp.wait_for(expected + 1).await;
    let mail = {
        expected += 1;
        last_to(
            &smtp,
            "hank@example.org",
            "Your role in the project MST110001 is now Tenant admin.",
        )
    };
    assert_eq!(hank.client.get(&follow(&mail)).await.status, StatusCode::OK);

    // A member request of Alice's goes to the project's other tenant admin,
    // Hank, who approves it; Alice hears of it.
    member_center::operator::service::set_project_quota(&app.db, None, "MST110001", "ccs", &[("gpu", Some("8"))])
        .await
        .unwrap();
    let filed = alice
        .client
        .post(
            "/quota-requests",
            &[
                ("kind", "member"),
                ("service", "ccs"),
                ("gpu", "2"),
                ("reason", "Two GPUs for a demo"),
            ],
        )
        .await;
    assert_eq!(filed.status, StatusCode::SEE_OTHER);
    let id = filed.location().unwrap().rsplit('/').next().unwrap().to_string();
    smtp.wait_for(expected + 1).await; // to Hank, a decider now
    expected += 1;
    let decided = hank
        .client
        .post(&format!("/quota-requests/{id}/decision"), &[("decision", "approve")])
        .await;
    assert_eq!(decided.status, StatusCode::SEE_OTHER);
    let mails = smtp.wait_for(expected + 1).await;
    expected += 1;
    let approved = mails
        .iter()
        .find(|m| m.to.contains("alice@") && m.text.contains("approved your quota request"))
        .unwrap();
    assert_eq!(alice.client.get(&follow(approved)).await.status, StatusCode::OK);

    // Support issues a reset link.
    support.get("/support/reset").await;
    let issued = support
        .post(
            "/support/reset",
            &[("username", "hank"), ("reason", "Hank asked by phone, ticket 42")],
        )
        .await;
    assert!(
        issued.status.is_success() || issued.status == StatusCode::SEE_OTHER,
        "{}",
        issued.body
    );
    smtp.wait_for(expected + 1).await;
    {
        expected += 1;
        last_to(&smtp, "hank@example.org", "Support issued a link to set a new password")
    };

    // A lock and an unlock.
    let account = member_center::accounts::store::by_username(&app.db, "hank")
        .await
        .unwrap()
        .unwrap();
    member_center::accounts::service::set_locked_for(&app.db, sam.id, &account, true, "checking")
        .await
        .unwrap();
    smtp.wait_for(expected + 1).await;
    {
        expected += 1;
        last_to(&smtp, "hank@example.org", "Your account was locked by support")
    };
    let account = member_center::accounts::store::by_username(&app.db, "hank")
        .await
        .unwrap()
        .unwrap();
    member_center::accounts::service::set_locked_for(&app.db, sam.id, &account, false, "checked")
        .await
        .unwrap();
    smtp.wait_for(expected + 1).await;
    let mail = {
        expected += 1;
        last_to(&smtp, "hank@example.org", "Your account was unlocked by support.")
    };
    let mut hank_again = app.signed_in(&hank.user).await;
    assert_eq!(hank_again.get(&follow(&mail)).await.status, StatusCode::OK);

    // Removed (Alice stays the project's admin).
    let removed = alice
        .client
        .post(&format!("/account/members/{hank_id}/remove"), &[])
        .await;
    assert_eq!(removed.status, StatusCode::SEE_OTHER, "{}", removed.body);
    smtp.wait_for(expected + 1).await;
    let mail = {
        expected += 1;
        last_to(
            &smtp,
            "hank@example.org",
            "You were removed from the project MST110001.",
        )
    };
    assert_eq!(hank_again.get(&follow(&mail)).await.status, StatusCode::OK);

    tokio::time::sleep(std::time::Duration::from_millis(1200)).await;
    assert_eq!(smtp.messages().len(), expected, "each once: {:#?}", smtp.messages());
}

/// The last email to `address`, which says `text`.
fn last_to(smtp: &Smtp, address: &str, text: &str) -> crate::common::Mail {
    let mail = smtp.to(address).last().expect("an email").clone();
    assert!(mail.text.contains(text), "{text:?} not in {}", mail.text);
    mail
}
