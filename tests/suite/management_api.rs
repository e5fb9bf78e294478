//! The management API (issue 20), with a tenant admin's key: members,
//! their services and their quotas, under the portal's rules.

use member_center::accounts::PlatformRole;
use reqwest::StatusCode;
use serde_json::{Value, json};

use crate::common::{TestApp, spawn_app};

async fn call(app: &TestApp, method: &str, path: &str, key: &str, body: Option<Value>) -> (StatusCode, Value) {
    let mut request = reqwest::Client::new()
        .request(method.parse().unwrap(), format!("{}{path}", app.base))
        .header("x-api-key", key);
    if let Some(body) = body {
        request = request.json(&body);
    }
    let response = request.send().await.unwrap();
    let status = response.status();
    (status, response.json().await.unwrap_or(Value::Null))
}

/// Alice (tenant admin, with a key) in a project with a CCS quota of 8 GPUs.
async fn project(app: &TestApp) -> String {
    let alice = app.member("alice", "MST110001", "tenant_admin").await;
    member_center::operator::service::set_project_quota(
        &app.db,
        None,
        "MST110001",
        "ccs",
        &[("cpu", Some("64")), ("gpu", Some("8")), ("memory", Some("512"))],
    )
    .await
    .unwrap();
    app.key_for("MST110001", &alice.user, 30).await.1
}

#[tokio::test]
async fn members_are_listed_added_changed_and_removed_under_the_portals_rules() {
    let app = spawn_app().await;
    let key = project(&app).await;
    app.create_user("bob", PlatformRole::None).await;
    app.create_user("carol", PlatformRole::None).await;

    let (status, added) = call(
        &app,
        "POST",
        "/api/v1/members",
        &key,
        Some(json!({ "user": "bob", "role": "tenant_user" })),
    )
    .await;
    assert_eq!(status, StatusCode::CREATED, "{added}");
    assert_eq!(added["role"], "tenant_user");
    assert!(
        !added["services"].as_array().unwrap().is_empty(),
        "the default services"
    );
    let (status, _) = call(
        &app,
        "POST",
        "/api/v1/members",
        &key,
        Some(json!({ "user": "carol@example.org", "role": "tenant_admin" })),
    )
    .await;
    assert_eq!(status, StatusCode::CREATED);
    let (status, again) = call(
        &app,
        "POST",
        "/api/v1/members",
        &key,
        Some(json!({ "user": "bob", "role": "tenant_user" })),
    )
    .await;
    assert_eq!(
        (status, again["error"]["code"].as_str()),
        (StatusCode::CONFLICT, Some("conflict"))
    );
    let (status, _) = call(
        &app,
        "POST",
        "/api/v1/members",
        &key,
        Some(json!({ "user": "nobody", "role": "tenant_user" })),
    )
    .await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    for (bad, field) in [
        (json!({ "user": "bob", "role": "owner" }), "role"),
        (json!({ "user": 5, "role": "tenant_user" }), "user"),
    ] {
        let (status, body) = call(&app, "POST", "/api/v1/members", &key, Some(bad)).await;
        assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{body}");
        assert_eq!(body["error"]["field"], field);
    }

    // Paged by cursor: every member once.
    let (_, first) = call(&app, "GET", "/api/v1/members?limit=2", &key, None).await;
    assert_eq!(first["members"].as_array().unwrap().len(), 2);
    let cursor = first["next_cursor"].as_str().expect("a second page");
    let (_, second) = call(
        &app,
        "GET",
        &format!("/api/v1/members?limit=2&cursor={cursor}"),
        &key,
        None,
    )
    .await;
    let names: Vec<&str> = first["members"]
        .as_array()
        .unwrap()
        .iter()
        .chain(second["members"].as_array().unwrap())
        .map(|m| m["username"].as_str().unwrap())
        .collect();
    assert_eq!(names, ["alice", "bob", "carol"]);
    assert!(second["next_cursor"].is_null());

    // Roles, and the last tenant admin.
    let (status, changed) = call(
        &app,
        "PATCH",
        "/api/v1/members/bob",
        &key,
        Some(json!({ "role": "tenant_admin" })),
    )
    .await;
    assert_eq!(
        (status, changed["role"].as_str()),
        (StatusCode::OK, Some("tenant_admin"))
    );
    for who in ["bob", "carol"] {
        let (status, _) = call(
            &app,
            "PATCH",
            &format!("/api/v1/members/{who}"),
            &key,
            Some(json!({ "role": "tenant_user" })),
        )
        .await;
        assert_eq!(status, StatusCode::OK);
    }
    let (status, refused) = call(
        &app,
        "PATCH",
        "/api/v1/members/alice",
        &key,
        Some(json!({ "role": "tenant_user" })),
    )
    .await;
    assert_eq!(status, StatusCode::CONFLICT, "{refused}");
    let (status, _) = call(&app, "DELETE", "/api/v1/members/alice", &key, None).await;
    assert_eq!(status, StatusCode::CONFLICT, "the last tenant admin stays");

    // Removal leaves nothing behind: Bob's key goes with him.
    let bob = member_center::accounts::service::by_username(&app.db, "bob")
        .await
        .unwrap()
        .unwrap();
    let bobs_key = app
        .key_for(
            "MST110001",
            &crate::common::TestUser {
                id: bob.id,
                username: "bob".into(),
                password: String::new(),
            },
            30,
        )
        .await
        .1;
    assert_eq!(app.api_get("/api/v1/whoami", Some(&bobs_key)).await.0, StatusCode::OK);
    let (status, _) = call(
        &app,
        "DELETE",
        "/api/v1/members/bob?release_allocations=true",
        &key,
        None,
    )
    .await;
    assert_eq!(status, StatusCode::NO_CONTENT);
    assert_eq!(
        app.api_get("/api/v1/whoami", Some(&bobs_key)).await.0,
        StatusCode::UNAUTHORIZED
    );
    assert_eq!(
        call(&app, "DELETE", "/api/v1/members/bob", &key, None).await.0,
        StatusCode::NOT_FOUND
    );

    // A tenant user's key manages nothing.
    let carol = member_center::accounts::service::by_username(&app.db, "carol")
        .await
        .unwrap()
        .unwrap();
    let carols_key = app
        .key_for(
            "MST110001",
            &crate::common::TestUser {
                id: carol.id,
                username: "carol".into(),
                password: String::new(),
            },
            30,
        )
        .await
        .1;
    let (status, body) = call(&app, "GET", "/api/v1/members", &carols_key, None).await;
    assert_eq!(
        (status, body["error"]["code"].as_str()),
        (StatusCode::FORBIDDEN, Some("forbidden"))
    );
}

