//! Quotas: the tenant admin's page and Edit Quota dialog, and atomic
//! admission of allocations through the JSON API.

use crate::common::{TestApp, spawn_app};
use member_center::quotas::{QuotaLimit, QuotaService, Resource};
use reqwest::StatusCode;
use serde_json::{Value, json};

async fn set_project(app: &TestApp, code: &str, service: &str, cpu: &str, gpu: &str, memory: &str) {
    member_center::operator::service::set_project_quota(
        &app.db,
        None,
        code,
        service,
        &[("cpu", Some(cpu)), ("gpu", Some(gpu)), ("memory", Some(memory))],
    )
    .await
    .unwrap();
}

async fn member_quota(app: &TestApp, username: &str, resource: &str) -> Option<i64> {
    sqlx::query_scalar(
        "SELECT q.quota FROM member_quotas q JOIN accounts a ON a.id = q.account_id
         WHERE a.username = $1 AND q.service = 'ccs' AND q.resource = $2",
    )
    .bind(username)
    .bind(resource)
    .fetch_optional(app.db.read())
    .await
    .unwrap()
}

async fn admit(app: &TestApp, key: &str, body: Value) -> (StatusCode, Value) {
    let response = reqwest::Client::new()
        .post(format!("{}/api/v1/allocations", app.base))
        .header("x-api-key", key)
        .json(&body)
        .send()
        .await
        .unwrap();
    let status = response.status();
    (status, response.json().await.unwrap_or(Value::Null))
}

async fn release(app: &TestApp, key: &str, id: &str) -> (StatusCode, Value) {
    let response = reqwest::Client::new()
        .delete(format!("{}/api/v1/allocations/{id}", app.base))
        .header("x-api-key", key)
        .send()
        .await
        .unwrap();
    let status = response.status();
    (status, response.json().await.unwrap_or(Value::Null))
}

#[tokio::test]
async fn the_page_shows_project_and_member_usage_per_service() {
    let app = spawn_app().await;
    let mut alice = app.member("alice", "MST110001", "tenant_admin").await;
    let bob = app.member("bob", "MST110001", "tenant_user").await;
    set_project(&app, "MST110001", "ccs", "64", "8", "-1").await;
    let (_, key) = app.key_for("MST110001", &bob.user, 30).await;
    let (status, _) = admit(
        &app,
        &key,
        json!({"service": "ccs", "resources": {"cpu": 4, "gpu": 1, "memory": 16}, "idempotency_key": "a"}),
    )
    .await;
    assert_eq!(status, StatusCode::CREATED);

    let page = alice.client.get("/quota").await;
    assert_eq!(page.status, StatusCode::OK);
    page.assert_contains("Service Usage/Quota: Container Compute");
    page.assert_contains("4 / 64 cores");
    page.assert_contains("1 / 8 GPUs");
    page.assert_contains("16 GiB · no limit");
    page.assert_contains("<progress value=\"1\" max=\"8\"");
    page.assert_contains("bob Test");
    page.assert_contains("alice Test");
    // Each member's usage as a bar: without a quota of their own, against
    // the project's; with one, against it; nothing limits memory, no bar.
    page.assert_contains(
        "<progress value=\"4\" max=\"64\" aria-label=\"bob Test, CPU: 4 cores · up to the project&#39;s quota\">",
    );
    member_center::quotas::service::set_member_quotas(
        &app.db,
        alice.user.id,
        member_center::auth::identity::ProjectId(1),
        bob.user.id,
        "bob",
        QuotaService::Ccs,
        &[(Resource::Gpu, QuotaLimit(2))],
    )
    .await
    .unwrap();
    let page = alice.client.get("/quota").await;
    page.assert_contains("<progress value=\"1\" max=\"2\" aria-label=\"bob Test, GPU: 1 / 2 GPUs\">");
    // The project's two limited gauges, and two bars a member (memory has none).
    assert_eq!(page.body.matches("<progress").count(), 2 + 2 * 2);

    let vcs = alice.client.get("/quota?service=vcs").await;
    vcs.assert_contains("Virtual Compute");
    vcs.assert_contains("Floating IPs");
    vcs.assert_contains("0 / 0 cores");
    assert_eq!(
        alice.client.get("/quota?service=cos").await.status,
        StatusCode::BAD_REQUEST
    );
}

