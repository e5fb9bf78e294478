//! Keys narrowed and rotated (issue 20): scopes chosen at creation and
//! enforced on every call, rotation with an overlap, where a key was last
//! used from, and the caller's keys through the API (paged by cursor).

use reqwest::StatusCode;
use serde_json::{Value, json};

use crate::common::{Member, TestApp, spawn_app};

/// The secret shown in a "created" or "rotated" response.
fn secret_in(body: &str) -> String {
    let start = body.find("id=\"new-secret\" value=\"").expect("secret field") + "id=\"new-secret\" value=\"".len();
    body[start..start + 36].to_string()
}

/// A project with CCS and VCS quotas and Alice, its tenant admin.
async fn project(app: &TestApp) -> Member {
    let alice = app.member("alice", "MST110001", "tenant_admin").await;
    for service in ["ccs", "vcs"] {
        member_center::operator::service::set_project_quota(
            &app.db,
            None,
            "MST110001",
            service,
            &[("cpu", Some("64")), ("gpu", Some("8")), ("memory", Some("512"))],
        )
        .await
        .unwrap();
    }
    alice
}

/// Makes a key on the API Key page with this scope; its secret.
async fn key_with(member: &mut Member, services: &[&str], read_only: bool) -> String {
    member.client.get("/keys/new").await;
    let mut fields = vec![("name", "scoped"), ("days", "30"), ("scope", "chosen")];
    fields.extend(services.iter().map(|s| ("services", *s)));
    if read_only {
        fields.push(("read_only", "on"));
    }
    let created = member.client.post("/keys", &fields).await;
    assert_eq!(created.status, StatusCode::SEE_OTHER, "{}", created.body);
    secret_in(&member.client.get("/keys").await.body)
}

async fn call(app: &TestApp, method: &str, path: &str, key: &str, body: Option<Value>) -> (StatusCode, Value) {
    let client = reqwest::Client::new();
    let mut request = client
        .request(method.parse().unwrap(), format!("{}{path}", app.base))
        .header("x-api-key", key)
        .header("user-agent", "ci-runner/1.0");
    if let Some(body) = body {
        request = request.json(&body);
    }
    let response = request.send().await.unwrap();
    let status = response.status();
    (status, response.json().await.unwrap_or(Value::Null))
}

fn allocation(service: &str, key: &str) -> Value {
    json!({ "service": service, "resources": { "cpu": 1 }, "idempotency_key": key })
}

fn usage(service: &str, key: &str) -> Value {
    json!({ "service": service, "resource_id": "vm-1", "seconds": 3600, "rate_per_hour": "1", "idempotency_key": key })
}

#[tokio::test]
async fn a_read_only_key_does_every_read_and_no_change() {
    let app = spawn_app().await;
    let mut alice = project(&app).await;
    let writer = key_with(&mut alice, &["ccs", "vcs"], false).await;
    let (status, made) = call(
        &app,
        "POST",
        "/api/v1/allocations",
        &writer,
        Some(allocation("ccs", "a1")),
    )
    .await;
    assert_eq!(status, StatusCode::CREATED, "{made}");
    let reader = key_with(&mut alice, &["ccs", "vcs"], true).await;

    for path in [
        "/api/v1/whoami",
        "/api/v1/keys",
        "/api/v1/quotas?service=ccs",
        "/api/v1/allocations",
        "/api/v1/wallet",
        "/api/v1/quota-requests",
    ] {
        let (status, body) = call(&app, "GET", path, &reader, None).await;
        assert_eq!(status, StatusCode::OK, "{path}: {body}");
    }
    let key_id = call(&app, "GET", "/api/v1/keys", &reader, None).await.1["keys"][0]["id"]
        .as_str()
        .unwrap()
        .to_string();
    let unsafe_calls = [
        ("POST", "/api/v1/allocations".to_string(), Some(allocation("ccs", "r1"))),
        ("DELETE", format!("/api/v1/allocations/{}", made["id"]), None),
        ("POST", "/api/v1/usage".to_string(), Some(usage("ccs", "u1"))),
        ("POST", "/api/v1/keys".to_string(), Some(json!({ "days": 5 }))),
        ("PATCH", format!("/api/v1/keys/{key_id}"), Some(json!({ "name": "x" }))),
        ("POST", format!("/api/v1/keys/{key_id}/rotate"), Some(json!({}))),
        ("DELETE", format!("/api/v1/keys/{key_id}"), None),
        ("POST", "/api/v1/quota-requests".to_string(), Some(json!({}))),
    ];
    for (method, path, body) in unsafe_calls {
        let (status, answer) = call(&app, method, &path, &reader, body).await;
        assert_eq!(status, StatusCode::FORBIDDEN, "{method} {path}: {answer}");
        assert_eq!(answer["error"]["code"], "scope_denied", "{method} {path}");
    }
    // Nothing changed: the allocation is live, the keys are two.
    assert_eq!(
        app.count("SELECT COUNT(*) FROM allocations WHERE released_at IS NULL")
            .await,
        1
    );
    assert_eq!(app.count("SELECT COUNT(*) FROM api_keys").await, 2);
}

