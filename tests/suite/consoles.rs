//! The activity log, the support console and the operator console — with
//! the access matrix for every support and operator route.

use crate::common::{Client, TestApp, spawn_app};
use member_center::accounts::PlatformRole;
use reqwest::StatusCode;

struct Cast {
    anonymous: Client,
    user: Client,
    admin: Client,
    support: Client,
    operator: Client,
    /// The account support acts on, and one of its keys.
    subject: member_center::auth::identity::AccountId,
    key_id: String,
    secret: String,
}

async fn cast(app: &TestApp) -> Cast {
    let user = app.member("bob", "MST110001", "tenant_user").await;
    let admin = app.member("alice", "MST110001", "tenant_admin").await;
    let support = app.create_user("sam", PlatformRole::Support).await;
    let operator = app.create_user("olivia", PlatformRole::Operator).await;
    let (key_id, secret) = app.key_for("MST110001", &user.user, 30).await;
    Cast {
        anonymous: app.client(),
        subject: user.user.id,
        user: user.client,
        admin: admin.client,
        support: app.signed_in(&support).await,
        operator: app.signed_in(&operator).await,
        key_id,
        secret,
    }
}

const REASON: &str = "ticket 1234: customer asked";

#[tokio::test]
async fn only_the_right_roles_reach_support_and_operator_routes() {
    let app = spawn_app().await;
    let mut c = cast(&app).await;
    cli_order(&app).await;
    let s = c.subject;
    let support_gets = [
        "/support?q=bob".to_string(),
        format!("/support/accounts/{s}"),
        "/support/reset".to_string(),
    ];
    let support_posts: Vec<(String, Vec<(&str, &str)>)> = vec![
        (
            format!("/support/accounts/{s}/lock"),
            vec![("locked", "true"), ("reason", REASON)],
        ),
        (
            format!("/support/accounts/{s}/keys/{}/revoke", c.key_id),
            vec![("reason", REASON)],
        ),
        (
            "/support/reset".to_string(),
            vec![("username", "bob"), ("reason", REASON)],
        ),
    ];
    let operator_posts: Vec<(String, Vec<(&str, &str)>)> = vec![
        (
            "/operator/accounts".to_string(),
            vec![
                ("username", "newbie"),
                ("email", "n@example.org"),
                ("name", "N"),
                ("role", "none"),
            ],
        ),
        (
            "/operator/roles".to_string(),
            vec![("username", "bob"), ("role", "support")],
        ),
        (
            "/operator/projects".to_string(),
            vec![("code", "MST999"), ("name", "New"), ("starts", ""), ("ends", "")],
        ),
        (
            "/operator/members".to_string(),
            vec![("project", "MST110001"), ("username", "sam"), ("role", "tenant_admin")],
        ),
        (
            "/operator/quotas".to_string(),
            vec![("project", "MST110001"), ("service", "ccs"), ("cpu", "9")],
        ),
        (
            "/operator/orders".to_string(),
            vec![
                ("project", "MST110001"),
                ("number", "PO-X"),
                ("amount", "5"),
                ("note", ""),
            ],
        ),
        ("/operator/orders/PO-1".to_string(), vec![("to", "paid")]),
    ];

    let snapshot = |app: &TestApp| {
        let db = app.db.clone();
        async move {
            let q = |sql: &'static str| {
                let db = db.clone();
                async move { sqlx::query_scalar::<_, i64>(sql).fetch_one(db.read()).await.unwrap() }
            };
            (
                q("SELECT COUNT(*) FROM accounts WHERE status = 'locked' OR platform_role = 'operator'").await,
                q("SELECT COUNT(*) FROM api_keys WHERE revoked_at IS NOT NULL").await,
                q("SELECT COUNT(*) FROM password_resets").await,
                q("SELECT COUNT(*) FROM accounts").await,
                q("SELECT COUNT(*) FROM projects").await,
                q("SELECT COUNT(*) FROM memberships").await,
                q("SELECT COUNT(*) FROM project_quotas").await,
                q("SELECT COUNT(*) FROM orders WHERE status <> 'quotation'").await
                    + q("SELECT COUNT(*) FROM orders").await,
            )
        }
    };
    let before = snapshot(&app).await;

    for (who, client, support_ok, operator_ok) in [
        ("anonymous", &mut c.anonymous, None, None),
        ("tenant user", &mut c.user, Some(false), Some(false)),
        ("tenant admin", &mut c.admin, Some(false), Some(false)),
        ("support", &mut c.support, Some(true), Some(false)),
    ] {
        let expect = |ok: Option<bool>| match ok {
            None => StatusCode::SEE_OTHER,
            Some(true) => StatusCode::OK,
            Some(false) => StatusCode::FORBIDDEN,
        };
        for path in &support_gets {
            assert_eq!(client.get(path).await.status, expect(support_ok), "{who} GET {path}");
        }
        assert_eq!(
            client.get("/operator").await.status,
            expect(operator_ok),
            "{who} GET /operator"
        );
        if who == "support" {
            continue; // support's own posts change things; checked below
        }
        if who == "anonymous" {
            client.get("/sign-in").await;
        }
        for (path, fields) in support_posts.iter().chain(operator_posts.iter()) {
            let page = client.post(path, fields).await;
            assert_eq!(
                page.status,
                expect(Some(false)).min(expect(support_ok)),
                "{who} POST {path}"
            );
        }
    }
    for (path, fields) in &operator_posts {
        assert_eq!(
            c.support.post(path, fields).await.status,
            StatusCode::FORBIDDEN,
            "support POST {path}"
        );
    }
    assert_eq!(snapshot(&app).await, before, "a refused request changed something");

    // The operator reaches everything.
    assert_eq!(c.operator.get("/operator").await.status, StatusCode::OK);
    assert_eq!(c.operator.get(&support_gets[1]).await.status, StatusCode::OK);
    for (path, fields) in &operator_posts {
        let page = c.operator.post(path, fields).await;
        assert!(
            matches!(page.status, StatusCode::OK | StatusCode::SEE_OTHER),
            "operator POST {path}: {}",
            page.status
        );
    }
    for (path, fields) in &support_posts {
        let page = c.operator.post(path, fields).await;
        assert!(
            matches!(page.status, StatusCode::OK | StatusCode::SEE_OTHER),
            "operator POST {path}: {}",
            page.status
        );
    }
}

