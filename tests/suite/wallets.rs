//! Wallets, metered usage and orders: exact money, atomic moves, the
//! ledger and its export, and who may see and do what.

use crate::common::{TestApp, spawn_app};
use member_center::roles::PlatformRole;
use member_center::wallets::store as wallet_store;
use reqwest::StatusCode;
use serde_json::{Value, json};

async fn balance(app: &TestApp, owner: Option<&str>) -> i64 {
    match owner {
        None => app.count("SELECT balance FROM wallets WHERE account_id IS NULL").await,
        Some(username) => {
            app.count(&format!(
                "SELECT w.balance FROM wallets w JOIN accounts a ON a.id = w.account_id WHERE a.username = '{username}'"
            ))
            .await
        }
    }
}

async fn post_json(app: &TestApp, path: &str, key: &str, body: Value) -> (StatusCode, Value) {
    let response = reqwest::Client::new()
        .post(format!("{}{path}", app.base))
        .header("x-api-key", key)
        .json(&body)
        .send()
        .await
        .unwrap();
    let status = response.status();
    (status, response.json().await.unwrap_or(Value::Null))
}

fn usage(seconds: i64, rate: &str, key: &str) -> Value {
    json!({"service": "ccs", "resource_id": "container-1", "seconds": seconds, "rate_per_hour": rate, "idempotency_key": key})
}

#[tokio::test]
async fn metered_usage_rounds_half_up_and_is_idempotent() {
    let app = spawn_app().await;
    let bob = app.member("bob", "MST110001", "tenant_user").await;
    app.credit("MST110001", "PO-1", "100").await;
    let (_, key) = app.key_for("MST110001", &bob.user, 30).await;

    let (status, body) = post_json(&app, "/api/v1/usage", &key, usage(189, "82.0000", "u-1")).await;
    assert_eq!(status, StatusCode::CREATED);
    assert_eq!(body["amount"], "4.3050");
    assert_eq!(body["wallet"], "parent");
    assert_eq!(body["balance_after"], "95.6950");
    let (status, again) = post_json(&app, "/api/v1/usage", &key, usage(189, "82.0000", "u-1")).await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(again["id"], body["id"]);
    assert_eq!(balance(&app, None).await, 956_950);

    let (status, wallet) = app.api_get("/api/v1/wallet", Some(&key)).await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(
        wallet,
        json!({"project_code": "MST110001", "project_balance": "95.6950", "sub_wallet_balance": null, "blocked": false})
    );
    // The ledger says it in words: the resource, the hours, the rate.
    let mut alice = app.member("alice", "MST110001", "tenant_admin").await;
    let ledger = alice.client.get("/account/wallet").await;
    ledger.assert_contains("container-1: 0.05 h × 82.0000 credits/h");
    ledger.assert_contains("Order PO-1");
}