#[tokio::test]
async fn a_key_scoped_to_a_service_acts_on_it_alone_and_never_beyond_its_owner() {
    let app = spawn_app().await;
    let mut alice = project(&app).await;
    let everything = key_with(&mut alice, &["ccs", "vcs"], false).await;
    let ccs = key_with(&mut alice, &["ccs"], false).await;

    let (status, _) = call(&app, "POST", "/api/v1/allocations", &ccs, Some(allocation("ccs", "c1"))).await;
    assert_eq!(status, StatusCode::CREATED);
    let (status, refused) = call(&app, "POST", "/api/v1/allocations", &ccs, Some(allocation("vcs", "v1"))).await;
    assert_eq!(status, StatusCode::FORBIDDEN);
    assert_eq!(refused["error"]["code"], "scope_denied");
    assert_eq!(refused["error"]["details"]["service"], "vcs");
    let (status, refused) = call(&app, "POST", "/api/v1/usage", &ccs, Some(usage("vcs", "u1"))).await;
    assert_eq!(
        (status, refused["error"]["code"].as_str()),
        (StatusCode::FORBIDDEN, Some("scope_denied"))
    );
    // A VCS allocation made with the wider key is not the narrow key's to release.
    let (_, vcs) = call(
        &app,
        "POST",
        "/api/v1/allocations",
        &everything,
        Some(allocation("vcs", "v2")),
    )
    .await;
    let (status, refused) = call(
        &app,
        "DELETE",
        &format!("/api/v1/allocations/{}", vcs["id"]),
        &ccs,
        None,
    )
    .await;
    assert_eq!(
        (status, refused["error"]["code"].as_str()),
        (StatusCode::FORBIDDEN, Some("scope_denied"))
    );
    assert_eq!(
        app.count("SELECT COUNT(*) FROM allocations WHERE released_at IS NULL")
            .await,
        2
    );

    // The owner's permission applies on top: without CCS, the CCS key is refused.
    app.db
        .execute(sqlx::query("DELETE FROM tenant_permissions WHERE service = 'ccs'"))
        .await
        .unwrap();
    let (status, refused) = call(&app, "POST", "/api/v1/allocations", &ccs, Some(allocation("ccs", "c2"))).await;
    assert_eq!(
        (status, refused["error"]["code"].as_str()),
        (StatusCode::FORBIDDEN, Some("service_not_permitted"))
    );

    // The list says what each key may do.
    let list = alice.client.get("/keys").await;
    list.assert_contains("<small class=\"key-scope\">Container Compute</small>");
}