async fn cli_order(app: &TestApp) {
    member_center::operator::service::add_order(&app.db, None, "MST110001", "PO-1", "100", "")
        .await
        .unwrap();
}

#[tokio::test]
async fn support_cannot_change_quotas_members_permissions_or_wallets() {
    let app = spawn_app().await;
    let mut c = cast(&app).await;
    let s = c.subject.to_string();
    for (path, fields) in [
        (
            format!("/quota/members/{s}?service=ccs"),
            vec![("cpu", "1"), ("gpu", "1"), ("memory", "1")],
        ),
        (
            "/account/members".to_string(),
            vec![("identifier", "sam"), ("role", "tenant_admin")],
        ),
        (format!("/account/members/{s}/remove"), vec![]),
        (format!("/permissions/{s}"), vec![("service", "ccs")]),
        ("/account/wallet/sub-wallets".to_string(), vec![("member", s.as_str())]),
    ] {
        assert_eq!(
            c.support.post(&path, &fields).await.status,
            StatusCode::FORBIDDEN,
            "{path}"
        );
    }
    assert_eq!(app.count("SELECT COUNT(*) FROM memberships").await, 2);
}

#[tokio::test]
async fn support_finds_accounts_by_name_email_key_or_project() {
    let app = spawn_app().await;
    let mut c = cast(&app).await;
    // (A project's code finds its members.)
    for q in [
        "bob",
        "BOB@EXAMPLE",
        "bob Test",
        c.key_id.as_str(),
        &c.secret[..8],
        "mst110001",
    ] {
        let page = c
            .support
            .get(&format!(
                "/support?q={}",
                form_urlencoded::byte_serialize(q.as_bytes()).collect::<String>()
            ))
            .await;
        page.assert_contains(&format!("/support/accounts/{}", c.subject));
    }
    c.support
        .get("/support?q=%25")
        .await
        .assert_contains("No account matches.");
    c.support
        .get("/support?q=nobody-here")
        .await
        .assert_contains("No account matches.");
    let live = c.support.get_with("/support?q=alice", &[("HX-Request", "true")]).await;
    live.assert_contains("id=\"results\"");
}

#[tokio::test]
async fn support_views_are_recorded_and_the_owner_sees_them() {
    let app = spawn_app().await;
    let mut c = cast(&app).await;
    let page = c.support.get(&format!("/support/accounts/{}", c.subject)).await;
    for text in [
        "bob Test",
        "Project MST110001",
        "Tenant user",
        &format!("{}…", &c.secret[..8]),
        "Project wallet",
    ] {
        page.assert_contains(text);
    }
    assert!(!page.body.contains(&c.secret), "never the secret");
    let activity = c.user.get("/activity?stream=changes").await;
    activity.assert_contains("sam viewed the account bob.");
    // Views of one account within the hour are one row, counted.
    c.support.get(&format!("/support/accounts/{}", c.subject)).await;
    let activity = c.user.get("/activity?stream=changes").await;
    assert_eq!(
        activity.body.matches("sam viewed the account bob.").count(),
        1,
        "{}",
        activity.body
    );
    activity.assert_contains("(2 times)");
    // In the viewer's language, values included.
    c.user.post("/language", &[("lang", "zh-TW"), ("next", "/")]).await;
    let activity = c.user.get("/activity?stream=changes").await;
    activity.assert_contains("sam 檢視了帳號 bob。");
    activity.assert_contains("共 2 次");
}