#[tokio::test]
async fn malformed_usage_reports_get_422_naming_the_field() {
    let app = spawn_app().await;
    let bob = app.member("bob", "MST110001", "tenant_user").await;
    let (_, key) = app.key_for("MST110001", &bob.user, 30).await;
    let cases = [
        (
            json!({"service": "gpu-farm", "resource_id": "r", "seconds": 1, "rate_per_hour": "1", "idempotency_key": "k"}),
            "service",
        ),
        (
            json!({"service": "ccs", "seconds": 1, "rate_per_hour": "1", "idempotency_key": "k"}),
            "resource_id",
        ),
        (
            json!({"service": "ccs", "resource_id": "r", "seconds": -5, "rate_per_hour": "1", "idempotency_key": "k"}),
            "seconds",
        ),
        (
            json!({"service": "ccs", "resource_id": "r", "seconds": "60", "rate_per_hour": "1", "idempotency_key": "k"}),
            "seconds",
        ),
        (
            json!({"service": "ccs", "resource_id": "r", "seconds": 1, "rate_per_hour": 82.0, "idempotency_key": "k"}),
            "rate_per_hour",
        ),
        (
            json!({"service": "ccs", "resource_id": "r", "seconds": 1, "rate_per_hour": "-1", "idempotency_key": "k"}),
            "rate_per_hour",
        ),
        (
            json!({"service": "ccs", "resource_id": "r", "seconds": 1, "rate_per_hour": "1.00001", "idempotency_key": "k"}),
            "rate_per_hour",
        ),
        (
            json!({"service": "ccs", "resource_id": "r", "seconds": 1, "rate_per_hour": "1"}),
            "idempotency_key",
        ),
        (json!("nope"), "body"),
    ];
    for (body, field) in cases {
        let (status, answer) = post_json(&app, "/api/v1/usage", &key, body.clone()).await;
        assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{body}");
        assert_eq!(answer["error"]["field"], field, "{body}");
    }
    assert_eq!(app.count("SELECT COUNT(*) FROM ledger_entries").await, 0);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn thirty_two_concurrent_debits_lose_no_update() {
    let app = spawn_app().await;
    let bob = app.member("bob", "MST110001", "tenant_user").await;
    app.credit("MST110001", "PO-1", "1000").await;
    let (_, key) = app.key_for("MST110001", &bob.user, 30).await;
    let mut racers = Vec::new();
    for n in 0..32 {
        let (url, key) = (format!("{}/api/v1/usage", app.base), key.clone());
        racers.push(tokio::spawn(async move {
            reqwest::Client::new()
                .post(url)
                .header("x-api-key", key)
                .json(&usage(189, "82.0000", &format!("race-{n}")))
                .send()
                .await
                .unwrap()
                .status()
        }));
    }
    for racer in racers {
        assert_eq!(racer.await.unwrap(), StatusCode::CREATED);
    }
    assert_eq!(balance(&app, None).await, 10_000_000 - 32 * 43_050);
    let last_after = app
        .count("SELECT balance_after FROM ledger_entries ORDER BY id DESC LIMIT 1")
        .await;
    assert_eq!(last_after, 10_000_000 - 32 * 43_050);
}

#[tokio::test]
async fn a_negative_balance_blocks_admission_but_not_release_or_reading() {
    let app = spawn_app().await;
    let bob = app.member("bob", "MST110001", "tenant_user").await;
    member_center::operator::service::set_project_quota(&app.db, None, "MST110001", "ccs", &[("cpu", Some("-1"))])
        .await
        .unwrap();
    app.credit("MST110001", "PO-1", "1").await;
    let (_, key) = app.key_for("MST110001", &bob.user, 30).await;
    let (status, first) = post_json(
        &app,
        "/api/v1/allocations",
        &key,
        json!({"service": "ccs", "resources": {"cpu": 1}, "idempotency_key": "a"}),
    )
    .await;
    assert_eq!(status, StatusCode::CREATED);
    post_json(&app, "/api/v1/usage", &key, usage(3600, "2", "over")).await;
    assert_eq!(balance(&app, None).await, -10_000);

    let (status, body) = post_json(
        &app,
        "/api/v1/allocations",
        &key,
        json!({"service": "ccs", "resources": {"cpu": 1}, "idempotency_key": "b"}),
    )
    .await;
    assert_eq!(status, StatusCode::PAYMENT_REQUIRED);
    assert_eq!(body["error"]["code"], "wallet_negative");
    assert_eq!(body["error"]["details"]["balance"], "-1.0000");
    assert_eq!(body["error"]["details"]["wallet"], "parent");
    assert_eq!(
        app.api_get("/api/v1/quotas?service=ccs", Some(&key)).await.0,
        StatusCode::OK
    );
    assert_eq!(app.api_get("/api/v1/wallet", Some(&key)).await.1["blocked"], true);
    let response = reqwest::Client::new()
        .delete(format!("{}/api/v1/allocations/{}", app.base, first["id"]))
        .header("x-api-key", &key)
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), StatusCode::OK);
}