#[tokio::test]
async fn a_tenant_user_can_neither_open_the_page_nor_change_a_quota() {
    let app = spawn_app().await;
    let alice = app.member("alice", "MST110001", "tenant_admin").await;
    let mut bob = app.member("bob", "MST110001", "tenant_user").await;
    set_project(&app, "MST110001", "ccs", "64", "8", "512").await;
    assert_eq!(bob.client.get("/quota").await.status, StatusCode::FORBIDDEN);
    let path = format!("/quota/members/{}/edit?service=ccs", alice.user.id);
    assert_eq!(bob.client.get(&path).await.status, StatusCode::FORBIDDEN);
    let page = bob
        .client
        .post(
            &format!("/quota/members/{}?service=ccs", bob.user.id),
            &[("cpu", "64"), ("gpu", "8"), ("memory", "512")],
        )
        .await;
    assert_eq!(page.status, StatusCode::FORBIDDEN);
    assert_eq!(app.count("SELECT COUNT(*) FROM member_quotas").await, 0);
    // Nor is the menu entry there.
    assert!(!bob.client.get("/account").await.body.contains("href=\"/quota\""));
}

#[tokio::test]
async fn a_tenant_admin_cannot_reach_another_projects_member() {
    let app = spawn_app().await;
    let mut alice = app.member("alice", "MST110001", "tenant_admin").await;
    let carol = app.member("carol", "MST110002", "tenant_user").await;
    set_project(&app, "MST110002", "ccs", "64", "8", "512").await;
    let edit = alice
        .client
        .get(&format!("/quota/members/{}/edit?service=ccs", carol.user.id))
        .await;
    assert_eq!(edit.status, StatusCode::NOT_FOUND);
    let page = alice
        .client
        .post(
            &format!("/quota/members/{}?service=ccs", carol.user.id),
            &[("cpu", "1"), ("gpu", "1"), ("memory", "1")],
        )
        .await;
    assert_eq!(page.status, StatusCode::NOT_FOUND);
    assert_eq!(app.count("SELECT COUNT(*) FROM member_quotas").await, 0);
    assert!(!alice.client.get("/quota").await.body.contains("carol"));
}

#[tokio::test]
async fn editing_a_members_quota_saves_and_records_the_change() {
    let app = spawn_app().await;
    let mut alice = app.member("alice", "MST110001", "tenant_admin").await;
    let bob = app.member("bob", "MST110001", "tenant_user").await;
    set_project(&app, "MST110001", "ccs", "64", "8", "-1").await;
    let path = format!("/quota/members/{}?service=ccs", bob.user.id);

    let dialog = alice
        .client
        .get_with(
            &format!("/quota/members/{}/edit?service=ccs", bob.user.id),
            &[("HX-Request", "true")],
        )
        .await;
    dialog.assert_contains("Edit Quota");
    dialog.assert_contains("Project quota: 8 GPUs.");
    assert!(!dialog.body.contains("<html"));

    let page = alice
        .client
        .post(&path, &[("cpu", "16"), ("gpu", "2"), ("memory", "")])
        .await;
    assert_eq!(page.status, StatusCode::SEE_OTHER);
    let list = alice.client.get("/quota").await;
    list.assert_contains("Quota of bob Test saved.");
    list.assert_contains("0 / 16 cores");
    list.assert_contains("0 / 2 GPUs");
    assert_eq!(member_quota(&app, "bob", "memory").await, Some(-1));

    let (before, after): (String, String) =
        sqlx::query_as("SELECT before, after FROM change_activity WHERE action = 'quota.member.set'")
            .fetch_one(app.db.read())
            .await
            .unwrap();
    assert_eq!(before, "cpu=- gpu=- memory=-");
    assert_eq!(after, "cpu=16 gpu=2 memory=unlimited");

    // With htmx: the row changes in place, a toast, and the dialog closes.
    let token = alice.client.csrf.clone();
    let page = alice
        .client
        .post_raw(
            &path,
            &[("cpu", "8"), ("gpu", "1"), ("memory", "64")],
            &[("HX-Request", "true"), ("x-csrf-token", &token)],
        )
        .await;
    assert_eq!(page.status, StatusCode::OK);
    assert_eq!(page.headers.get("HX-Trigger").unwrap(), "close-dialog");
    page.assert_contains(&format!(
        "<tr id=\"member-{}\" class=\"clickable\" hx-swap-oob=\"true\">",
        bob.user.id
    ));
    page.assert_contains("0 / 8 cores");
    page.assert_contains("Quota of bob Test saved.");
}