#[tokio::test]
async fn support_actions_need_a_reason_and_take_effect() {
    let app = spawn_app().await;
    let mut c = cast(&app).await;
    let s = c.subject;
    let page = c
        .support
        .post(
            &format!("/support/accounts/{s}/lock"),
            &[("locked", "true"), ("reason", "too short")],
        )
        .await;
    assert_eq!(page.status, StatusCode::UNPROCESSABLE_ENTITY);
    page.assert_contains("Write a reason of 10 to 500 characters.");
    let page = c
        .support
        .post(
            &format!("/support/accounts/{s}/keys/{}/revoke", c.key_id),
            &[("reason", "")],
        )
        .await;
    assert_eq!(page.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(app.api_get("/api/v1/whoami", Some(&c.secret)).await.0, StatusCode::OK);

    let page = c
        .support
        .post(
            &format!("/support/accounts/{s}/lock"),
            &[("locked", "true"), ("reason", REASON)],
        )
        .await;
    assert_eq!(page.status, StatusCode::SEE_OTHER);
    let (status, body) = app.api_get("/api/v1/whoami", Some(&c.secret)).await;
    assert_eq!(
        (status, body["error"]["code"].as_str()),
        (StatusCode::UNAUTHORIZED, Some("key_disabled"))
    );
    assert_eq!(
        c.user.get("/account").await.status,
        StatusCode::SEE_OTHER,
        "their session ends"
    );
    assert_eq!(
        app.client().sign_in("bob", crate::common::PASSWORD).await.status,
        StatusCode::UNPROCESSABLE_ENTITY
    );

    c.support
        .post(
            &format!("/support/accounts/{s}/lock"),
            &[("locked", "false"), ("reason", REASON)],
        )
        .await;
    assert_eq!(app.api_get("/api/v1/whoami", Some(&c.secret)).await.0, StatusCode::OK);
    let page = c
        .support
        .post(
            &format!("/support/accounts/{s}/keys/{}/revoke", c.key_id),
            &[("reason", REASON)],
        )
        .await;
    assert_eq!(page.status, StatusCode::SEE_OTHER);
    let (_, body) = app.api_get("/api/v1/whoami", Some(&c.secret)).await;
    assert_eq!(body["error"]["code"], "key_disabled");
    let reasons: Vec<(String, String)> = sqlx::query_as("SELECT action, after FROM change_activity WHERE action LIKE 'support.%' AND action <> 'support.view' ORDER BY id")
        .fetch_all(app.db.read())
        .await
        .unwrap();
    assert_eq!(
        reasons,
        [
            ("support.lock", REASON),
            ("support.unlock", REASON),
            ("support.revoke_key", REASON)
        ]
        .map(|(a, r)| (a.to_string(), r.to_string()))
    );
}

#[tokio::test]
async fn the_operator_console_does_what_the_cli_does_with_the_same_checks() {
    let app = spawn_app().await;
    let mut c = cast(&app).await;
    let page = c
        .operator
        .post(
            "/operator/accounts",
            &[
                ("username", "dora"),
                ("email", "dora@example.org"),
                ("name", "Dora Wu"),
                ("role", "support"),
            ],
        )
        .await;
    // Post/Redirect/Get: the console shows the link once.
    assert_eq!(page.status, StatusCode::SEE_OTHER);
    assert_eq!(page.location(), Some("/operator"));
    let page = c.operator.get("/operator").await;
    assert_eq!(page.headers.get("cache-control").unwrap(), "no-store");
    page.assert_contains("First-password link for dora");
    assert!(
        !c.operator.get("/operator").await.body.contains("/reset/"),
        "shown again"
    );
    let start = page.body.find("/reset/").unwrap();
    let path = &page.body[start..start + 43];
    app.client()
        .get(path)
        .await
        .assert_contains("Choose a new password for dora.");

    let bad = [
        (
            "/operator/accounts",
            vec![("username", "1x"), ("email", "x@example.org")],
            "Use 3 to 32 lowercase letters",
        ),
        (
            "/operator/accounts",
            vec![("username", "dora"), ("email", "other@example.org")],
            "already exists",
        ),
        (
            "/operator/projects",
            vec![("code", "X"), ("name", "n")],
            "Use 3 to 20 letters and digits",
        ),
        (
            "/operator/projects",
            vec![
                ("code", "MST123"),
                ("name", "n"),
                ("starts", "2026-12-01"),
                ("ends", "2026-01-01"),
            ],
            "The end date must not be before",
        ),
        (
            "/operator/members",
            vec![("project", "NOPE1"), ("username", "dora"), ("role", "tenant_admin")],
            "There is no project with this code.",
        ),
        (
            "/operator/quotas",
            vec![("project", "MST110001"), ("service", "ccs"), ("gpu", "-5")],
            "Enter a whole number from -1",
        ),
        (
            "/operator/orders",
            vec![("project", "MST110001"), ("number", "PO 1"), ("amount", "5")],
            "Use 1 to 40 letters",
        ),
        (
            "/operator/roles",
            vec![("username", "dora"), ("role", "king")],
            "Choose none, support or operator.",
        ),
    ];
    for (path, fields, message) in bad {
        let page = c.operator.post(path, &fields).await;
        assert_eq!(page.status, StatusCode::UNPROCESSABLE_ENTITY, "{path} {fields:?}");
        page.assert_contains(message);
    }

    c.operator
        .post(
            "/operator/projects",
            &[
                ("code", "mst120001"),
                ("name", "Protein Folding"),
                ("starts", "2026-01-01"),
                ("ends", "2026-12-31"),
            ],
        )
        .await;
    c.operator
        .post(
            "/operator/members",
            &[("project", "MST120001"), ("username", "dora"), ("role", "tenant_admin")],
        )
        .await;
    c.operator
        .post(
            "/operator/quotas",
            &[
                ("project", "MST120001"),
                ("service", "vcs"),
                ("cpu", "32"),
                ("floating_ip", "4"),
            ],
        )
        .await;
    c.operator
        .post(
            "/operator/orders",
            &[
                ("project", "MST120001"),
                ("number", "PO-9"),
                ("amount", "123.4"),
                ("note", "pilot"),
            ],
        )
        .await;
    c.operator.post("/operator/orders/PO-9", &[("to", "paid")]).await;
    c.operator.post("/operator/orders/PO-9", &[("to", "credited")]).await;
    let console = c.operator.get("/operator").await;
    console.assert_contains("PO-9");
    console.assert_contains("Credited");
    let balance: i64 = app.count("SELECT w.balance FROM wallets w JOIN projects p ON p.id = w.project_id WHERE p.code = 'MST120001' AND w.account_id IS NULL").await;
    assert_eq!(balance, 1_234_000);
    let quota: i64 = app
        .count("SELECT quota FROM project_quotas WHERE resource = 'floating_ip'")
        .await;
    assert_eq!(quota, 4);
    let role: String = sqlx::query_scalar(
        "SELECT role FROM memberships m JOIN accounts a ON a.id = m.account_id WHERE a.username = 'dora'",
    )
    .fetch_one(app.db.read())
    .await
    .unwrap();
    assert_eq!(role, "tenant_admin");
    // Every step was recorded with the operator as actor.
    let actions: Vec<String> = sqlx::query_scalar(
        "SELECT c.action FROM change_activity c JOIN accounts a ON a.id = c.actor_id WHERE a.username = 'olivia' ORDER BY c.id",
    )
    .fetch_all(app.db.read())
    .await
    .unwrap();
    for action in [
        "account.create",
        "project.create",
        "member.add",
        "quota.project.set",
        "order.add",
        "order.advance",
    ] {
        assert!(
            actions.iter().any(|a| a == action),
            "{action} not recorded: {actions:?}"
        );
    }
    // Credited is final.
    c.operator.post("/operator/orders/PO-9", &[("to", "cancelled")]).await;
    c.operator
        .get("/operator")
        .await
        .assert_contains("An order that is credited cannot become cancelled.");
}

#[tokio::test]
async fn activity_shows_each_viewer_what_they_may_see_and_exports_it() {
    let app = spawn_app().await;
    let mut c = cast(&app).await;
    let admin_id = member_center::accounts::store::by_username(&app.db, "alice")
        .await
        .unwrap()
        .unwrap()
        .id;
    let admin_user = crate::common::TestUser {
        id: admin_id,
        username: "alice".into(),
        password: crate::common::PASSWORD.into(),
    };
    let (_, admin_key) = app.key_for("MST110001", &admin_user, 30).await;
    for _ in 0..3 {
        app.api_get("/api/v1/whoami", Some(&c.secret)).await;
    }
    app.api_get("/api/v1/keys", Some(&admin_key)).await;
    let mut written = false;
    for _ in 0..100 {
        if app.count("SELECT COUNT(*) FROM api_calls").await == 4 {
            written = true;
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(50)).await;
    }
    assert!(written);

    let admin_page = c.admin.get("/activity").await;
    assert_eq!(admin_page.body.matches("GET /api/v1/whoami").count(), 3);
    admin_page.assert_contains("GET /api/v1/keys");
    let user_page = c.user.get("/activity").await;
    assert_eq!(user_page.body.matches("GET /api/v1/whoami").count(), 3);
    assert!(
        !user_page.body.contains("/api/v1/keys"),
        "a tenant user sees only their own calls"
    );

    let filtered = c.admin.get(&format!("/activity?member={}", c.subject)).await;
    assert!(!filtered.body.contains("/api/v1/keys"));
    let csv = c.admin.get(&format!("/activity.csv?member={}", c.subject)).await;
    let lines: Vec<&str> = csv.body.lines().collect();
    assert_eq!(lines[0], "id,time,member,key_id,method,route,status,latency_us,client");
    assert_eq!(lines.len(), 1 + 3);
    // Times in exports: ISO 8601 with seconds and the viewer's offset.
    let time = lines[1].split(',').nth(1).unwrap();
    assert!(
        time.len() == 25 && time.as_bytes()[10] == b'T' && time.ends_with("+08:00"),
        "{time}"
    );
    assert!(
        lines[1..]
            .iter()
            .all(|l| l.contains(",bob,") && l.contains("/api/v1/whoami"))
    );

    let changes = c.admin.get("/activity?stream=changes&kind=key").await;
    changes.assert_contains("created API key");
    assert!(!changes.body.contains("member.add"));
    let csv = c.admin.get("/activity.csv?stream=changes&kind=member").await;
    assert!(csv.body.lines().skip(1).all(|l| l.contains("member.")), "{}", csv.body);
    assert!(!csv.body.contains(&c.secret));
    c.admin
        .get("/activity?stream=changes&kind=bogus")
        .await
        .assert_contains("Choose a kind of action from the list.");

    // Retention: old rows go.
    sqlx::query("UPDATE api_calls SET at = 0 WHERE id = 1")
        .execute(app.db.read())
        .await
        .unwrap();
    let retention = member_center::activity::service::Retention { raw_days: 7, days: 400 };
    let done = member_center::activity::service::maintain(&app.db, retention, member_center::db::now())
        .await
        .unwrap();
    assert_eq!(done.calls_pruned, 1);
}

/// Support (and operators) act only on accounts of a lower platform role.
#[tokio::test]
async fn support_cannot_take_over_an_operator_nor_touch_its_peers() {
    let app = spawn_app().await;
    let mut c = cast(&app).await;
    let olivia = app.count("SELECT id FROM accounts WHERE username = 'olivia'").await;
    let sam = app.count("SELECT id FROM accounts WHERE username = 'sam'").await;
    let other_support = app.create_user("sue", PlatformRole::Support).await;
    let other_operator = app.create_user("otto", PlatformRole::Operator).await;
    app.create_project("MST990001", "Ops").await;
    app.add_member("MST990001", &other_operator, "tenant_admin").await;
    let (operator_key, operator_secret) = app.key_for("MST990001", &other_operator, 30).await;
    let links_before = app.count("SELECT COUNT(*) FROM password_resets").await;

    // The attack as the audit ran it: a reset link for the operator.
    let page = c
        .support
        .post("/support/reset", &[("username", "olivia"), ("reason", REASON)])
        .await;
    assert_eq!(page.status, StatusCode::FORBIDDEN);
    assert!(!page.body.contains("/reset/"), "a link was shown");
    for (target, id) in [("olivia", olivia), ("sue", other_support.id.0)] {
        let page = c
            .support
            .post("/support/reset", &[("username", target), ("reason", REASON)])
            .await;
        assert_eq!(page.status, StatusCode::FORBIDDEN, "reset {target}");
        let page = c
            .support
            .post(
                &format!("/support/accounts/{id}/lock"),
                &[("locked", "true"), ("reason", REASON)],
            )
            .await;
        assert_eq!(page.status, StatusCode::FORBIDDEN, "lock {target}");
        // The account page says so and offers no action.
        let view = c.support.get(&format!("/support/accounts/{id}")).await;
        view.assert_contains("equal to or higher than yours");
        assert!(!view.body.contains("/lock\""), "lock offered on {target}");
    }
    let page = c
        .support
        .post(
            &format!("/support/accounts/{}/keys/{operator_key}/revoke", other_operator.id),
            &[("reason", REASON)],
        )
        .await;
    assert_eq!(page.status, StatusCode::FORBIDDEN);
    assert_eq!(
        app.api_get("/api/v1/whoami", Some(&operator_secret)).await.0,
        StatusCode::OK
    );

    // An operator is held to the same rule for other operators...
    let page = c
        .operator
        .post(
            &format!("/support/accounts/{}/lock", other_operator.id),
            &[("locked", "true"), ("reason", REASON)],
        )
        .await;
    assert_eq!(page.status, StatusCode::FORBIDDEN);
    let page = c
        .operator
        .post("/support/reset", &[("username", "otto"), ("reason", REASON)])
        .await;
    assert_eq!(page.status, StatusCode::FORBIDDEN);
    for (username, role) in [("otto", "none"), ("sam", "operator"), ("bob", "operator")] {
        let page = c
            .operator
            .post("/operator/roles", &[("username", username), ("role", role)])
            .await;
        assert_eq!(page.status, StatusCode::FORBIDDEN, "{username} → {role}");
    }
    let page = c
        .operator
        .post(
            "/operator/accounts",
            &[
                ("username", "newop"),
                ("email", "newop@example.org"),
                ("name", "N"),
                ("role", "operator"),
            ],
        )
        .await;
    assert_eq!(page.status, StatusCode::FORBIDDEN);
    assert_eq!(
        app.count("SELECT COUNT(*) FROM accounts WHERE username = 'newop'")
            .await,
        0
    );
    assert_eq!(app.count("SELECT COUNT(*) FROM password_resets").await, links_before);
    assert_eq!(
        app.count("SELECT COUNT(*) FROM accounts WHERE status = 'locked'").await,
        0
    );
    assert_eq!(
        app.count("SELECT COUNT(*) FROM accounts WHERE platform_role = 'operator'")
            .await,
        2
    );

    // ...but acts on support staff and ordinary accounts, as support does
    // on ordinary accounts.
    let page = c
        .support
        .post("/support/reset", &[("username", "alice"), ("reason", REASON)])
        .await;
    assert_eq!(page.status, StatusCode::SEE_OTHER);
    let page = c.support.get("/support/reset").await;
    page.assert_contains("https://portal.example.org/reset/");
    assert_eq!(page.headers.get("cache-control").unwrap(), "no-store");
    // Shown once; a reload of the page issues no other link.
    let links = app.count("SELECT COUNT(*) FROM password_resets").await;
    let again = c.support.get("/support/reset").await;
    assert!(!again.body.contains("/reset/"), "shown again");
    assert_eq!(app.count("SELECT COUNT(*) FROM password_resets").await, links);
    let page = c
        .operator
        .post(
            &format!("/support/accounts/{sam}/lock"),
            &[("locked", "true"), ("reason", REASON)],
        )
        .await;
    assert_eq!(page.status, StatusCode::SEE_OTHER);
    let page = c
        .operator
        .post("/operator/roles", &[("username", "bob"), ("role", "support")])
        .await;
    assert_eq!(page.status, StatusCode::SEE_OTHER);

    // Operators are made and unmade from the command line.
    member_center::operator::service::set_platform_role(
        &app.db,
        member_center::operator::service::Actor::CommandLine,
        "sue",
        "operator",
    )
    .await
    .unwrap();
    member_center::operator::service::set_platform_role(
        &app.db,
        member_center::operator::service::Actor::CommandLine,
        "otto",
        "none",
    )
    .await
    .unwrap();
    assert_eq!(
        app.count("SELECT COUNT(*) FROM accounts WHERE platform_role = 'operator'")
            .await,
        2
    );
}

#[tokio::test]
async fn links_need_a_configured_public_address() {
    let app = crate::common::spawn_app_with(|config| config.public_url = None).await;
    let mut c = cast(&app).await;
    let page = c
        .support
        .post("/support/reset", &[("username", "alice"), ("reason", REASON)])
        .await;
    assert_eq!(page.status, StatusCode::UNPROCESSABLE_ENTITY);
    page.assert_contains("the portal does not know its public address");
    assert!(!page.body.contains("/reset/"));
    let page = c
        .operator
        .post(
            "/operator/accounts",
            &[
                ("username", "dora"),
                ("email", "dora@example.org"),
                ("name", "Dora"),
                ("role", "none"),
            ],
        )
        .await;
    assert_eq!(page.status, StatusCode::UNPROCESSABLE_ENTITY);
    page.assert_contains("the portal does not know its public address");
    assert_eq!(app.count("SELECT COUNT(*) FROM password_resets").await, 0);
    assert_eq!(
        app.count("SELECT COUNT(*) FROM accounts WHERE username = 'dora'").await,
        0
    );
    // A forged Host header changes nothing either way.
    let app = spawn_app().await;
    let mut c = cast(&app).await;
    let page = c
        .support
        .post_raw(
            "/support/reset",
            &[
                ("username", "alice"),
                ("reason", REASON),
                ("csrf_token", &c.support.csrf.clone()),
            ],
            &[("host", "evil.example.com"), ("x-forwarded-host", "evil.example.com")],
        )
        .await;
    assert_eq!(page.status, StatusCode::SEE_OTHER);
    assert_eq!(page.location(), Some("/support/reset"));
    let page = c.support.get("/support/reset").await;
    assert!(!page.body.contains("evil.example.com"));
    page.assert_contains("https://portal.example.org/reset/");
}

#[tokio::test]
async fn a_projects_activity_log_shows_that_project_only() {
    let app = spawn_app().await;
    let mut alice = app.member("alice", "MST110001", "tenant_admin").await;
    let mut bob = app.member("bob", "MST110001", "tenant_user").await;
    // Bob is also admin of another project, where he changes things about himself.
    app.create_project("MST220002", "Other").await;
    member_center::operator::service::add_member(&app.db, None, "MST220002", "bob", "tenant_admin")
        .await
        .unwrap();
    bob.client.post("/projects/switch", &[("project", "MST220002")]).await;
    let page = bob
        .client
        .post(
            &format!("/permissions/{}", bob.user.id),
            &[("service", "ccs"), ("confirm", "yes")],
        )
        .await;
    assert!(
        page.status.is_success() || page.status.is_redirection(),
        "{}",
        page.status
    );
    bob.client.post("/projects/switch", &[("project", "MST110001")]).await;
    assert!(
        app.count("SELECT COUNT(*) FROM change_activity WHERE action = 'member.permissions'")
            .await
            > 0
    );

    // In MST110001's log, neither Alice nor Bob sees what happened in MST220002.
    for client in [&mut alice.client, &mut bob.client] {
        let log = client.get("/activity?stream=changes").await;
        assert_eq!(log.status, StatusCode::OK);
        assert!(!log.body.contains("member.permissions"), "{}", log.body);
        assert!(!log.body.contains("MST220002"));
    }
    // Support sees both, with a Project column.
    let support = app.create_user("sam", PlatformRole::Support).await;
    let mut support = app.signed_in(&support).await;
    let view = support.get(&format!("/support/accounts/{}", bob.user.id)).await;
    view.assert_contains("changed the services bob may use");
    view.assert_contains("<td data-label=\"Project\">MST220002</td>");
}

/// Retention: activity older than the retention goes at start (and daily),
/// once across instances; younger activity stays.
#[tokio::test]
async fn activity_past_the_retention_is_pruned_once_an_hour() {
    let scratch = crate::common::Scratch::new().await;
    let db = member_center::db::open(&scratch.location).await.unwrap();
    let now = member_center::db::now();
    for (at, action) in [(now - 3 * 86_400, "old.change"), (now - 3_600, "recent.change")] {
        db.execute(
            sqlx::query("INSERT INTO change_activity (at, action, target) VALUES ($1, $2, 'x')")
                .bind(at)
                .bind(action),
        )
        .await
        .unwrap();
    }
    drop(db);
    let app = crate::common::spawn_app_in(scratch, |config| config.activity_retention_days = 1).await;
    let mut left = i64::MAX;
    for _ in 0..100 {
        left = app
            .count("SELECT COUNT(*) FROM change_activity WHERE action = 'old.change'")
            .await;
        if left == 0 {
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(20)).await;
    }
    assert_eq!(left, 0, "old activity was not pruned");
    assert_eq!(
        app.count("SELECT COUNT(*) FROM change_activity WHERE action = 'recent.change'")
            .await,
        1
    );
    // The hour's run is claimed: another instance would not prune again
    // within the hour.
    assert!(!app.db.claim_run("activity-maintenance", 3600, now).await.unwrap());
}

#[tokio::test]
async fn support_and_operators_land_on_their_console_after_sign_in() {
    use member_center::accounts::PlatformRole;
    let app = crate::common::spawn_app().await;
    let support = app.create_user("sally", PlatformRole::Support).await;
    let operator = app.create_user("otto", PlatformRole::Operator).await;
    let member = app.member("alice", "MST110001", "tenant_user").await;
    for (user, console) in [(&support, "/support"), (&operator, "/operator")] {
        let mut client = app.client();
        let signed_in = client.sign_in(&user.username, &user.password).await;
        assert_eq!(signed_in.location(), Some(console), "{}", user.username);
        assert_eq!(client.get("/").await.location(), Some(console));
        // Where they were going wins over the console.
        client.post("/sign-out", &[]).await;
        client.get("/sign-in").await;
        let page = client
            .post(
                "/sign-in",
                &[
                    ("username", &user.username),
                    ("password", &user.password),
                    ("next", "/account"),
                ],
            )
            .await;
        assert_eq!(page.location(), Some("/account"));
    }
    // Everyone else starts at the overview.
    let mut client = app.client();
    let signed_in = client.sign_in(&member.user.username, &member.user.password).await;
    assert_eq!(signed_in.location(), Some("/"));
    assert_eq!(client.get("/").await.location(), Some("/account"));
    // Support staff who are also in a project start there.
    app.add_member("MST110001", &support, "tenant_user").await;
    let mut client = app.client();
    client.sign_in(&support.username, &support.password).await;
    assert_eq!(client.get("/").await.location(), Some("/account"));
}

/// The operator console opens on every project (code, name, status, period,
/// members, balance), fifty to a page and searchable, and lists accounts.
#[tokio::test]
async fn the_operator_console_lists_projects_and_accounts_searched_and_paged() {
    let app = spawn_app().await;
    let olivia = app.create_user("olivia", PlatformRole::Operator).await;
    let mut olivia = app.signed_in(&olivia).await;
    for n in 0..55 {
        app.create_project(&format!("MST3{n:05}"), &format!("Lab {n}")).await;
    }
    app.member("bob", "MST300001", "tenant_user").await;
    app.credit("MST300001", "PO-1", "100").await;

    let first = olivia.get("/operator").await;
    first.assert_contains("55 matches");
    let rows = |page: &crate::common::Page| {
        page.body
            .matches("<td data-label=\"Project code\"><a href=\"/operator/projects/MST3")
            .count()
    };
    assert_eq!(rows(&first), 50);
    first.assert_contains("href=\"/operator?list=projects&#38;q=&#38;page=2\"");
    assert_eq!(rows(&olivia.get("/operator?list=projects&q=&page=2").await), 5);
    // The project with a member and credit shows both.
    let found = olivia.get("/operator?q=mst300001").await;
    found.assert_contains("1 match");
    found.assert_contains("<td data-label=\"Members\" class=\"num\">1</td>");
    found.assert_contains("<td data-label=\"Balance (credits)\" class=\"num\">100.0000</td>");
    let found = olivia.get("/operator?list=projects&q=Lab%207").await;
    found.assert_contains("Lab 7");
    assert!(!found.body.contains("Lab 8"));

    let accounts = olivia.get("/operator?list=accounts&q=BOB").await;
    accounts.assert_contains("1 match");
    accounts.assert_contains("bob@example.org");
    accounts.assert_contains("<td data-label=\"Projects\" class=\"num\">1</td>");
    // Each account's platform role is picked in its row, and the list
    // comes back as it was (no username typed).
    accounts.assert_contains("aria-label=\"Platform role of bob\"");
    accounts.assert_contains("<option value=\"none\" selected>");
    let set = olivia
        .post(
            "/operator/roles",
            &[
                ("username", "bob"),
                ("role", "support"),
                ("return_to", "accounts"),
                ("q", "BOB"),
                ("page", "1"),
            ],
        )
        .await;
    assert_eq!(set.status, StatusCode::SEE_OTHER);
    assert_eq!(set.location(), Some("/operator?list=accounts&q=BOB&page=1"));
    let after = olivia.get("/operator?list=accounts&q=BOB&page=1").await;
    after.assert_contains("The platform role of bob was set.");
    after.assert_contains("<option value=\"support\" selected>");
    assert_eq!(
        app.count("SELECT COUNT(*) FROM accounts WHERE username = 'bob' AND platform_role = 'support'")
            .await,
        1
    );
    let nobody = olivia.get("/operator?list=accounts&q=%25%25").await;
    nobody.assert_contains("Nothing matches.");
    // Huge and odd input is only a search that finds nothing.
    let odd = olivia
        .get(&format!("/operator?list=accounts&q={}&page=-4", "x".repeat(5000)))
        .await;
    assert_eq!(odd.status, StatusCode::OK);
}

/// A project's page in the operator console: what the project is and has,
/// and the console's actions taken from it, coming back to it.
#[tokio::test]
async fn an_operator_manages_a_project_from_its_page() {
    let app = spawn_app().await;
    let mut c = cast(&app).await;
    app.create_user("dora", PlatformRole::None).await;
    let list = c.operator.get("/operator?q=mst110001").await;
    list.assert_contains(r#"<a href="/operator/projects/MST110001"><code>MST110001</code></a>"#);

    let page = c.operator.get("/operator/projects/MST110001").await;
    assert_eq!(page.status, StatusCode::OK);
    page.assert_contains("MST110001 · Project MST110001");
    page.assert_contains("<code>alice</code>");
    page.assert_contains("<code>bob</code>");
    // The quotas now, in a form a service: nothing set yet is 0.
    page.assert_contains(r#"id="quota-ccs-gpu" name="gpu" value="0""#);
    // No typed project codes here: the forms carry it.
    assert!(!page.body.contains(r#"id="member-project""#));
    assert!(
        !page.body.contains(r#"id="account-username""#),
        "the console's other forms stay there"
    );

    let back = "/operator/projects/MST110001";
    let saved = c
        .operator
        .post(
            "/operator/quotas",
            &[
                ("project", "MST110001"),
                ("return_to", "project"),
                ("service", "ccs"),
                ("gpu", "12"),
            ],
        )
        .await;
    assert_eq!(saved.location(), Some(back));
    let page = c.operator.get(back).await;
    page.assert_contains("The quota of MST110001 was set.");
    page.assert_contains(r#"id="quota-ccs-gpu" name="gpu" value="12""#);

    // A refusal: the same page, the message under the field of that form.
    let refused = c
        .operator
        .post(
            "/operator/quotas",
            &[
                ("project", "MST110001"),
                ("return_to", "project"),
                ("service", "vcs"),
                ("cpu", "many"),
            ],
        )
        .await;
    assert_eq!(refused.status, StatusCode::UNPROCESSABLE_ENTITY);
    refused.assert_contains("MST110001 · Project MST110001");
    refused.assert_contains(r#"id="quota-vcs-cpu" name="cpu" value="many" inputmode="numeric" aria-invalid="true""#);
    assert!(!refused.body.contains(r#"id="quota-ccs-cpu" name="cpu" value="many""#));

    let added = c
        .operator
        .post(
            "/operator/members",
            &[
                ("project", "MST110001"),
                ("return_to", "project"),
                ("username", "dora"),
                ("role", "tenant_user"),
            ],
        )
        .await;
    assert_eq!(added.location(), Some(back));
    c.operator
        .get(&format!("{back}?q=dora"))
        .await
        .assert_contains("<code>dora</code>");

    let ordered = c
        .operator
        .post(
            "/operator/orders",
            &[
                ("project", "MST110001"),
                ("return_to", "project"),
                ("number", "PO-77"),
                ("amount", "50"),
            ],
        )
        .await;
    assert_eq!(ordered.location(), Some(back));
    let paid = c
        .operator
        .post(
            "/operator/orders/PO-77",
            &[("to", "paid"), ("project", "MST110001"), ("return_to", "project")],
        )
        .await;
    assert_eq!(paid.location(), Some(back));
    let page = c.operator.get(back).await;
    page.assert_contains("PO-77");

    // A project that is none: not found, from the page and from its forms.
    assert_eq!(
        c.operator.get("/operator/projects/NOPE1").await.status,
        StatusCode::NOT_FOUND
    );
    let nowhere = c
        .operator
        .post(
            "/operator/quotas",
            &[
                ("project", "NOPE1"),
                ("return_to", "project"),
                ("service", "ccs"),
                ("gpu", "1"),
            ],
        )
        .await;
    assert_eq!(nowhere.status, StatusCode::UNPROCESSABLE_ENTITY);
    nowhere.assert_contains("There is no project with this code.");
    // Only operators.
    assert_eq!(c.support.get(back).await.status, StatusCode::FORBIDDEN);
    assert_eq!(c.admin.get(back).await.status, StatusCode::FORBIDDEN);
}