#[tokio::test]
async fn a_members_services_and_quota_are_set_as_on_the_portal() {
    let app = spawn_app().await;
    let key = project(&app).await;
    let bob = app.member("bob", "MST110001", "tenant_user").await;
    let bobs_key = app.key_for("MST110001", &bob.user, 30).await.1;

    let (status, set) = call(
        &app,
        "PUT",
        "/api/v1/members/bob/permissions",
        &key,
        Some(json!({ "services": ["vcs", "cos"] })),
    )
    .await;
    assert_eq!(status, StatusCode::OK, "{set}");
    assert_eq!(set["services"], json!(["vcs", "cos"]));
    assert_eq!(
        call(&app, "GET", "/api/v1/members/bob/permissions", &key, None).await.1,
        set
    );
    let (status, refused) = call(
        &app,
        "POST",
        "/api/v1/allocations",
        &bobs_key,
        Some(json!({ "service": "ccs", "resources": { "cpu": 1 }, "idempotency_key": "b1" })),
    )
    .await;
    assert_eq!(
        (status, refused["error"]["code"].as_str()),
        (StatusCode::FORBIDDEN, Some("service_not_permitted"))
    );
    let (status, _) = call(
        &app,
        "PUT",
        "/api/v1/members/bob/permissions",
        &key,
        Some(json!({ "services": ["warp-drive"] })),
    )
    .await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    let (status, _) = call(
        &app,
        "PUT",
        "/api/v1/members/bob/permissions",
        &key,
        Some(json!({ "services": "ccs" })),
    )
    .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(
        app.count("SELECT COUNT(*) FROM change_activity WHERE action = 'member.permissions'")
            .await,
        1
    );

    // Quota: never above the project's, as the Edit Quota dialog.
    let (status, refused) = call(
        &app,
        "PUT",
        "/api/v1/members/bob/quotas/ccs",
        &key,
        Some(json!({ "gpu": 9 })),
    )
    .await;
    assert_eq!(status, StatusCode::CONFLICT, "{refused}");
    assert_eq!(refused["error"]["code"], "above_project_quota");
    assert_eq!(refused["error"]["details"]["resource"], "gpu");
    let (status, set) = call(
        &app,
        "PUT",
        "/api/v1/members/bob/quotas/ccs",
        &key,
        Some(json!({ "gpu": 2, "cpu": -1 })),
    )
    .await;
    assert_eq!(status, StatusCode::OK, "{set}");
    assert_eq!(set["resources"]["gpu"], json!({ "usage": 0, "quota": 2 }));
    assert_eq!(set["resources"]["cpu"]["quota"], -1);
    for (path, body, expected) in [
        (
            "/api/v1/members/bob/quotas/ccs",
            json!({ "gpu": "two" }),
            StatusCode::UNPROCESSABLE_ENTITY,
        ),
        (
            "/api/v1/members/bob/quotas/ccs",
            json!({ "warp": 1 }),
            StatusCode::UNPROCESSABLE_ENTITY,
        ),
        ("/api/v1/members/bob/quotas/ccs", json!({}), StatusCode::OK),
        ("/api/v1/members/bob/quotas/ccs", json!({ "gpu": null }), StatusCode::OK),
        (
            "/api/v1/members/bob/quotas/ccs",
            json!({ "floating_ip": 1 }),
            StatusCode::CONFLICT,
        ),
        (
            "/api/v1/members/bob/quotas/cos",
            json!({ "gpu": 1 }),
            StatusCode::NOT_FOUND,
        ),
        (
            "/api/v1/members/nobody/quotas/ccs",
            json!({ "gpu": 1 }),
            StatusCode::NOT_FOUND,
        ),
    ] {
        let (status, answer) = call(&app, "PUT", path, &key, Some(body.clone())).await;
        assert_eq!(status, expected, "{path} {body}: {answer}");
    }
    let quota: i64 = sqlx::query_scalar("SELECT quota FROM member_quotas WHERE resource = 'gpu'")
        .fetch_one(app.db.read())
        .await
        .unwrap();
    assert_eq!(quota, 2);
}