#[tokio::test]
async fn sub_wallets_take_credit_give_it_back_and_pay_their_members_usage() {
    let app = spawn_app().await;
    let mut alice = app.member("alice", "MST110001", "tenant_admin").await;
    let bob = app.member("bob", "MST110001", "tenant_user").await;
    app.credit("MST110001", "PO-1", "100").await;
    let id = bob.user.id.to_string();

    let page = alice
        .client
        .post("/account/wallet/sub-wallets", &[("member", &id)])
        .await;
    assert_eq!(page.status, StatusCode::SEE_OTHER);
    alice
        .client
        .get("/account/wallet")
        .await
        .assert_contains("bob Test now has a sub-wallet.");
    let page = alice
        .client
        .post(
            "/account/wallet/transfer",
            &[("member", &id), ("direction", "to_sub"), ("amount", "30.5")],
        )
        .await;
    assert_eq!(page.status, StatusCode::SEE_OTHER);
    assert_eq!(
        (balance(&app, None).await, balance(&app, Some("bob")).await),
        (695_000, 305_000)
    );
    assert_eq!(
        app.count("SELECT COUNT(*) FROM ledger_entries WHERE kind = 'transfer'")
            .await,
        2
    );

    // More than is there: a message, and nothing moves.
    for (direction, amount) in [
        ("to_parent", "30.5001"),
        ("to_sub", "70"),
        ("to_sub", "-1"),
        ("to_sub", "abc"),
        ("to_sub", "0"),
    ] {
        let page = alice
            .client
            .post(
                "/account/wallet/transfer",
                &[("member", &id), ("direction", direction), ("amount", amount)],
            )
            .await;
        assert_eq!(page.status, StatusCode::UNPROCESSABLE_ENTITY, "{direction} {amount}");
        page.assert_contains("id=\"transfer-amount-error\"");
    }
    let page = alice
        .client
        .post(
            "/account/wallet/transfer",
            &[("member", &id), ("direction", "to_sub"), ("amount", "70")],
        )
        .await;
    page.assert_contains("There is not that much to move: 69.5000 credits are available.");
    assert_eq!(
        (balance(&app, None).await, balance(&app, Some("bob")).await),
        (695_000, 305_000)
    );

    // Bob's usage is charged to his sub-wallet.
    let (_, key) = app.key_for("MST110001", &bob.user, 30).await;
    let (_, body) = post_json(&app, "/api/v1/usage", &key, usage(3600, "0.5", "u")).await;
    assert_eq!(body["wallet"], "sub");
    assert_eq!(balance(&app, Some("bob")).await, 300_000);
    // The ledger names the service, in the reader's language.
    let ledger = alice.client.get("/account/wallet").await;
    ledger.assert_contains(r#"<td data-label="Service">Container Compute</td>"#);

    // Removing the sub-wallet returns what is left.
    let page = alice
        .client
        .post(&format!("/account/wallet/sub-wallets/{id}/remove"), &[])
        .await;
    assert_eq!(page.status, StatusCode::SEE_OTHER);
    alice
        .client
        .get("/account/wallet")
        .await
        .assert_contains("30.0000 credits returned to the project wallet.");
    assert_eq!(balance(&app, None).await, 995_000);
    let (_, body) = post_json(&app, "/api/v1/usage", &key, usage(3600, "0.5", "u2")).await;
    assert_eq!(body["wallet"], "parent");
}

#[tokio::test]
async fn tenant_users_see_only_their_own_ledger_rows_and_move_nothing() {
    let app = spawn_app().await;
    let mut alice = app.member("alice", "MST110001", "tenant_admin").await;
    let mut bob = app.member("bob", "MST110001", "tenant_user").await;
    let carol = app.member("carol", "MST110001", "tenant_user").await;
    app.credit("MST110001", "PO-1", "100").await;
    for member in [&bob.user, &carol.user] {
        alice
            .client
            .post("/account/wallet/sub-wallets", &[("member", &member.id.to_string())])
            .await;
        alice
            .client
            .post(
                "/account/wallet/transfer",
                &[
                    ("member", &member.id.to_string()),
                    ("direction", "to_sub"),
                    ("amount", "10"),
                ],
            )
            .await;
    }
    let own = bob.client.get("/account/wallet").await;
    own.assert_contains("From the project&#39;s wallet to bob&#39;s sub-wallet");
    assert!(
        !own.body.contains("carol&#39;s sub-wallet"),
        "another member's rows are hidden"
    );
    // Numbered in the listing, from 1 without gaps.
    own.assert_contains(r#"<td data-label="No.">1</td>"#);
    assert!(!own.body.contains("PO-1"), "the project's rows are hidden");
    let csv = bob.client.get("/account/wallet/ledger.csv").await.body;
    assert!(csv.contains("parent → bob") && !csv.contains("carol"));

    let id = bob.user.id.to_string();
    for (path, fields) in [
        (
            "/account/wallet/transfer",
            vec![("member", id.as_str()), ("direction", "to_parent"), ("amount", "1")],
        ),
        ("/account/wallet/sub-wallets", vec![("member", id.as_str())]),
        (&format!("/account/wallet/sub-wallets/{id}/remove") as &str, vec![]),
    ] {
        assert_eq!(
            bob.client.post(path, &fields).await.status,
            StatusCode::FORBIDDEN,
            "{path}"
        );
    }
    assert_eq!(balance(&app, Some("bob")).await, 100_000);

    // A member without a sub-wallet sees no rows at all.
    let mut dora = app.member("dora", "MST110001", "tenant_user").await;
    dora.client
        .get("/account/wallet")
        .await
        .assert_contains("You have no sub-wallet in this project");
}

#[tokio::test]
async fn the_ledger_filters_pages_and_exports_the_same_rows() {
    let app = spawn_app().await;
    let mut alice = app.member("alice", "MST110001", "tenant_admin").await;
    let bob = app.member("bob", "MST110001", "tenant_user").await;
    app.credit("MST110001", "PO-1", "1000").await;
    let (_, key) = app.key_for("MST110001", &bob.user, 30).await;
    for n in 0..60 {
        post_json(&app, "/api/v1/usage", &key, usage(60 + n, "1", &format!("u{n}"))).await;
    }
    let page = alice.client.get("/account/wallet").await;
    page.assert_contains("61 rows");
    page.assert_contains("Page 1 / 2");
    let member = alice
        .client
        .get(&format!("/account/wallet?member={}", bob.user.id))
        .await;
    member.assert_contains("60 rows");

    let csv = alice
        .client
        .get(&format!("/account/wallet/ledger.csv?member={}", bob.user.id))
        .await;
    assert_eq!(csv.headers.get("content-type").unwrap(), "text/csv; charset=utf-8");
    let lines: Vec<&str> = csv.body.lines().collect();
    assert_eq!(
        lines[0],
        "number,time,service,actor,type,wallet,balance_before,amount,balance_after,detail"
    );
    assert_eq!(lines.len(), 61);
    let (rows, _) = wallet_store::ledger(
        &app.db,
        member_center::auth::identity::ProjectId(1),
        &wallet_store::LedgerFilter {
            member: Some(bob.user.id),
            ..Default::default()
        },
        100,
        0,
    )
    .await
    .unwrap();
    for (line, row) in lines[1..].iter().zip(rows.iter()) {
        let fields: Vec<&str> = line.split(',').collect();
        assert_eq!(fields[0], row.id.to_string());
        assert_eq!(fields[7], row.amount.to_string());
        assert_eq!(fields[8], row.balance_after.to_string());
    }
    let bad = alice.client.get("/account/wallet?from=yesterday").await;
    bad.assert_contains("Enter a date like 2026-11-29.");
    let future = alice.client.get("/account/wallet?from=2099-01-01").await;
    future.assert_contains("No ledger rows match.");
}

#[tokio::test]
async fn orders_move_from_quotation_to_credited_and_members_see_them() {
    let app = spawn_app().await;
    let mut bob = app.member("bob", "MST110001", "tenant_user").await;
    member_center::operator::service::add_order(&app.db, None, "MST110001", "PO-7", "250.5", "first quarter")
        .await
        .unwrap();
    let page = bob.client.get("/account/orders").await;
    page.assert_contains("PO-7");
    page.assert_contains("250.5000");
    page.assert_contains("Quotation");
    assert!(
        member_center::operator::service::advance_order(&app.db, None, "PO-7", "credited")
            .await
            .is_err(),
        "not paid yet"
    );
    member_center::operator::service::advance_order(&app.db, None, "PO-7", "paid")
        .await
        .unwrap();
    member_center::operator::service::advance_order(&app.db, None, "PO-7", "credited")
        .await
        .unwrap();
    assert!(
        member_center::operator::service::advance_order(&app.db, None, "PO-7", "cancelled")
            .await
            .is_err(),
        "credited is final"
    );
    assert_eq!(balance(&app, None).await, 2_505_000);
    bob.client.get("/account/orders").await.assert_contains("Credited");
    assert!(
        member_center::operator::service::add_order(&app.db, None, "MST110001", "PO-7", "1", "")
            .await
            .is_err(),
        "numbers are unique"
    );
    assert!(
        member_center::operator::service::add_order(&app.db, None, "MST110001", "PO 8", "1", "")
            .await
            .is_err()
    );
    assert!(
        member_center::operator::service::add_order(&app.db, None, "MST110001", "PO-8", "-1", "")
            .await
            .is_err()
    );
    member_center::operator::service::add_order(&app.db, None, "MST110001", "PO-9", "5", "")
        .await
        .unwrap();
    member_center::operator::service::advance_order(&app.db, None, "PO-9", "cancelled")
        .await
        .unwrap();
    assert_eq!(balance(&app, None).await, 2_505_000);
    let steps: Vec<String> = sqlx::query_scalar("SELECT after FROM change_activity WHERE target = 'PO-7' ORDER BY id")
        .fetch_all(app.db.read())
        .await
        .unwrap();
    assert_eq!(steps, ["quotation 250.5000", "paid", "credited"]);
}

#[tokio::test]
async fn the_usage_tab_sums_per_service_and_member() {
    let app = spawn_app().await;
    let mut alice = app.member("alice", "MST110001", "tenant_admin").await;
    let mut bob = app.member("bob", "MST110001", "tenant_user").await;
    app.credit("MST110001", "PO-1", "1000").await;
    let (_, bob_key) = app.key_for("MST110001", &bob.user, 30).await;
    let (_, alice_key) = app.key_for("MST110001", &alice.user, 30).await;
    post_json(&app, "/api/v1/usage", &bob_key, usage(3600, "10", "a")).await;
    post_json(&app, "/api/v1/usage", &bob_key, usage(1800, "10", "b")).await;
    post_json(&app, "/api/v1/usage", &alice_key, usage(7200, "1", "c")).await;

    let page = alice.client.get("/account/usage").await;
    page.assert_contains("bob Test");
    page.assert_contains("alice Test");
    page.assert_contains("15.0000");
    page.assert_contains("<strong>17.0000</strong>");
    let own = bob.client.get("/account/usage").await;
    own.assert_contains("15.0000");
    assert!(!own.body.contains("alice Test"));
    let csv = alice.client.get("/account/usage.csv").await.body;
    assert!(csv.contains("ccs,bob,bob Test,2,5400,15.0000"), "{csv}");
    assert!(csv.trim_end().ends_with("total,,,3,12600,17.0000"), "{csv}");
}

/// The Usage tab draws credits a day by service (SVG, with its figures as a
/// table); days without usage between two with it are drawn empty.
#[tokio::test]
async fn the_usage_tab_draws_a_daily_chart_with_its_figures() {
    let app = spawn_app().await;
    let mut alice = app.member("alice", "MST110001", "tenant_admin").await;
    app.credit("MST110001", "PO-1", "1000").await;
    let (_, key) = app.key_for("MST110001", &alice.user, 30).await;
    let none = alice.client.get("/account/usage").await;
    assert!(
        !none.body.contains("<svg class=\"usage-chart\""),
        "no chart without usage"
    );
    post_json(&app, "/api/v1/usage", &key, usage(3600, "10", "today")).await;
    post_json(&app, "/api/v1/usage", &key, usage(1800, "4", "earlier")).await;
    // The second report was made two days ago.
    sqlx::query("UPDATE usage_records SET at = at - 2 * 86400 WHERE idempotency_key = 'earlier'")
        .execute(app.db.read())
        .await
        .unwrap();

    let page = alice.client.get("/account/usage").await;
    page.assert_contains(
        r#"<svg class="usage-chart" viewBox="0 0 720 240" role="img" aria-labelledby="usage-chart-title">"#,
    );
    page.assert_contains("<title id=\"usage-chart-title\">Credits used a day, by service</title>");
    assert_eq!(
        page.body.matches(r#"<rect class="bar svc-ccs""#).count(),
        2,
        "two days with usage"
    );
    page.assert_contains("Container Compute: 10.0000 credits</title>");
    page.assert_contains("Container Compute: 2.0000 credits</title>");
    // The figures: the two weeks to today, the day between empty, adding up to the total.
    let figures = &page.body[page.body.find("<table class=\"usage-days\">").unwrap()..];
    let figures = &figures[..figures.find("</table>").unwrap()];
    assert_eq!(figures.matches("<tr><th scope=\"row\">").count(), 14, "{figures}");
    assert!(
        figures.contains("<td class=\"num\">0.0000</td><td class=\"num\">0.0000</td>"),
        "{figures}"
    );
    page.assert_contains("<strong>12.0000</strong>");

    alice
        .client
        .post("/language", &[("lang", "zh-TW"), ("next", "/")])
        .await;
    let page = alice.client.get("/account/usage").await;
    page.assert_contains("每日用量（點數），依服務");
    page.assert_contains("容器運算：10.0000 點</title>");
}

/// The audit's attack: huge reports that used to saturate and wrap a balance.
#[tokio::test]
async fn usage_reports_are_bounded_and_money_never_wraps() {
    let app = spawn_app().await;
    let mut alice = app.member("alice", "MST110001", "tenant_admin").await;
    let bob = app.member("bob", "MST110001", "tenant_user").await;
    app.credit("MST110001", "PO-1", "100").await;
    let (_, key) = app.key_for("MST110001", &bob.user, 30).await;
    let report = |seconds: i64, rate: &str, id: &str| usage(seconds, rate, id);

    // Two reports of 1e12 credits an hour for 31,622,400 s: refused, nothing moves.
    for id in ["huge-1", "huge-2"] {
        let (status, body) = post_json(&app, "/api/v1/usage", &key, report(31_622_400, "1000000000000", id)).await;
        assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{body}");
        assert_eq!(body["error"]["field"], "seconds");
    }
    let (status, body) = post_json(&app, "/api/v1/usage", &key, report(3600, "1000000000000", "huge-3")).await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(body["error"]["field"], "rate_per_hour");
    let (status, body) = post_json(&app, "/api/v1/usage", &key, report(2_678_401, "1", "edge-1")).await;
    assert_eq!(
        (status, body["error"]["field"].as_str()),
        (StatusCode::UNPROCESSABLE_ENTITY, Some("seconds"))
    );
    let (status, body) = post_json(&app, "/api/v1/usage", &key, report(1, "1000000.0001", "edge-2")).await;
    assert_eq!(
        (status, body["error"]["field"].as_str()),
        (StatusCode::UNPROCESSABLE_ENTITY, Some("rate_per_hour"))
    );
    assert_eq!(balance(&app, None).await, 1_000_000);
    assert_eq!(
        app.count("SELECT COUNT(*) FROM ledger_entries WHERE kind = 'debit'")
            .await,
        0
    );

    // The largest report allowed is debited exactly: 744,000,000 credits.
    let (status, body) = post_json(&app, "/api/v1/usage", &key, report(2_678_400, "1000000", "max")).await;
    assert_eq!(status, StatusCode::CREATED, "{body}");
    assert_eq!(body["amount"], "744000000.0000");
    assert_eq!(balance(&app, None).await, 1_000_000 - 7_440_000_000_000);

    // A balance at the edge of the range refuses what would take it beyond.
    sqlx::query("UPDATE wallets SET balance = $1 WHERE account_id IS NULL")
        .bind(i64::MIN + 1_000)
        .execute(app.db.read())
        .await
        .unwrap();
    let (status, body) = post_json(&app, "/api/v1/usage", &key, report(3600, "1", "past-the-edge")).await;
    assert_eq!(status, StatusCode::CONFLICT, "{body}");
    assert_eq!(body["error"]["code"], "balance_out_of_range");
    assert_eq!(balance(&app, None).await, i64::MIN + 1_000);

    // Rows whose sum leaves the i64 range (as the audit left behind) do not
    // break the Usage page or its CSV: the total is exact.
    for n in 0..3 {
        sqlx::query(
            "INSERT INTO usage_records (at, project_id, account_id, service, resource_id, seconds, rate_per_hour, amount, ledger_entry_id, idempotency_key)
             SELECT at, project_id, account_id, service, resource_id, seconds, rate_per_hour, $2, ledger_entry_id, $1
             FROM usage_records WHERE idempotency_key = 'max'",
        )
        .bind(format!("copy-{n}"))
        .bind(4_000_000_000_000_000_000_i64)
        .execute(app.db.read())
        .await
        .unwrap();
    }
    let page = alice.client.get("/account/usage").await;
    assert_eq!(page.status, StatusCode::OK);
    // 3 × 4e18 + 7.44e12 units of 1/10,000 credit.
    page.assert_contains("1200000744000000.0000");
    let csv = alice.client.get("/account/usage.csv").await;
    assert_eq!(csv.status, StatusCode::OK);
    assert!(csv.body.contains("1200000744000000.0000"), "{}", csv.body);
}

#[tokio::test]
async fn usage_needs_the_permission_for_its_service() {
    let app = spawn_app().await;
    let mut alice = app.member("alice", "MST110001", "tenant_admin").await;
    let bob = app.member("bob", "MST110001", "tenant_user").await;
    app.credit("MST110001", "PO-1", "100").await;
    let (_, key) = app.key_for("MST110001", &bob.user, 30).await;
    let hpc = json!({"service": "hpc", "resource_id": "job-1", "seconds": 60, "rate_per_hour": "10", "idempotency_key": "h1"});
    let (status, _) = post_json(&app, "/api/v1/usage", &key, hpc.clone()).await;
    assert_eq!(status, StatusCode::CREATED);
    // Alice takes hpc away: the next report is refused and debits nothing.
    alice
        .client
        .post(&format!("/permissions/{}", bob.user.id), &[("service", "ccs")])
        .await;
    let before = balance(&app, None).await;
    let mut again = hpc;
    again["idempotency_key"] = json!("h2");
    let (status, body) = post_json(&app, "/api/v1/usage", &key, again).await;
    assert_eq!(status, StatusCode::FORBIDDEN);
    assert_eq!(body["error"]["code"], "service_not_permitted");
    assert_eq!(balance(&app, None).await, before);
    let (status, _) = post_json(&app, "/api/v1/usage", &key, usage(60, "10", "c1")).await;
    assert_eq!(status, StatusCode::CREATED);
}

/// A month's statement adds up to the ledger exactly: opening, credits,
/// debits by service and by member, transfers, closing — as a page and CSV,
/// for tenant admins only.
#[tokio::test]
async fn a_months_statement_adds_up_to_the_ledger() {
    let app = spawn_app().await;
    let mut alice = app.member("alice", "MST110001", "tenant_admin").await;
    let mut bob = app.member("bob", "MST110001", "tenant_user").await;
    app.credit("MST110001", "PO-1", "100").await;
    let project_id = app.count("SELECT id FROM projects WHERE code = 'MST110001'").await;
    let project_id = member_center::ids::ProjectId(project_id);
    member_center::wallets::service::open_sub_wallet(&app.db, alice.user.id, project_id, bob.user.id, "bob")
        .await
        .unwrap();
    member_center::wallets::service::transfer(
        &app.db,
        alice.user.id,
        project_id,
        bob.user.id,
        "bob",
        member_center::wallets::service::Direction::ToSub,
        member_center::wallets::Credits(10 * 10_000),
    )
    .await
    .unwrap();
    let (_, alices_key) = app.key_for("MST110001", &alice.user, 30).await;
    let (_, bobs_key) = app.key_for("MST110001", &bob.user, 30).await;
    // Alice uses 2 credits from the project's wallet, Bob 1 from his own.
    post_json(&app, "/api/v1/usage", &alices_key, usage(3600, "2", "a1")).await;
    post_json(&app, "/api/v1/usage", &bobs_key, usage(3600, "1", "b1")).await;

    let page = alice.client.get("/account/statement").await;
    assert_eq!(page.status, StatusCode::OK);
    let text = page.body.split_whitespace().collect::<Vec<_>>().join(" ");
    for expected in [
        r#"<th scope="row">Opening balance (all wallets)</th><td class="num">0.0000</td>"#,
        r#"<th scope="row">Credits</th><td class="num">+100.0000</td>"#,
        r#"<th scope="row">Debits</th><td class="num">−3.0000</td>"#,
        r#"<th scope="row">Transfers and reversals</th><td class="num">0.0000</td>"#,
        r#"<th scope="row">Closing balance (all wallets)</th><td class="num"><strong>97.0000</strong></td>"#,
        r#"<th scope="row">Container Compute</th><td class="num">3.0000</td>"#,
        r#"<th scope="row"><code>alice</code></th><td class="num">2.0000</td>"#,
        r#"<th scope="row"><code>bob</code></th><td class="num">1.0000</td>"#,
    ] {
        assert!(text.contains(expected), "{expected} in {text}");
    }
    // The closing balance is what the wallets hold.
    assert_eq!(
        app.count("SELECT CAST(SUM(balance) AS BIGINT) FROM wallets").await,
        97 * 10_000
    );
    let csv = alice.client.get("/account/statement.csv").await;
    assert!(csv.body.starts_with("line,service,username,amount"), "{}", csv.body);
    assert!(
        csv.body.contains("opening,,,0.0000") && csv.body.contains("closing,,,97.0000"),
        "{}",
        csv.body
    );
    // The month before: nothing moved; a tenant user has no statement.
    let page = alice.client.get("/account/statement?month=2000-01").await;
    page.assert_contains("Nothing was debited in this month.");
    assert_eq!(bob.client.get("/account/statement").await.status, StatusCode::FORBIDDEN);
    let refused = alice.client.get("/account/statement?month=2026-13").await;
    refused.assert_contains("Give a month as YYYY-MM");

    // Support staff open any project's statement from the account they
    // inspect: the same figures, outside the project's tabs.
    let staff = app.create_user("sam", PlatformRole::Support).await;
    let mut sam = app.signed_in(&staff).await;
    let account = sam.get(&format!("/support/accounts/{}", alice.user.id.0)).await;
    account.assert_contains(r#"<a href="/support/projects/MST110001/statement">"#);
    let page = sam.get("/support/projects/MST110001/statement").await;
    assert_eq!(page.status, StatusCode::OK);
    let seen = page.body.split_whitespace().collect::<Vec<_>>().join(" ");
    assert!(seen.contains(r#"<strong>97.0000</strong>"#), "{seen}");
    assert!(
        seen.contains(r#"<th scope="row"><code>bob</code></th><td class="num">1.0000</td>"#),
        "{seen}"
    );
    assert!(
        seen.contains(r#"action="/support/projects/MST110001/statement""#),
        "{seen}"
    );
    assert!(
        !seen.contains(r#"href="/account/wallet""#),
        "support's page has no account tabs"
    );
    let csv = sam.get("/support/projects/MST110001/statement.csv").await;
    assert!(csv.body.contains("closing,,,97.0000"), "{}", csv.body);
    assert_eq!(
        sam.get("/support/projects/MST999999/statement").await.status,
        StatusCode::NOT_FOUND
    );
    assert_eq!(
        alice.client.get("/support/projects/MST110001/statement").await.status,
        StatusCode::FORBIDDEN
    );
}