#[tokio::test]
async fn every_bad_value_gets_a_message_and_nothing_changes() {
    let app = spawn_app().await;
    let mut alice = app.member("alice", "MST110001", "tenant_admin").await;
    let bob = app.member("bob", "MST110001", "tenant_user").await;
    set_project(&app, "MST110001", "ccs", "64", "8", "512").await;
    let path = format!("/quota/members/{}?service=ccs", bob.user.id);
    alice
        .client
        .post(&path, &[("cpu", "4"), ("gpu", "1"), ("memory", "8")])
        .await;

    for bad in ["-2", "abc", "1.5", "1e3", "99999999999", "٣", " 4 4"] {
        let page = alice
            .client
            .post(&path, &[("cpu", bad), ("gpu", "1"), ("memory", "8")])
            .await;
        assert_eq!(page.status, StatusCode::UNPROCESSABLE_ENTITY, "{bad:?}");
        page.assert_contains("Enter a whole number from -1 (no limit) to 1,000,000,000");
        page.assert_contains("aria-invalid=\"true\"");
    }
    let page = alice
        .client
        .post(&path, &[("cpu", "65"), ("gpu", "9"), ("memory", "8")])
        .await;
    assert_eq!(page.status, StatusCode::UNPROCESSABLE_ENTITY);
    page.assert_contains("This is more than the project&#39;s quota of 64 cores.");
    page.assert_contains("This is more than the project&#39;s quota of 8 GPUs.");
    assert_eq!(member_quota(&app, "bob", "cpu").await, Some(4));
    assert_eq!(member_quota(&app, "bob", "gpu").await, Some(1));
}

#[tokio::test]
async fn lowering_a_quota_below_usage_is_allowed_with_a_warning() {
    let app = spawn_app().await;
    let mut alice = app.member("alice", "MST110001", "tenant_admin").await;
    let bob = app.member("bob", "MST110001", "tenant_user").await;
    set_project(&app, "MST110001", "ccs", "64", "8", "512").await;
    let (_, key) = app.key_for("MST110001", &bob.user, 30).await;
    admit(
        &app,
        &key,
        json!({"service": "ccs", "resources": {"gpu": 4}, "idempotency_key": "x"}),
    )
    .await;

    let page = alice
        .client
        .post(
            &format!("/quota/members/{}?service=ccs", bob.user.id),
            &[("cpu", ""), ("gpu", "2"), ("memory", "")],
        )
        .await;
    assert_eq!(page.status, StatusCode::SEE_OTHER);
    let list = alice.client.get("/quota").await;
    list.assert_contains("The new quota is below current usage: existing allocations stay, new ones will be refused.");
    list.assert_contains("class=\"gauge-cell over\">4 / 2 GPUs");
    assert_eq!(
        app.count("SELECT COUNT(*) FROM allocations WHERE released_at IS NULL")
            .await,
        1
    );

    let (status, body) = admit(
        &app,
        &key,
        json!({"service": "ccs", "resources": {"gpu": 1}, "idempotency_key": "y"}),
    )
    .await;
    assert_eq!(status, StatusCode::CONFLICT);
    assert_eq!(
        body["error"]["details"][0],
        json!({"level": "member", "resource": "gpu", "requested": 1, "used": 4, "limit": 2})
    );
}