#[tokio::test]
async fn sub_wallets_are_opened_funded_and_closed_and_the_ledger_pages_by_cursor() {
    let app = spawn_app().await;
    let key = project(&app).await;
    app.credit("MST110001", "ORD-1", "100").await;
    app.member("bob", "MST110001", "tenant_user").await;

    let (status, opened) = call(
        &app,
        "POST",
        "/api/v1/wallet/sub-wallets",
        &key,
        Some(json!({ "username": "bob" })),
    )
    .await;
    assert_eq!(status, StatusCode::CREATED, "{opened}");
    assert_eq!(opened["balance"], "0.0000");
    let (status, _) = call(
        &app,
        "POST",
        "/api/v1/wallet/sub-wallets",
        &key,
        Some(json!({ "username": "bob" })),
    )
    .await;
    assert_eq!(status, StatusCode::CONFLICT);
    let (status, refused) = call(
        &app,
        "POST",
        "/api/v1/wallet/sub-wallets",
        &key,
        Some(json!({ "username": "nobody" })),
    )
    .await;
    assert_eq!(status, StatusCode::NOT_FOUND, "{refused}");

    // Never more than the source holds.
    let move_credit =
        |direction: &str, amount: &str| json!({ "username": "bob", "direction": direction, "amount": amount });
    let (status, refused) = call(
        &app,
        "POST",
        "/api/v1/wallet/transfers",
        &key,
        Some(move_credit("to_sub_wallet", "100.0001")),
    )
    .await;
    assert_eq!(
        (status, refused["error"]["code"].as_str()),
        (StatusCode::CONFLICT, Some("insufficient_credit"))
    );
    let (status, moved) = call(
        &app,
        "POST",
        "/api/v1/wallet/transfers",
        &key,
        Some(move_credit("to_sub_wallet", "30")),
    )
    .await;
    assert_eq!(status, StatusCode::OK, "{moved}");
    assert_eq!(
        (
            moved["project_balance"].as_str(),
            moved["sub_wallet"]["balance"].as_str()
        ),
        (Some("70.0000"), Some("30.0000"))
    );
    let (status, _) = call(
        &app,
        "POST",
        "/api/v1/wallet/transfers",
        &key,
        Some(move_credit("to_project", "5.5")),
    )
    .await;
    assert_eq!(status, StatusCode::OK);
    for bad in [
        move_credit("sideways", "1"),
        move_credit("to_project", "-1"),
        move_credit("to_project", "0"),
        move_credit("to_project", "01"),
        move_credit("to_project", "1."),
        move_credit("to_project", "0.00001"),
        json!({ "username": "bob" }),
    ] {
        let (status, body) = call(&app, "POST", "/api/v1/wallet/transfers", &key, Some(bad.clone())).await;
        assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{bad}: {body}");
    }
    let (_, listed) = call(&app, "GET", "/api/v1/wallet/sub-wallets", &key, None).await;
    assert_eq!(listed["sub_wallets"][0]["balance"], "24.5000");
    assert_eq!(listed["project_balance"], "75.5000");

    // Closing returns what is left.
    let (status, closed) = call(&app, "DELETE", "/api/v1/wallet/sub-wallets/bob", &key, None).await;
    assert_eq!((status, closed["returned"].as_str()), (StatusCode::OK, Some("24.5000")));
    assert_eq!(
        call(&app, "DELETE", "/api/v1/wallet/sub-wallets/bob", &key, None)
            .await
            .0,
        StatusCode::NOT_FOUND
    );

    // The ledger, newest first, every row once across pages.
    let mut ids = Vec::new();
    let mut cursor = String::new();
    loop {
        let (status, page) = call(
            &app,
            "GET",
            &format!("/api/v1/wallet/ledger?limit=2{cursor}"),
            &key,
            None,
        )
        .await;
        assert_eq!(status, StatusCode::OK, "{page}");
        ids.extend(
            page["entries"]
                .as_array()
                .unwrap()
                .iter()
                .map(|e| e["id"].as_i64().unwrap()),
        );
        match page["next_cursor"].as_str() {
            Some(next) => cursor = format!("&cursor={next}"),
            None => break,
        }
    }
    let rows = app.count("SELECT COUNT(*) FROM ledger_entries").await;
    assert_eq!(ids.len() as i64, rows);
    assert!(ids.windows(2).all(|w| w[0] > w[1]), "newest first: {ids:?}");
    let (_, bobs) = call(&app, "GET", "/api/v1/wallet/ledger?member=bob", &key, None).await;
    assert!(
        bobs["entries"]
            .as_array()
            .unwrap()
            .iter()
            .all(|e| e["detail"].as_str().unwrap().contains("bob")),
        "{bobs}"
    );
    let (status, _) = call(&app, "GET", "/api/v1/wallet/ledger?from=yesterday", &key, None).await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    let (status, _) = call(&app, "GET", "/api/v1/wallet/ledger?member=nobody", &key, None).await;
    assert_eq!(status, StatusCode::NOT_FOUND);
}