#[tokio::test]
async fn the_scope_is_chosen_in_the_dialog_among_the_services_one_may_use() {
    let app = spawn_app().await;
    let mut alice = project(&app).await;
    let dialog = alice.client.get("/keys/new").await;
    dialog.assert_contains("name=\"services\" value=\"ccs\" checked");
    let none = alice
        .client
        .post("/keys", &[("name", "x"), ("days", "30"), ("scope", "chosen")])
        .await;
    assert_eq!(none.status, StatusCode::UNPROCESSABLE_ENTITY);
    none.assert_contains("id=\"key-services-error\"");
    none.assert_contains("Tick at least one of the services you may use.");
    app.db
        .execute(sqlx::query("DELETE FROM tenant_permissions WHERE service = 'hpc'"))
        .await
        .unwrap();
    let beyond = alice
        .client
        .post(
            "/keys",
            &[("name", "x"), ("days", "30"), ("scope", "chosen"), ("services", "hpc")],
        )
        .await;
    assert_eq!(beyond.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(app.count("SELECT COUNT(*) FROM api_keys").await, 0);
}

/// The old secret after a rotation: works until `previous_valid_until`.
async fn age_the_overlap(app: &TestApp, seconds: i64) {
    app.db
        .execute(
            sqlx::query("UPDATE api_keys SET previous_valid_until = previous_valid_until - $1 WHERE previous_valid_until IS NOT NULL")
                .bind(seconds),
        )
        .await
        .unwrap();
}

#[tokio::test]
async fn a_rotated_key_keeps_its_id_and_its_old_secret_works_for_the_overlap_only() {
    let app = spawn_app().await;
    let mut alice = project(&app).await;
    let old = key_with(&mut alice, &["ccs", "vcs"], false).await;
    let key_id = call(&app, "GET", "/api/v1/keys", &old, None).await.1["keys"][0]["id"]
        .as_str()
        .unwrap()
        .to_string();

    // In the portal: the key's dialog has the rotation, 24 hours by default.
    let dialog = alice.client.get(&format!("/keys/{key_id}/edit")).await;
    dialog.assert_contains("name=\"overlap_hours\" value=\"24\"");
    let wrong = alice
        .client
        .post(&format!("/keys/{key_id}/rotate"), &[("overlap_hours", "73")])
        .await;
    assert_eq!(wrong.status, StatusCode::UNPROCESSABLE_ENTITY);
    wrong.assert_contains("id=\"rotate-hours-error\"");
    let rotated = alice
        .client
        .post(&format!("/keys/{key_id}/rotate"), &[("overlap_hours", "2")])
        .await;
    assert_eq!(rotated.status, StatusCode::SEE_OTHER, "{}", rotated.body);
    let rotated = alice.client.get("/keys").await;
    rotated.assert_contains("The old secret works until");
    let new = secret_in(&rotated.body);
    assert_ne!(new, old);

    // Inside the overlap both work, under the same key ID.
    for secret in [&old, &new] {
        let (status, who) = call(&app, "GET", "/api/v1/whoami", secret, None).await;
        assert_eq!(status, StatusCode::OK);
        assert_eq!(who["key"]["id"], key_id.as_str());
    }
    let listed = call(&app, "GET", "/api/v1/keys", &new, None).await.1;
    assert!(listed["keys"][0]["previous_secret_valid_until"].is_string(), "{listed}");
    // The secret before authenticates service calls only: it manages no
    // key, so whoever still holds it cannot take the newest secret.
    let managing = [
        (
            "POST",
            "/api/v1/keys".to_string(),
            Some(json!({"name": "mine now", "days": 7})),
        ),
        (
            "PATCH",
            format!("/api/v1/keys/{key_id}"),
            Some(json!({"name": "renamed"})),
        ),
        (
            "PATCH",
            format!("/api/v1/keys/{key_id}"),
            Some(json!({"extend_days": 7})),
        ),
        (
            "POST",
            format!("/api/v1/keys/{key_id}/rotate"),
            Some(json!({"overlap_hours": 0})),
        ),
        ("DELETE", format!("/api/v1/keys/{key_id}"), None),
    ];
    for (method, path, body) in &managing {
        let (status, refused) = call(&app, method, path, &old, body.clone()).await;
        assert_eq!(
            (status, refused["error"]["code"].as_str()),
            (StatusCode::FORBIDDEN, Some("previous_secret")),
            "{method} {path}"
        );
    }
    assert_eq!(
        app.count("SELECT COUNT(*) FROM api_keys WHERE name IN ('mine now', 'renamed')")
            .await,
        0
    );
    assert_eq!(call(&app, "GET", "/api/v1/whoami", &old, None).await.0, StatusCode::OK);
    assert_eq!(call(&app, "GET", "/api/v1/whoami", &new, None).await.0, StatusCode::OK);
    alice
        .client
        .get("/keys")
        .await
        .assert_contains("The old secret works until");
    assert_eq!(
        app.count("SELECT COUNT(*) FROM change_activity WHERE action = 'key.rotate' AND after = '2'")
            .await,
        1
    );

    // Two hours later only the new one does.
    age_the_overlap(&app, 2 * 3600).await;
    let (status, refused) = call(&app, "GET", "/api/v1/whoami", &old, None).await;
    assert_eq!(
        (status, refused["error"]["code"].as_str()),
        (StatusCode::UNAUTHORIZED, Some("invalid_key"))
    );
    assert_eq!(call(&app, "GET", "/api/v1/whoami", &new, None).await.0, StatusCode::OK);

    // Through the API, with no overlap: the old secret stops at once.
    let (status, body) = call(
        &app,
        "POST",
        &format!("/api/v1/keys/{key_id}/rotate"),
        &new,
        Some(json!({ "overlap_hours": 0 })),
    )
    .await;
    assert_eq!(status, StatusCode::OK, "{body}");
    let newest = body["secret"].as_str().unwrap().to_string();
    assert_eq!(
        call(&app, "GET", "/api/v1/whoami", &new, None).await.0,
        StatusCode::UNAUTHORIZED
    );
    assert_eq!(
        call(&app, "GET", "/api/v1/whoami", &newest, None).await.0,
        StatusCode::OK
    );
    let (status, _) = call(
        &app,
        "POST",
        &format!("/api/v1/keys/{key_id}/rotate"),
        &newest,
        Some(json!({ "overlap_hours": 99 })),
    )
    .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
}

#[tokio::test]
async fn keys_are_listed_made_changed_rotated_and_deleted_through_the_api_never_wider() {
    let app = spawn_app().await;
    let mut alice = project(&app).await;
    let ccs = key_with(&mut alice, &["ccs"], false).await;

    // No wider than the calling key: another service, or all of them.
    let (status, refused) = call(
        &app,
        "POST",
        "/api/v1/keys",
        &ccs,
        Some(json!({ "days": 5, "services": ["vcs"] })),
    )
    .await;
    assert_eq!(
        (status, refused["error"]["code"].as_str()),
        (StatusCode::FORBIDDEN, Some("scope_denied")),
        "{refused}"
    );
    let (status, made) = call(
        &app,
        "POST",
        "/api/v1/keys",
        &ccs,
        Some(json!({ "name": "child", "days": 5, "read_only": true })),
    )
    .await;
    assert_eq!(status, StatusCode::CREATED, "{made}");
    assert_eq!(
        made["key"]["services"],
        json!(["ccs"]),
        "the calling key's services by default"
    );
    assert_eq!(made["key"]["read_only"], true);
    let child = made["secret"].as_str().unwrap();
    assert_eq!(call(&app, "GET", "/api/v1/whoami", child, None).await.0, StatusCode::OK);
    for bad in [
        json!({ "days": 0 }),
        json!({ "days": "5" }),
        json!({ "days": 5, "services": [] }),
        json!({ "days": 5, "name": 7 }),
        json!([1]),
    ] {
        let (status, body) = call(&app, "POST", "/api/v1/keys", &ccs, Some(bad.clone())).await;
        assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{bad}: {body}");
    }

    // Renamed and extended.
    let id = made["key"]["id"].as_str().unwrap().to_string();
    let before = made["key"]["expires_at"].as_str().unwrap().to_string();
    let (status, changed) = call(
        &app,
        "PATCH",
        &format!("/api/v1/keys/{id}"),
        &ccs,
        Some(json!({ "name": "renamed", "extend_days": 10 })),
    )
    .await;
    assert_eq!(status, StatusCode::OK, "{changed}");
    assert_eq!(changed["name"], "renamed");
    assert!(changed["expires_at"].as_str().unwrap() > before.as_str());
    let (status, _) = call(
        &app,
        "PATCH",
        &format!("/api/v1/keys/{id}"),
        &ccs,
        Some(json!({ "extend_days": 400 })),
    )
    .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);

    // Another member's key is not found.
    let mut bob = app.member("bob", "MST110001", "tenant_user").await;
    let bobs = key_with(&mut bob, &["ccs"], false).await;
    let bobs_id = call(&app, "GET", "/api/v1/keys", &bobs, None).await.1["keys"][0]["id"]
        .as_str()
        .unwrap()
        .to_string();
    for (method, path) in [
        ("PATCH", format!("/api/v1/keys/{bobs_id}")),
        ("DELETE", format!("/api/v1/keys/{bobs_id}")),
        ("POST", format!("/api/v1/keys/{bobs_id}/rotate")),
    ] {
        let (status, _) = call(&app, method, &path, &ccs, Some(json!({}))).await;
        assert_eq!(status, StatusCode::NOT_FOUND, "{method} {path}");
    }

    // Deleted: refused after.
    let (status, _) = call(&app, "DELETE", &format!("/api/v1/keys/{id}"), &ccs, None).await;
    assert_eq!(status, StatusCode::NO_CONTENT);
    assert_eq!(
        call(&app, "GET", "/api/v1/whoami", child, None).await.0,
        StatusCode::UNAUTHORIZED
    );
    assert_eq!(call(&app, "GET", "/api/v1/whoami", &bobs, None).await.0, StatusCode::OK);
}