#[tokio::test]
async fn admission_checks_member_and_project_quota_and_is_idempotent() {
    let app = spawn_app().await;
    let alice = app.member("alice", "MST110001", "tenant_admin").await;
    let bob = app.member("bob", "MST110001", "tenant_user").await;
    set_project(&app, "MST110001", "ccs", "16", "8", "128").await;
    let (_, key) = app.key_for("MST110001", &bob.user, 30).await;
    let (_, alice_key) = app.key_for("MST110001", &alice.user, 30).await;

    let request =
        json!({"service": "ccs", "resources": {"cpu": 4, "gpu": 1, "memory": 16}, "idempotency_key": "job-1"});
    let (status, first) = admit(&app, &key, request.clone()).await;
    assert_eq!(status, StatusCode::CREATED);
    assert_eq!(first["resources"], json!({"cpu": 4, "gpu": 1, "memory": 16}));
    let (status, again) = admit(&app, &key, request).await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(again["id"], first["id"]);
    assert_eq!(app.count("SELECT COUNT(*) FROM allocations").await, 1);

    // The project's limit binds everyone.
    let (status, body) = admit(
        &app,
        &alice_key,
        json!({"service": "ccs", "resources": {"cpu": 13}, "idempotency_key": "big"}),
    )
    .await;
    assert_eq!(status, StatusCode::CONFLICT);
    assert_eq!(body["error"]["code"], "quota_exceeded");
    assert_eq!(
        body["error"]["details"],
        json!([{"level": "project", "resource": "cpu", "requested": 13, "used": 4, "limit": 16}])
    );

    let (_, listed) = app.api_get("/api/v1/allocations", Some(&key)).await;
    assert_eq!(listed["allocations"].as_array().unwrap().len(), 1);

    // Release frees the quota; releasing again changes nothing; another
    // tenant user's is 404 (a tenant admin may release any: see below).
    let id = first["id"].to_string();
    let carol = app.member("carol", "MST110001", "tenant_user").await;
    let (_, carol_key) = app.key_for("MST110001", &carol.user, 30).await;
    assert_eq!(release(&app, &carol_key, &id).await.0, StatusCode::NOT_FOUND);
    let (status, released) = release(&app, &key, &id).await;
    assert_eq!(status, StatusCode::OK);
    assert!(released["released_at"].is_string());
    assert_eq!(release(&app, &key, &id).await.0, StatusCode::OK);
    assert_eq!(release(&app, &key, "999999").await.0, StatusCode::NOT_FOUND);
    assert_eq!(release(&app, &key, "abc").await.0, StatusCode::NOT_FOUND);
    let (status, _) = admit(
        &app,
        &alice_key,
        json!({"service": "ccs", "resources": {"cpu": 16}, "idempotency_key": "big"}),
    )
    .await;
    assert_eq!(status, StatusCode::CREATED);
}

#[tokio::test]
async fn malformed_admissions_get_422_naming_the_field() {
    let app = spawn_app().await;
    let bob = app.member("bob", "MST110001", "tenant_user").await;
    set_project(&app, "MST110001", "ccs", "16", "8", "128").await;
    let (_, key) = app.key_for("MST110001", &bob.user, 30).await;
    let cases = [
        (
            json!({"service": "ccs", "resources": {"cpu": -1}, "idempotency_key": "k"}),
            "resources.cpu",
        ),
        (
            json!({"service": "ccs", "resources": {"cpu": 1e20}, "idempotency_key": "k"}),
            "resources.cpu",
        ),
        (
            json!({"service": "ccs", "resources": {"cpu": 99999999999u64}, "idempotency_key": "k"}),
            "resources.cpu",
        ),
        (
            json!({"service": "ccs", "resources": {"cpu": 1.5}, "idempotency_key": "k"}),
            "resources.cpu",
        ),
        (
            json!({"service": "ccs", "resources": {"cpu": "4"}, "idempotency_key": "k"}),
            "resources.cpu",
        ),
        (
            json!({"service": "ccs", "resources": {"floating_ip": 1}, "idempotency_key": "k"}),
            "resources.floating_ip",
        ),
        (
            json!({"service": "ccs", "resources": {"disk": 1}, "idempotency_key": "k"}),
            "resources.disk",
        ),
        (
            json!({"service": "cos", "resources": {"cpu": 1}, "idempotency_key": "k"}),
            "service",
        ),
        (json!({"resources": {"cpu": 1}, "idempotency_key": "k"}), "service"),
        (json!({"service": "ccs", "idempotency_key": "k"}), "resources"),
        (
            json!({"service": "ccs", "resources": {}, "idempotency_key": "k"}),
            "resources",
        ),
        (json!({"service": "ccs", "resources": {"cpu": 1}}), "idempotency_key"),
        (
            json!({"service": "ccs", "resources": {"cpu": 1}, "idempotency_key": ""}),
            "idempotency_key",
        ),
        (json!([1, 2]), "body"),
    ];
    for (body, field) in cases {
        let (status, answer) = admit(&app, &key, body.clone()).await;
        assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{body}");
        assert_eq!(answer["error"]["field"], field, "{body}");
    }
    let response = reqwest::Client::new()
        .post(format!("{}/api/v1/allocations", app.base))
        .header("x-api-key", &key)
        .body(vec![0xff, 0xfe, 0x00])
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(app.count("SELECT COUNT(*) FROM allocations").await, 0);
}