#[tokio::test]
async fn activity_is_paged_and_a_tenant_user_sees_only_their_own() {
    let app = spawn_app().await;
    let key = project(&app).await;
    let bob = app.member("bob", "MST110001", "tenant_user").await;
    let bobs_key = app.key_for("MST110001", &bob.user, 30).await.1;
    for n in 0..3 {
        call(
            &app,
            "PUT",
            "/api/v1/members/bob/quotas/ccs",
            &key,
            Some(json!({ "gpu": n })),
        )
        .await;
    }
    assert_eq!(
        call(&app, "GET", "/api/v1/whoami", &bobs_key, None).await.0,
        StatusCode::OK
    );

    let (status, first) = call(&app, "GET", "/api/v1/activity/changes?kind=quota&limit=2", &key, None).await;
    assert_eq!(status, StatusCode::OK, "{first}");
    assert_eq!(first["changes"].as_array().unwrap().len(), 2);
    assert!(
        first["changes"]
            .as_array()
            .unwrap()
            .iter()
            .all(|c| c["action"].as_str().unwrap().starts_with("quota."))
    );
    let cursor = first["next_cursor"].as_str().unwrap();
    let (_, rest) = call(
        &app,
        "GET",
        &format!("/api/v1/activity/changes?kind=quota&limit=2&cursor={cursor}"),
        &key,
        None,
    )
    .await;
    let total = app
        .count("SELECT COUNT(*) FROM change_activity WHERE action LIKE 'quota.%'")
        .await;
    assert_eq!(rest["changes"].as_array().unwrap().len() as i64, total - 2);

    // Bob's key: only rows by or about Bob.
    let (_, bobs) = call(&app, "GET", "/api/v1/activity/changes?limit=200", &bobs_key, None).await;
    assert!(
        bobs["changes"]
            .as_array()
            .unwrap()
            .iter()
            .all(|c| c["target"].as_str().unwrap().contains("bob") || c["actor"] == "bob"),
        "{bobs}"
    );
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(10);
    loop {
        let (_, calls) = call(&app, "GET", "/api/v1/activity/calls", &key, None).await;
        if calls["calls"]
            .as_array()
            .unwrap()
            .iter()
            .any(|c| c["username"] == "bob" && c["route"] == "/api/v1/whoami")
        {
            break;
        }
        assert!(std::time::Instant::now() < deadline, "{calls}");
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
    }
    let (_, theirs) = call(&app, "GET", "/api/v1/activity/calls", &bobs_key, None).await;
    assert!(
        theirs["calls"]
            .as_array()
            .unwrap()
            .iter()
            .all(|c| c["username"] == "bob"),
        "{theirs}"
    );
    for (bad, expected) in [
        ("kind=Quota!", 422),
        ("member=nobody", 404),
        ("limit=500", 422),
        ("from=2026-13-01", 422),
        ("to=", 422),
        ("limit=x", 400),
    ] {
        let (status, _) = call(&app, "GET", &format!("/api/v1/activity/changes?{bad}"), &key, None).await;
        assert_eq!(status.as_u16(), expected, "{bad}");
    }
    // A period that ends before it starts holds nothing.
    let (status, none) = call(
        &app,
        "GET",
        "/api/v1/activity/changes?from=2026-02-01&to=2026-01-01",
        &key,
        None,
    )
    .await;
    assert_eq!(
        (status, none["changes"].as_array().map(Vec::len)),
        (StatusCode::OK, Some(0))
    );
    // A method a path does not take: 405, naming those it does.
    let response = reqwest::Client::new()
        .request(
            reqwest::Method::from_bytes(b"TRACE").unwrap(),
            format!("{}/api/v1/members", app.base),
        )
        .header("x-api-key", &key)
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), StatusCode::METHOD_NOT_ALLOWED);
    assert_eq!(response.headers()["allow"], "GET, POST");
}