#[tokio::test]
async fn the_key_list_pages_by_cursor_and_returns_every_key_once_while_keys_are_added() {
    let app = spawn_app().await;
    let mut alice = project(&app).await;
    let key = key_with(&mut alice, &["ccs", "vcs"], false).await;
    for n in 0..6 {
        let (status, _) = call(
            &app,
            "POST",
            "/api/v1/keys",
            &key,
            Some(json!({ "name": format!("k{n}"), "days": 5 })),
        )
        .await;
        assert_eq!(status, StatusCode::CREATED);
    }
    let existing: Vec<String> = sqlx::query_scalar("SELECT key_id FROM api_keys")
        .fetch_all(app.db.read())
        .await
        .unwrap();
    assert_eq!(existing.len(), 7);
    let mut seen = Vec::new();
    let mut cursor = String::new(); // the first page has none
    for page in 0.. {
        let (status, body) = call(&app, "GET", &format!("/api/v1/keys?limit=3{cursor}"), &key, None).await;
        assert_eq!(status, StatusCode::OK, "{body}");
        seen.extend(
            body["keys"]
                .as_array()
                .unwrap()
                .iter()
                .map(|k| k["id"].as_str().unwrap().to_string()),
        );
        // A key made between two pages.
        call(
            &app,
            "POST",
            "/api/v1/keys",
            &key,
            Some(json!({ "name": format!("new{page}"), "days": 5 })),
        )
        .await;
        match body["next_cursor"].as_str() {
            Some(next) => cursor = format!("&cursor={next}"),
            None => break,
        }
    }
    let mut sorted = seen.clone();
    sorted.sort();
    sorted.dedup();
    assert_eq!(sorted.len(), seen.len(), "no key twice: {seen:?}");
    for key_id in &existing {
        assert!(seen.contains(key_id), "{key_id} missing from {seen:?}");
    }
    for (bad, status) in [
        ("limit=0", 422),
        ("limit=201", 422),
        ("cursor=nonsense", 422),
        ("limit=x", 400),
    ] {
        let (got, _) = call(&app, "GET", &format!("/api/v1/keys?{bad}"), &key, None).await;
        assert_eq!(got.as_u16(), status, "{bad}");
    }
}