#[tokio::test]
async fn a_service_the_tenant_may_not_use_is_refused() {
    let app = spawn_app().await;
    let bob = app.member("bob", "MST110001", "tenant_user").await;
    set_project(&app, "MST110001", "ccs", "16", "8", "128").await;
    let (_, key) = app.key_for("MST110001", &bob.user, 30).await;
    sqlx::query("DELETE FROM tenant_permissions WHERE service = 'ccs'")
        .execute(app.db.read())
        .await
        .unwrap();
    let (status, body) = admit(
        &app,
        &key,
        json!({"service": "ccs", "resources": {"cpu": 1}, "idempotency_key": "k"}),
    )
    .await;
    assert_eq!(status, StatusCode::FORBIDDEN);
    assert_eq!(body["error"]["code"], "service_not_permitted");
    let (_, who) = app.api_get("/api/v1/whoami", Some(&key)).await;
    assert_eq!(who["services"], json!(["vcs", "hpc", "cos", "registry"]));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn sixty_four_racing_requests_for_the_last_ten_gpus_admit_exactly_ten() {
    let app = spawn_app().await;
    let bob = app.member("bob", "MST110001", "tenant_user").await;
    set_project(&app, "MST110001", "ccs", "-1", "10", "-1").await;
    let (_, key) = app.key_for("MST110001", &bob.user, 30).await;
    let client = reqwest::Client::new();
    let mut racers = Vec::new();
    for n in 0..64 {
        let client = client.clone();
        let url = format!("{}/api/v1/allocations", app.base);
        let key = key.clone();
        racers.push(tokio::spawn(async move {
            let body = json!({"service": "ccs", "resources": {"gpu": 1}, "idempotency_key": format!("race-{n}")});
            client
                .post(url)
                .header("x-api-key", key)
                .json(&body)
                .send()
                .await
                .unwrap()
                .status()
        }));
    }
    let mut admitted = 0;
    let mut refused = 0;
    for racer in racers {
        match racer.await.unwrap() {
            StatusCode::CREATED => admitted += 1,
            StatusCode::CONFLICT => refused += 1,
            other => panic!("unexpected {other}"),
        }
    }
    assert_eq!((admitted, refused), (10, 54));
    let used: i64 = sqlx::query_scalar(
        "SELECT CAST(SUM(r.amount) AS BIGINT) FROM allocation_resources r JOIN allocations a ON a.id = r.allocation_id WHERE a.released_at IS NULL",
    )
    .fetch_one(app.db.read())
    .await
    .unwrap();
    assert_eq!(used, 10);
}

#[tokio::test]
async fn the_quotas_endpoint_reports_member_project_and_for_admins_everyone() {
    let app = spawn_app().await;
    let alice = app.member("alice", "MST110001", "tenant_admin").await;
    let bob = app.member("bob", "MST110001", "tenant_user").await;
    set_project(&app, "MST110001", "ccs", "64", "8", "-1").await;
    member_center::quotas::service::set_member_quotas(
        &app.db,
        alice.user.id,
        member_center::auth::identity::ProjectId(1),
        bob.user.id,
        "bob",
        QuotaService::Ccs,
        &[(Resource::Gpu, QuotaLimit(2))],
    )
    .await
    .unwrap();
    let (_, bob_key) = app.key_for("MST110001", &bob.user, 30).await;
    let (_, alice_key) = app.key_for("MST110001", &alice.user, 30).await;
    admit(
        &app,
        &bob_key,
        json!({"service": "ccs", "resources": {"gpu": 1, "cpu": 2}, "idempotency_key": "k"}),
    )
    .await;

    let (status, body) = app.api_get("/api/v1/quotas?service=ccs", Some(&bob_key)).await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(body["member"]["gpu"], json!({"usage": 1, "quota": 2}));
    assert_eq!(body["member"]["cpu"], json!({"usage": 2, "quota": -1}));
    assert_eq!(body["project"]["cpu"], json!({"usage": 2, "quota": 64}));
    assert_eq!(body["project"]["memory"], json!({"usage": 0, "quota": -1}));
    assert!(body.get("members").is_none());
    assert_eq!(
        app.api_get("/api/v1/quotas?service=ccs&all=true", Some(&bob_key))
            .await
            .0,
        StatusCode::FORBIDDEN
    );
    assert_eq!(
        app.api_get("/api/v1/quotas?service=xyz", Some(&bob_key)).await.0,
        StatusCode::UNPROCESSABLE_ENTITY
    );

    let (status, body) = app
        .api_get("/api/v1/quotas?service=ccs&all=true", Some(&alice_key))
        .await;
    assert_eq!(status, StatusCode::OK);
    let members = body["members"].as_array().unwrap();
    assert_eq!(members.len(), 2);
    let bob_row = members.iter().find(|m| m["username"] == "bob").unwrap();
    assert_eq!(bob_row["gpu"], json!({"usage": 1, "quota": 2}));

    let (_, doc) = app.api_get("/api/v1/openapi.json", None).await;
    for path in ["/api/v1/allocations", "/api/v1/allocations/{id}", "/api/v1/quotas"] {
        assert!(
            doc["paths"][path].is_object(),
            "{path} missing from the OpenAPI document"
        );
    }
}

#[tokio::test]
async fn a_batch_of_allocation_writes_applies_them_one_after_another() {
    use member_center::quotas::store::{self, Admission, AllocationWrite, Outcome};

    let app = spawn_app().await;
    let bob = app.member("bob", "MST110001", "tenant_user").await;
    let eve = app.member("eve", "MST110001", "tenant_user").await;
    set_project(&app, "MST110001", "ccs", "-1", "2", "-1").await;
    let project_id = member_center::projects::store::by_code(&app.db, "MST110001")
        .await
        .unwrap()
        .unwrap()
        .id;
    let gpu = |n| vec![(Resource::Gpu, n)];
    let admit = |account_id, n, key: &str| AllocationWrite::Admit {
        project_id,
        account_id,
        service: QuotaService::Ccs,
        request: gpu(n),
        idempotency_key: key.to_string(),
    };
    let release = |account_id, id| AllocationWrite::Release {
        project_id,
        account_id: Some(account_id),
        id,
    };
    let Admission::Created(first) = store::admit(&app.db, project_id, bob.user.id, QuotaService::Ccs, &gpu(1), "k0")
        .await
        .unwrap()
    else {
        panic!("the first GPU fits");
    };

    let outcomes = store::apply(
        &app.db,
        &[
            release(eve.user.id, first.id), // not hers
            admit(bob.user.id, 1, "k0"),    // its key again: found, not counted twice
            release(bob.user.id, first.id),
            admit(bob.user.id, 2, "k1"),    // fits only because of the release before it
            admit(bob.user.id, 2, "k1"),    // the same key again
            admit(eve.user.id, 1, "k2"),    // 2 + 1 > 2
            release(bob.user.id, first.id), // again: no change
        ],
    )
    .await
    .unwrap();

    assert!(matches!(outcomes[0], Outcome::Released(None)));
    let Outcome::Admission(Admission::Existing(again)) = &outcomes[1] else {
        panic!("k0 again is the first")
    };
    assert_eq!((again.id, &again.resources), (first.id, &gpu(1)));
    let Outcome::Released(Some(released)) = &outcomes[2] else {
        panic!("bob releases his own")
    };
    let released_at = released.released_at.expect("released");
    let Outcome::Admission(Admission::Created(created)) = &outcomes[3] else {
        panic!("k1 is admitted")
    };
    assert!(created.id > first.id);
    let Outcome::Admission(Admission::Existing(again)) = &outcomes[4] else {
        panic!("k1 again is the same")
    };
    assert_eq!(again.id, created.id);
    let Outcome::Admission(Admission::Refused(short)) = &outcomes[5] else {
        panic!("k2 does not fit")
    };
    assert_eq!((short[0].level, short[0].used, short[0].limit), ("project", 2, 2));
    let Outcome::Released(Some(again)) = &outcomes[6] else {
        panic!("releasing again answers")
    };
    assert_eq!(again.released_at, Some(released_at));

    // What was written is what was decided.
    let live = app
        .count("SELECT CAST(COALESCE(SUM(r.amount), 0) AS BIGINT) FROM allocation_resources r JOIN allocations a ON a.id = r.allocation_id WHERE a.released_at IS NULL")
        .await;
    assert_eq!(live, 2);
    assert_eq!(
        app.count("SELECT COUNT(*) FROM allocations WHERE idempotency_key = 'k1'")
            .await,
        1
    );
    assert_eq!(
        app.count("SELECT COUNT(*) FROM allocations WHERE idempotency_key = 'k2'")
            .await,
        0
    );
}

#[tokio::test]
async fn a_write_that_cannot_be_applied_fails_alone() {
    use member_center::quotas::{
        store::{Admission, AllocationWrite, Outcome},
        writer::apply_all,
    };

    let app = spawn_app().await;
    let bob = app.member("bob", "MST110001", "tenant_user").await;
    set_project(&app, "MST110001", "ccs", "-1", "4", "-1").await;
    let project_id = member_center::projects::store::by_code(&app.db, "MST110001")
        .await
        .unwrap()
        .unwrap()
        .id;
    let admit = |account_id, key: &str| AllocationWrite::Admit {
        project_id,
        account_id,
        service: QuotaService::Ccs,
        request: vec![(Resource::Gpu, 1)],
        idempotency_key: key.to_string(),
    };
    // An account that does not exist breaks the batch's insert (a foreign key).
    let outcomes = apply_all(
        &app.db,
        &[
            admit(bob.user.id, "a"),
            admit(member_center::auth::identity::AccountId(999_999), "b"),
            admit(bob.user.id, "c"),
        ],
    )
    .await;

    assert!(matches!(outcomes[0], Ok(Outcome::Admission(Admission::Created(_)))));
    assert_eq!(
        outcomes[1].as_ref().err(),
        Some(&member_center::quotas::writer::WriteFailed::Failed)
    );
    assert!(matches!(outcomes[2], Ok(Outcome::Admission(Admission::Created(_)))));
    assert_eq!(app.count("SELECT COUNT(*) FROM allocations").await, 2);
}

#[tokio::test]
async fn a_negative_sub_wallet_blocks_only_its_member_in_the_same_batch() {
    use member_center::{
        quotas::store::{self, Admission, AllocationWrite, Outcome},
        wallets::Credits,
    };

    let app = spawn_app().await;
    let bob = app.member("bob", "MST110001", "tenant_user").await;
    let eve = app.member("eve", "MST110001", "tenant_user").await;
    let dan = app.member("dan", "MST110001", "tenant_user").await;
    set_project(&app, "MST110001", "ccs", "-1", "8", "-1").await;
    let project_id = member_center::projects::store::by_code(&app.db, "MST110001")
        .await
        .unwrap()
        .unwrap()
        .id;
    // Bob's open sub-wallet is overdrawn; Dan's overdrawn one is closed.
    for (account_id, closed_at) in [(bob.user.id, None), (dan.user.id, Some(1))] {
        sqlx::query(
            "INSERT INTO wallets (project_id, account_id, balance, created_at, closed_at) VALUES ($1, $2, -5, 0, $3)",
        )
        .bind(project_id)
        .bind(account_id)
        .bind(closed_at)
        .execute(app.db.read())
        .await
        .unwrap();
    }
    let admit = |account_id, key: &str| AllocationWrite::Admit {
        project_id,
        account_id,
        service: QuotaService::Ccs,
        request: vec![(Resource::Gpu, 1)],
        idempotency_key: key.to_string(),
    };

    let outcomes = store::apply(
        &app.db,
        &[
            admit(bob.user.id, "b"),
            admit(eve.user.id, "e"),
            admit(dan.user.id, "d"),
        ],
    )
    .await
    .unwrap();

    let Outcome::Admission(Admission::Unpaid { wallet, balance }) = &outcomes[0] else {
        panic!("bob's sub-wallet is negative")
    };
    assert_eq!((*wallet, *balance), ("sub", Credits(-5)));
    assert!(matches!(outcomes[1], Outcome::Admission(Admission::Created(_))));
    assert!(matches!(outcomes[2], Outcome::Admission(Admission::Created(_))));
    assert_eq!(app.count("SELECT COUNT(*) FROM allocations").await, 2);
}

#[tokio::test]
async fn a_large_project_s_members_come_fifty_to_a_page_and_can_be_searched() {
    let app = spawn_app().await;
    let mut alice = app.member("alice", "MST110001", "tenant_admin").await;
    app.add_users("MST110001", 119).await;
    let outsider = app.member("mallory", "MST110002", "tenant_admin").await;
    let rows = |page: &crate::common::Page| page.body.matches("<tr id=\"member-").count();

    let first = alice.client.get("/quota").await;
    first.assert_contains("120 members");
    assert_eq!(rows(&first), 50);
    first.assert_contains("href=\"/quota?service=ccs&#38;q=&#38;page=2\"");
    let last = alice.client.get("/quota?service=ccs&page=3").await;
    assert_eq!(rows(&last), 20);
    let beyond = alice.client.get("/quota?page=99").await;
    assert_eq!(beyond.status, StatusCode::OK);
    assert_eq!(rows(&beyond), 0);

    // Search by username or name, case-insensitive; the page keeps it.
    let found = alice.client.get("/quota?service=ccs&q=USER10").await;
    found.assert_contains("10 members");
    assert_eq!(rows(&found), 10);
    found.assert_contains("value=\"USER10\"");
    let by_name = alice.client.get("/quota?q=user042+Test").await;
    assert_eq!(rows(&by_name), 1);
    // Wildcards are taken literally; another project's member is never found.
    for q in ["%25", "_", "mallory"] {
        let none = alice.client.get(&format!("/quota?q={q}")).await;
        assert_eq!(rows(&none), 0, "{q}");
        none.assert_contains("name or username contains");
    }
    assert!(!first.body.contains(&outsider.user.username));
}

/// HPC is a service with quotas like CCS (concurrent cores, GPUs and
/// memory): set from the command line, a tab of the Quota page, the Edit
/// Quota dialog, admissions, quota requests, the API and TWCC's cluster.
#[tokio::test]
async fn hpc_has_quotas_like_the_other_services() {
    let app = spawn_app().await;
    let mut alice = app.member("alice", "MST110001", "tenant_admin").await;
    let bob = app.member("bob", "MST110001", "tenant_user").await;
    let (ok, _, err) = crate::cli::member_center(
        &app.scratch.location,
        &[
            "quota",
            "set",
            "--project",
            "MST110001",
            "--service",
            "hpc",
            "--cpu",
            "256",
            "--gpu",
            "8",
            "--memory",
            "1024",
        ],
        None,
    );
    assert!(ok, "{err}");
    let page = alice.client.get("/quota?service=hpc").await;
    assert_eq!(page.status, StatusCode::OK);
    page.assert_contains("Service Usage/Quota: HPC");
    page.assert_contains("0 / 256 cores");
    page.assert_contains(r#"href="/quota?service=hpc""#);
    // The Edit Quota dialog sets Bob's HPC quota, never above the project's.
    let edit = format!("/quota/members/{}?service=hpc", bob.user.id);
    let refused = alice
        .client
        .post(&edit, &[("cpu", "300"), ("gpu", ""), ("memory", "")])
        .await;
    assert_eq!(refused.status, StatusCode::UNPROCESSABLE_ENTITY);
    refused.assert_contains("This is more than the project&#39;s quota of 256 cores.");
    let saved = alice
        .client
        .post(&edit, &[("cpu", "64"), ("gpu", ""), ("memory", "")])
        .await;
    assert_eq!(saved.status, StatusCode::SEE_OTHER, "{}", saved.body);
    assert_eq!(
        app.count("SELECT quota FROM member_quotas WHERE service = 'hpc' AND resource = 'cpu'")
            .await,
        64
    );
    // Admissions hold to it; the API reads it; a request asks for more.
    let (_, key) = app.key_for("MST110001", &bob.user, 30).await;
    let (status, _) = admit(
        &app,
        &key,
        json!({"service": "hpc", "resources": {"cpu": 48}, "idempotency_key": "job-1"}),
    )
    .await;
    assert_eq!(status, StatusCode::CREATED);
    let (status, refused) = admit(
        &app,
        &key,
        json!({"service": "hpc", "resources": {"cpu": 32}, "idempotency_key": "job-2"}),
    )
    .await;
    assert_eq!(status, StatusCode::CONFLICT, "{refused}");
    let (status, quotas) = app.api_get("/api/v1/quotas?service=hpc", Some(&key)).await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(quotas["member"]["cpu"], json!({"usage": 48, "quota": 64}));
    let asked = reqwest::Client::new()
        .post(format!("{}/api/v1/quota-requests", app.base))
        .header("x-api-key", &key)
        .json(&json!({"kind": "member", "service": "hpc", "resources": {"cpu": 128}, "reason": "A larger climate run"}))
        .send()
        .await
        .unwrap();
    assert_eq!(asked.status(), StatusCode::CREATED);
    // TWCC's Slurm cluster answers with the project's HPC quota.
    let project_id = app.count("SELECT id FROM projects WHERE code = 'MST110001'").await;
    let (status, twcc) = app
        .api_get(
            &format!("/api/v2/slurm-taichung-default/project_quotas/?project={project_id}"),
            Some(&key),
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{twcc}");
    assert_eq!(twcc[0]["cpu"]["quota"], 256);
}