#[tokio::test]
async fn the_document_and_the_reference_page_cover_every_api_route() {
    let app = spawn_app().await;
    let document: Value = reqwest::get(format!("{}/api/v1/openapi.json", app.base))
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert!(document["openapi"].as_str().unwrap().starts_with("3.1"));
    let mut client = app.client();
    let page = client.get("/api/v1/docs").await;
    assert_eq!(page.status, StatusCode::OK);
    for (method, path) in member_center::route_table() {
        let Some(rest) = path.strip_prefix("/api/v1") else {
            continue;
        };
        if rest == "/openapi.json" || rest == "/docs" {
            continue;
        }
        let operation = &document["paths"][&path][method.as_str().to_lowercase()];
        assert!(operation.is_object(), "{method} {path} is not in the document");
        if method != reqwest::Method::GET.as_str() {
            assert!(
                operation["responses"]["403"].is_object(),
                "{method} {path} says nothing of 403 (scope_denied)"
            );
        }
        assert!(
            operation["responses"]["401"].is_object(),
            "{method} {path} says nothing of 401"
        );
        page.assert_contains(&format!("<code>{method} {path}</code>"));
    }
    page.assert_contains("id=\"schema-KeyMeta\"");
}

/// Schemathesis (from PyPI, installed by `scripts/test`) against the
/// running portal with the demo data and a tenant admin's key, every
/// check (status codes and response schemas as documented, schema-valid
/// requests accepted, invalid ones refused, undeclared methods 405):
/// no failure.
#[tokio::test]
async fn schemathesis_finds_the_api_as_its_document_says() {
    let schemathesis = std::env::var("MC_TEST_SCHEMATHESIS")
        .expect("the API conformance test needs MC_TEST_SCHEMATHESIS (scripts/test installs schemathesis)");
    let app = spawn_app().await;
    member_center::demo::load_if_empty(&app.db).await.unwrap();
    let alice = member_center::accounts::service::by_username(&app.db, "alice")
        .await
        .unwrap()
        .unwrap();
    let user = crate::common::TestUser {
        id: alice.id,
        username: "alice".into(),
        password: String::new(),
    };
    let key = app.key_for("MST110001", &user, 30).await.1;
    let document = format!("{}/api/v1/openapi.json", app.base);
    // Schemathesis keeps a cache where it runs: in the scratch directory,
    // never in the checkout.
    let workdir = app.scratch.dir.path().to_path_buf();
    let output = tokio::task::spawn_blocking(move || {
        std::process::Command::new(schemathesis)
            .current_dir(workdir)
            .args([
                "--config-file",
                concat!(env!("CARGO_MANIFEST_DIR"), "/tests/schemathesis.toml"),
            ])
            .args(["run", &document])
            .args(["--header", &format!("x-api-key: {key}")])
            .args([
                "--checks",
                "all",
                "--max-examples",
                "50",
                "--seed",
                "20261130",
                "--no-color",
            ])
            .output()
    })
    .await
    .unwrap()
    .expect("schemathesis runs");
    let report = String::from_utf8_lossy(&output.stdout);
    assert!(
        output.status.success(),
        "schemathesis found failures:\n{report}\n{}",
        String::from_utf8_lossy(&output.stderr)
    );
    assert!(report.contains("passed"), "{report}");
}