#[tokio::test]
async fn a_keys_details_say_where_it_was_last_used_from() {
    let app = spawn_app().await;
    let mut alice = project(&app).await;
    let key = key_with(&mut alice, &["ccs", "vcs"], false).await;
    assert_eq!(call(&app, "GET", "/api/v1/whoami", &key, None).await.0, StatusCode::OK);
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(10);
    let listed = loop {
        let listed = call(&app, "GET", "/api/v1/keys", &key, None).await.1;
        if listed["keys"][0]["last_used_from"].is_string() || std::time::Instant::now() > deadline {
            break listed;
        }
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
    };
    assert_eq!(listed["keys"][0]["last_used_from"], "127.0.0.1", "{listed}");
    assert_eq!(listed["keys"][0]["last_used_agent"], "ci-runner/1.0");
    let key_id = listed["keys"][0]["id"].as_str().unwrap();
    let details = alice.client.get(&format!("/keys/{key_id}/edit")).await;
    details.assert_contains("from 127.0.0.1");
    details.assert_contains("(ci-runner/1.0)");
}

/// A key scoped to one service, on every route of the API (as the app's
/// access table lists them), asking about another: refused with 403
/// `scope_denied` where the request names the service, the other service
/// left out where the route lists, and nothing changed. A route added to
/// the API without a row here fails this test.
#[tokio::test]
async fn a_key_scoped_to_one_service_names_no_other_on_any_route() {
    let app = spawn_app().await;
    let alice = project(&app).await;
    let bob = app.member("bob", "MST110001", "tenant_user").await;
    let (_, alice_all) = app.key_for("MST110001", &alice.user, 30).await;
    let (_, bob_all) = app.key_for("MST110001", &bob.user, 30).await;
    // What there is of VCS: an allocation of Alice's, a request of Bob's.
    let (status, vcs_allocation) = call(
        &app,
        "POST",
        "/api/v1/allocations",
        &alice_all,
        Some(allocation("vcs", "v1")),
    )
    .await;
    assert_eq!(status, StatusCode::CREATED, "{vcs_allocation}");
    let (status, made) = call(
        &app,
        "POST",
        "/api/v1/allocations",
        &alice_all,
        Some(allocation("ccs", "c1")),
    )
    .await;
    assert_eq!(status, StatusCode::CREATED, "{made}");
    // A use of VCS billed, and a change of Bob's VCS permission and quota.
    app.credit("MST110001", "PO-1", "100").await;
    let (status, used) = call(&app, "POST", "/api/v1/usage", &alice_all, Some(usage("vcs", "u1"))).await;
    assert_eq!(status, StatusCode::CREATED, "{used}");
    let (status, set) = call(
        &app,
        "PUT",
        "/api/v1/members/bob/quotas/vcs",
        &alice_all,
        Some(json!({"cpu": 4})),
    )
    .await;
    assert_eq!(status, StatusCode::OK, "{set}");
    let (status, set) = call(
        &app,
        "PUT",
        "/api/v1/members/bob/permissions",
        &alice_all,
        Some(json!({"services": ["ccs", "vcs", "cos"]})),
    )
    .await;
    assert_eq!(status, StatusCode::OK, "{set}");
    let asked = json!({"kind": "member", "service": "vcs", "resources": {"cpu": 2}, "reason": "VMs for the demo"});
    let (status, vcs_request) = call(&app, "POST", "/api/v1/quota-requests", &bob_all, Some(asked)).await;
    assert_eq!(status, StatusCode::CREATED, "{vcs_request}");
    // Alice's key for CCS alone, made with her key for everything.
    let (status, scoped) = call(
        &app,
        "POST",
        "/api/v1/keys",
        &alice_all,
        Some(json!({"name": "ccs only", "days": 7, "services": ["ccs"]})),
    )
    .await;
    assert_eq!(status, StatusCode::CREATED, "{scoped}");
    let ccs_only = scoped["secret"].as_str().unwrap().to_string();
    let project_id = app.count("SELECT id FROM projects WHERE code = 'MST110001'").await;
    let (allocation_id, request_id) = (&vcs_allocation["id"], &vcs_request["id"]);

    enum Expect {
        /// 403 `scope_denied`.
        Refused,
        /// 200, and the body never says `vcs`.
        Listed,
        /// The route names no service (why, in words).
        NoService(&'static str),
    }
    use Expect::*;
    let cases: Vec<(&str, &str, String, Option<Value>, Expect)> = vec![
        ("GET", "/api/v1/whoami", "/api/v1/whoami".into(), None, Listed),
        (
            "GET",
            "/api/v1/keys",
            "/api/v1/keys".into(),
            None,
            NoService("keys, with their own scopes"),
        ),
        (
            "POST",
            "/api/v1/keys",
            "/api/v1/keys".into(),
            Some(json!({"name": "wider", "days": 7, "services": ["vcs"]})),
            Refused,
        ),
        (
            "PATCH",
            "/api/v1/keys/{id}",
            String::new(),
            None,
            NoService("a key's name and expiry"),
        ),
        (
            "DELETE",
            "/api/v1/keys/{id}",
            String::new(),
            None,
            NoService("deletes a key"),
        ),
        (
            "POST",
            "/api/v1/keys/{id}/rotate",
            String::new(),
            None,
            NoService("a key's secret"),
        ),
        ("GET", "/api/v1/members", "/api/v1/members".into(), None, Listed),
        (
            "POST",
            "/api/v1/members",
            String::new(),
            None,
            NoService("adds a person, with the defaults the operator set"),
        ),
        (
            "PATCH",
            "/api/v1/members/{username}",
            String::new(),
            None,
            NoService("a member's role"),
        ),
        (
            "DELETE",
            "/api/v1/members/{username}",
            String::new(),
            None,
            NoService("removes a member"),
        ),
        (
            "GET",
            "/api/v1/members/{username}/permissions",
            "/api/v1/members/bob/permissions".into(),
            None,
            Listed,
        ),
        (
            "PUT",
            "/api/v1/members/{username}/permissions",
            "/api/v1/members/bob/permissions".into(),
            Some(json!({"services": ["ccs", "vcs"]})),
            Refused,
        ),
        (
            "PUT",
            "/api/v1/members/{username}/quotas/{service}",
            "/api/v1/members/bob/quotas/vcs".into(),
            Some(json!({"cpu": 1})),
            Refused,
        ),
        (
            "GET",
            "/api/v1/wallet/sub-wallets",
            String::new(),
            None,
            NoService("credits, not a service"),
        ),
        (
            "POST",
            "/api/v1/wallet/sub-wallets",
            String::new(),
            None,
            NoService("credits, not a service"),
        ),
        (
            "DELETE",
            "/api/v1/wallet/sub-wallets/{username}",
            String::new(),
            None,
            NoService("credits, not a service"),
        ),
        (
            "POST",
            "/api/v1/wallet/transfers",
            String::new(),
            None,
            NoService("credits, not a service"),
        ),
        (
            "GET",
            "/api/v1/wallet/ledger",
            "/api/v1/wallet/ledger".into(),
            None,
            Listed,
        ),
        (
            "GET",
            "/api/v1/activity/changes",
            "/api/v1/activity/changes".into(),
            None,
            Listed,
        ),
        (
            "GET",
            "/api/v1/activity/calls",
            String::new(),
            None,
            NoService("the project's record"),
        ),
        (
            "POST",
            "/api/v1/allocations",
            "/api/v1/allocations".into(),
            Some(allocation("vcs", "v2")),
            Refused,
        ),
        ("GET", "/api/v1/allocations", "/api/v1/allocations".into(), None, Listed),
        ("GET", "/api/v1/hpc/jobs", "/api/v1/hpc/jobs".into(), None, Refused),
        (
            "DELETE",
            "/api/v1/allocations/{id}",
            format!("/api/v1/allocations/{allocation_id}"),
            None,
            Refused,
        ),
        (
            "GET",
            "/api/v1/quotas",
            "/api/v1/quotas?service=vcs".into(),
            None,
            Refused,
        ),
        (
            "POST",
            "/api/v1/usage",
            "/api/v1/usage".into(),
            Some(usage("vcs", "u9")),
            Refused,
        ),
        (
            "GET",
            "/api/v1/wallet",
            String::new(),
            None,
            NoService("credits, not a service"),
        ),
        (
            "POST",
            "/api/v1/quota-requests",
            "/api/v1/quota-requests".into(),
            Some(
                json!({"kind": "project", "service": "vcs", "resources": {"cpu": 99}, "reason": "More VMs for the course"}),
            ),
            Refused,
        ),
        (
            "GET",
            "/api/v1/quota-requests",
            "/api/v1/quota-requests".into(),
            None,
            Listed,
        ),
        (
            "GET",
            "/api/v1/quota-requests/{id}",
            format!("/api/v1/quota-requests/{request_id}"),
            None,
            Refused,
        ),
        (
            "POST",
            "/api/v1/quota-requests/{id}/withdraw",
            format!("/api/v1/quota-requests/{request_id}/withdraw"),
            None,
            Refused,
        ),
        (
            "POST",
            "/api/v1/quota-requests/{id}/decision",
            format!("/api/v1/quota-requests/{request_id}/decision"),
            Some(json!({"decision": "approve"})),
            Refused,
        ),
        ("GET", "/api/v2/users/", String::new(), None, NoService("the person")),
        (
            "GET",
            "/api/v2/{cluster}/projects/",
            "/api/v2/openstack-taichung-default-2/projects/".into(),
            None,
            Refused,
        ),
        (
            "GET",
            "/api/v2/{cluster}/projects/{id}/key/",
            format!("/api/v2/ceph-taichung-default/projects/{project_id}/key/"),
            None,
            Refused,
        ),
        (
            "GET",
            "/api/v2/{cluster}/project_quotas/",
            format!("/api/v2/openstack-taichung-default-2/project_quotas/?project={project_id}"),
            None,
            Refused,
        ),
        (
            "GET",
            "/api/v2/{cluster}/projects/{id}/user_quotas/",
            format!("/api/v2/openstack-taichung-default-2/projects/{project_id}/user_quotas/"),
            None,
            Refused,
        ),
        (
            "GET",
            "/iservice/user/all_wallet/",
            String::new(),
            None,
            NoService("credits, not a service"),
        ),
        (
            "GET",
            "/iservice/user/wallet/",
            String::new(),
            None,
            NoService("credits, not a service"),
        ),
    ];
    let keyed: Vec<(&str, &str)> = member_center::access::TABLE
        .iter()
        .filter(|(_, _, access)| {
            matches!(
                access,
                member_center::access::Access::ApiKey | member_center::access::Access::AdminKey
            )
        })
        .map(|(method, pattern, _)| (*method, *pattern))
        .collect();
    let covered: Vec<(&str, &str)> = cases.iter().map(|(method, pattern, ..)| (*method, *pattern)).collect();
    for route in &keyed {
        assert!(covered.contains(route), "{route:?} has no row in this table");
    }
    assert_eq!(keyed.len(), covered.len(), "a row for a route that is none");

    let changes = "SELECT COUNT(*) FROM change_activity";
    let before = app.count(changes).await;
    for (method, pattern, path, body, expect) in &cases {
        match expect {
            NoService(why) => assert!(!why.is_empty()),
            Refused => {
                let (status, answer) = call(&app, method, path, &ccs_only, body.clone()).await;
                assert_eq!(status, StatusCode::FORBIDDEN, "{method} {pattern}: {answer}");
                // The TWCC routes answer in TWCC's shape, `{"detail": …}`.
                let said = if pattern.starts_with("/api/v1/") {
                    answer["error"]["code"] == "scope_denied"
                } else {
                    answer["detail"]
                        .as_str()
                        .is_some_and(|d| d.contains("not scoped to the service"))
                };
                assert!(said, "{method} {pattern}: {answer}");
            }
            Listed => {
                let (status, answer) = call(&app, method, path, &ccs_only, body.clone()).await;
                assert_eq!(status, StatusCode::OK, "{method} {pattern}: {answer}");
                assert!(!answer.to_string().contains("vcs"), "{method} {pattern}: {answer}");
            }
        }
    }
    // The lists left VCS out for this key only: a key for everything sees it.
    for path in [
        "/api/v1/wallet/ledger",
        "/api/v1/activity/changes",
        "/api/v1/quota-requests",
        "/api/v1/members",
    ] {
        let (_, everything) = call(&app, "GET", path, &alice_all, None).await;
        assert!(everything.to_string().contains("vcs"), "{path}: {everything}");
    }
    // `all=true` too, and nothing was changed by any of it.
    let (status, _) = call(&app, "GET", "/api/v1/quotas?service=vcs&all=true", &ccs_only, None).await;
    assert_eq!(status, StatusCode::FORBIDDEN);
    assert_eq!(app.count(changes).await, before);
    assert_eq!(
        app.count("SELECT COUNT(*) FROM allocations WHERE released_at IS NULL")
            .await,
        2
    );
    assert_eq!(app.count("SELECT COUNT(*) FROM quota_requests").await, 1);
    // What the key covers still works, and a permission change through it
    // leaves the services outside its scope as they were.
    assert_eq!(
        call(&app, "GET", "/api/v1/quotas?service=ccs&all=true", &ccs_only, None)
            .await
            .0,
        StatusCode::OK
    );
    let (status, set) = call(
        &app,
        "PUT",
        "/api/v1/members/bob/permissions",
        &ccs_only,
        Some(json!({"services": []})),
    )
    .await;
    assert_eq!(status, StatusCode::OK, "{set}");
    assert_eq!(set["services"], json!([]));
    let (_, all) = call(&app, "GET", "/api/v1/members/bob/permissions", &alice_all, None).await;
    let all: Vec<&str> = all["services"]
        .as_array()
        .unwrap()
        .iter()
        .map(|s| s.as_str().unwrap())
        .collect();
    assert!(!all.contains(&"ccs") && all.contains(&"vcs"), "{all:?}");
}