#[tokio::test]
async fn allocations_and_quota_requests_are_paged_by_cursor_too() {
    let app = spawn_app().await;
    let key = project(&app).await;
    for n in 0..3 {
        let body = json!({ "service": "ccs", "resources": { "cpu": 1 }, "idempotency_key": format!("a{n}") });
        assert_eq!(
            call(&app, "POST", "/api/v1/allocations", &key, Some(body)).await.0,
            StatusCode::CREATED
        );
        let ask = json!({ "kind": "project", "service": "ccs", "resources": { "gpu": 9 + n }, "reason": "Ten characters or more" });
        let (status, _) = call(&app, "POST", "/api/v1/quota-requests", &key, Some(ask)).await;
        // One open request per service at a time: the first is filed, the
        // others wait for it; withdraw it to file the next.
        if status == StatusCode::CONFLICT {
            let (_, open) = call(&app, "GET", "/api/v1/quota-requests?status=open", &key, None).await;
            let id = open["requests"][0]["id"].as_i64().unwrap();
            call(
                &app,
                "POST",
                &format!("/api/v1/quota-requests/{id}/withdraw"),
                &key,
                None,
            )
            .await;
            let ask = json!({ "kind": "project", "service": "ccs", "resources": { "gpu": 9 + n }, "reason": "Ten characters or more" });
            assert_eq!(
                call(&app, "POST", "/api/v1/quota-requests", &key, Some(ask)).await.0,
                StatusCode::CREATED
            );
        }
    }
    for (path, list) in [
        ("/api/v1/allocations", "allocations"),
        ("/api/v1/quota-requests", "requests"),
    ] {
        let (_, first) = call(&app, "GET", &format!("{path}?limit=2"), &key, None).await;
        assert_eq!(first[list].as_array().unwrap().len(), 2, "{first}");
        let cursor = first["next_cursor"].as_str().expect("more");
        let (_, rest) = call(&app, "GET", &format!("{path}?limit=2&cursor={cursor}"), &key, None).await;
        assert_eq!(rest[list].as_array().unwrap().len(), 1, "{rest}");
        assert!(rest["next_cursor"].is_null());
        let ids: Vec<i64> = first[list]
            .as_array()
            .unwrap()
            .iter()
            .chain(rest[list].as_array().unwrap())
            .map(|x| x["id"].as_i64().unwrap())
            .collect();
        assert!(ids.windows(2).all(|w| w[0] > w[1]), "newest first, each once: {ids:?}");
    }
}
