//! Quota requests: a member asks their tenant admin, a tenant admin asks the
//! operators; deciding (as asked, changed, declined), withdrawing, closing by
//! itself; who may see and decide; the JSON API and the command line; and the
//! notices and activity they leave.

use reqwest::StatusCode;
use serde_json::{Value, json};

use crate::common::{Member, TestApp, spawn_app};
use member_center::accounts::PlatformRole;

/// MST110001 with 8 GPUs of Container Compute; Alice its tenant admin, Bob
/// a tenant user with a quota of 2 GPUs.
async fn lab(app: &TestApp) -> (Member, Member) {
    let alice = app.member("alice", "MST110001", "tenant_admin").await;
    let bob = app.member("bob", "MST110001", "tenant_user").await;
    member_center::operator::service::set_project_quota(
        &app.db,
        None,
        "MST110001",
        "ccs",
        &[("cpu", Some("64")), ("gpu", Some("8"))],
    )
    .await
    .unwrap();
    member_center::operator::service::set_project_quota(&app.db, None, "MST110001", "vcs", &[("cpu", Some("16"))])
        .await
        .unwrap();
    let project = app.count("SELECT id FROM projects WHERE code = 'MST110001'").await;
    member_center::quotas::service::set_member_quotas(
        &app.db,
        alice.user.id,
        member_center::auth::identity::ProjectId(project),
        bob.user.id,
        "bob",
        member_center::quotas::QuotaService::Ccs,
        &[(
            member_center::quotas::Resource::Gpu,
            member_center::quotas::QuotaLimit(2),
        )],
    )
    .await
    .unwrap();
    (alice, bob)
}

const REASON: &str = "Training a larger model this month";

async fn bob_gpu_quota(app: &TestApp) -> i64 {
    app.count(
        "SELECT q.quota FROM member_quotas q JOIN accounts a ON a.id = q.account_id
         WHERE a.username = 'bob' AND q.service = 'ccs' AND q.resource = 'gpu'",
    )
    .await
}

/// The number of the request a 303 went to.
fn filed(page: &crate::common::Page) -> i64 {
    assert_eq!(page.status, StatusCode::SEE_OTHER, "{}", page.body);
    let location = page.location().unwrap();
    location.rsplit('/').next().unwrap().parse().unwrap()
}

#[tokio::test]
async fn a_member_asks_for_more_and_the_tenant_admin_approves_with_changed_figures() {
    let app = spawn_app().await;
    let (mut alice, mut bob) = lab(&app).await;

    // Bob's own usage and quota, with a way to ask for more.
    let mine = bob.client.get("/quota/mine").await;
    assert_eq!(mine.status, StatusCode::OK);
    mine.assert_contains("My usage / quota");
    mine.assert_contains("2 GPUs");
    mine.assert_contains("/quota-requests/new?kind=member&amp;service=ccs");
    let form = bob.client.get("/quota-requests/new?kind=member&service=ccs").await;
    form.assert_contains("Request more member quota");
    form.assert_contains(r#"<label for="request-gpu">"#);

    // Bad input: the message next to its field, nothing filed.
    let short = bob
        .client
        .post(
            "/quota-requests",
            &[("kind", "member"), ("service", "ccs"), ("gpu", "4"), ("reason", "more")],
        )
        .await;
    assert_eq!(short.status, StatusCode::UNPROCESSABLE_ENTITY);
    short.assert_contains(r#"id="request-reason-error""#);
    short.assert_contains("Give a reason of 10 to 1000 characters.");
    short.assert_contains(">more</textarea>");
    let none = bob
        .client
        .post(
            "/quota-requests",
            &[("kind", "member"), ("service", "ccs"), ("reason", REASON)],
        )
        .await;
    none.assert_contains("Enter at least one new total.");
    let negative = bob
        .client
        .post(
            "/quota-requests",
            &[
                ("kind", "member"),
                ("service", "ccs"),
                ("gpu", "-5"),
                ("reason", REASON),
            ],
        )
        .await;
    assert_eq!(negative.status, StatusCode::UNPROCESSABLE_ENTITY);
    negative.assert_contains(r#"id="request-gpu-error""#);
    assert_eq!(app.count("SELECT COUNT(*) FROM quota_requests").await, 0);

    // More than the project has: refused at filing, with the project's figure.
    let beyond = bob
        .client
        .post(
            "/quota-requests",
            &[
                ("kind", "member"),
                ("service", "ccs"),
                ("gpu", "12"),
                ("reason", REASON),
            ],
        )
        .await;
    assert_eq!(beyond.status, StatusCode::UNPROCESSABLE_ENTITY);
    beyond.assert_contains("This is more than the project&#39;s quota of 8 GPUs.");
    beyond.assert_contains(r#"id="request-gpu-error""#);
    assert_eq!(app.count("SELECT COUNT(*) FROM quota_requests").await, 0);

    let page = bob
        .client
        .post(
            "/quota-requests",
            &[("kind", "member"), ("service", "ccs"), ("gpu", "8"), ("reason", REASON)],
        )
        .await;
    let id = filed(&page);
    let shown = bob.client.get(&format!("/quota-requests/{id}")).await;
    shown.assert_contains(&format!("Request #{id} was sent."));
    shown.assert_contains("Open");
    shown.assert_contains(REASON);

    // One open request per requester and service: a second is refused, with a link to the first.
    let again = bob
        .client
        .post(
            "/quota-requests",
            &[("kind", "member"), ("service", "ccs"), ("gpu", "4"), ("reason", REASON)],
        )
        .await;
    assert_eq!(again.status, StatusCode::UNPROCESSABLE_ENTITY);
    again.assert_contains(&format!("Request #{id} for this is still open"));
    again.assert_contains(&format!(r#"href="/quota-requests/{id}""#));
    // Another service is another request.
    let vcs = bob
        .client
        .post(
            "/quota-requests",
            &[("kind", "member"), ("service", "vcs"), ("cpu", "4"), ("reason", REASON)],
        )
        .await;
    let vcs_id = filed(&vcs);

    // Bob changes what he asks while it is open (the form comes filled in).
    let edit = bob.client.get(&format!("/quota-requests/{id}/edit")).await;
    edit.assert_contains(r#"value="8""#);
    edit.assert_contains(&format!(r#"action="/quota-requests/{id}/edit""#));
    let bad = bob
        .client
        .post(
            &format!("/quota-requests/{id}/edit"),
            &[("gpu", "x"), ("reason", REASON)],
        )
        .await;
    assert_eq!(bad.status, StatusCode::UNPROCESSABLE_ENTITY);
    bad.assert_contains(r#"id="request-gpu-error""#);
    let beyond = bob
        .client
        .post(
            &format!("/quota-requests/{id}/edit"),
            &[("gpu", "10"), ("reason", REASON)],
        )
        .await;
    assert_eq!(beyond.status, StatusCode::UNPROCESSABLE_ENTITY);
    beyond.assert_contains("This is more than the project&#39;s quota of 8 GPUs.");
    let changed = bob
        .client
        .post(
            &format!("/quota-requests/{id}/edit"),
            &[("gpu", "7"), ("reason", REASON)],
        )
        .await;
    assert_eq!(changed.status, StatusCode::SEE_OTHER);

    // Alice is told, and sees it waiting with Bob's usage and quota beside.
    let home = alice.client.get("/account").await;
    // (Her own "added to the project", Bob's two requests and his change.)
    home.assert_contains(r#"aria-label="Notices, 4 unread""#);
    let notices = alice.client.get("/notices").await;
    notices.assert_contains(&format!("bob Test filed quota request #{id} in MST110001."));
    let queue = alice.client.get("/quota-requests").await;
    queue.assert_contains("Waiting for your decision");
    queue.assert_contains("7 GPUs");
    // The request's page shows the project's quota and what it has left.
    let shown = alice.client.get(&format!("/quota-requests/{id}")).await;
    shown.assert_contains("Project quota");
    shown.assert_contains(r#"data-label="Project quota">8 GPUs</td>"#);
    shown.assert_contains(r#"data-label="Free in the project">8 GPUs</td>"#);
    alice
        .client
        .get("/notices")
        .await
        .assert_contains(&format!("bob Test changed quota request #{id} in MST110001."));
    queue.assert_contains("(Now: 0 GPUs / 2 GPUs)");

    // A change needs a comment, and stays under the project's quota.
    let decide = format!("/quota-requests/{id}/decision");
    let no_comment = alice
        .client
        .post(&decide, &[("decision", "approve"), ("gpu", "6")])
        .await;
    assert_eq!(no_comment.status, StatusCode::UNPROCESSABLE_ENTITY);
    no_comment.assert_contains("a comment is required");
    let above = alice
        .client
        .post(
            &decide,
            &[("decision", "approve"), ("gpu", "12"), ("comment", "as asked")],
        )
        .await;
    assert_eq!(above.status, StatusCode::UNPROCESSABLE_ENTITY);
    above.assert_contains("This is more than the project&#39;s quota of 8 GPUs.");
    assert_eq!(bob_gpu_quota(&app).await, 2);
    assert_eq!(
        app.count("SELECT COUNT(*) FROM quota_requests WHERE status = 'open'")
            .await,
        2
    );

    let approved = alice
        .client
        .post(
            &decide,
            &[
                ("decision", "approve"),
                ("gpu", "6"),
                ("comment", "Six is what we can spare"),
            ],
        )
        .await;
    assert_eq!(approved.status, StatusCode::SEE_OTHER);
    assert_eq!(bob_gpu_quota(&app).await, 6);
    let page = alice.client.get(&format!("/quota-requests/{id}")).await;
    page.assert_contains(&format!("Request #{id} was approved"));
    page.assert_contains("Changed by the requester");
    page.assert_contains("Approved with changed figures");
    page.assert_contains("Six is what we can spare");

    // Bob is told; a decided request can no longer be withdrawn.
    let notices = bob.client.get("/notices").await;
    notices.assert_contains(&format!(
        "alice Test approved your quota request #{id} in MST110001, with changed figures."
    ));
    let late = bob.client.post(&format!("/quota-requests/{id}/withdraw"), &[]).await;
    assert_eq!(late.status, StatusCode::CONFLICT);
    // The open one can.
    let withdrawn = bob
        .client
        .post(&format!("/quota-requests/{vcs_id}/withdraw"), &[])
        .await;
    assert_eq!(withdrawn.status, StatusCode::SEE_OTHER);
    bob.client
        .get(&format!("/quota-requests/{vcs_id}"))
        .await
        .assert_contains("Withdrawn");
    assert_eq!(
        bob.client.get(&format!("/quota-requests/{id}/edit")).await.status,
        StatusCode::CONFLICT,
        "a decided request cannot be changed"
    );
    alice
        .client
        .get("/notices")
        .await
        .assert_contains(&format!("bob Test withdrew quota request #{vcs_id} in MST110001."));

    // The activity log says it in words.
    let activity = alice.client.get("/activity?stream=changes").await;
    activity.assert_contains(&format!("bob asked for more Container Compute quota (#{id}): GPU 8."));
    activity.assert_contains(&format!("bob changed quota request #{id}: GPU 7."));
    activity.assert_contains(&format!("alice approved quota request #{id}: GPU 6."));
    activity.assert_contains(&format!("bob withdrew quota request #{vcs_id}."));
}

#[tokio::test]
async fn a_tenant_admin_asks_the_operators_for_project_quota_and_a_renewal() {
    let app = spawn_app().await;
    let (mut alice, mut bob) = lab(&app).await;
    let olivia = app.create_user("olivia", PlatformRole::Operator).await;
    let mut operator = app.signed_in(&olivia).await;

    // Only a tenant admin asks the operators.
    let refused = bob.client.get("/quota-requests/new?kind=project").await;
    assert_eq!(refused.status, StatusCode::FORBIDDEN);
    let refused = bob
        .client
        .post(
            "/quota-requests",
            &[
                ("kind", "project"),
                ("service", "ccs"),
                ("gpu", "16"),
                ("reason", REASON),
            ],
        )
        .await;
    assert_eq!(refused.status, StatusCode::FORBIDDEN);

    let more = alice
        .client
        .post(
            "/quota-requests",
            &[
                ("kind", "project"),
                ("service", "ccs"),
                ("gpu", "16"),
                ("reason", REASON),
            ],
        )
        .await;
    let more = filed(&more);
    let past = alice
        .client
        .post(
            "/quota-requests",
            &[("kind", "renewal"), ("ends_on", "2001-01-01"), ("reason", REASON)],
        )
        .await;
    past.assert_contains("Choose a date after today.");
    // A renewal extends: a date before the project's end now is refused.
    let ends: String = sqlx::query_scalar("SELECT ends_on FROM projects WHERE code = 'MST110001'")
        .fetch_one(app.db.read())
        .await
        .unwrap();
    let sooner = alice
        .client
        .post(
            "/quota-requests",
            &[("kind", "renewal"), ("ends_on", &ends), ("reason", REASON)],
        )
        .await;
    assert_eq!(sooner.status, StatusCode::UNPROCESSABLE_ENTITY);
    sooner.assert_contains(&format!("Choose a date after the project&#39;s end now, {ends}."));
    let renewal = alice
        .client
        .post(
            "/quota-requests",
            &[("kind", "renewal"), ("ends_on", "2031-06-30"), ("reason", REASON)],
        )
        .await;
    let renewal = filed(&renewal);

    // The operators' queue; a tenant admin cannot decide what is theirs.
    let queue = operator.get("/operator/quota-requests").await;
    queue.assert_contains(&format!(r#"href="/operator/quota-requests/{more}""#));
    queue.assert_contains("(Now: 0 GPUs / 8 GPUs)");
    queue.assert_contains("end date 2031-06-30");
    operator
        .get("/notices")
        .await
        .assert_contains(&format!("alice Test filed quota request #{renewal} in MST110001."));
    let not_hers = alice
        .client
        .post(&format!("/quota-requests/{more}/decision"), &[("decision", "approve")])
        .await;
    assert_eq!(not_hers.status, StatusCode::FORBIDDEN);

    let approved = operator
        .post(
            &format!("/operator/quota-requests/{more}/decision"),
            &[("decision", "approve")],
        )
        .await;
    assert_eq!(approved.status, StatusCode::SEE_OTHER);
    assert_eq!(
        app.count("SELECT quota FROM project_quotas WHERE service = 'ccs' AND resource = 'gpu'")
            .await,
        16
    );
    let silent = operator
        .post(
            &format!("/operator/quota-requests/{renewal}/decision"),
            &[("decision", "decline")],
        )
        .await;
    assert_eq!(silent.status, StatusCode::UNPROCESSABLE_ENTITY);
    silent.assert_contains(r#"id="decision-comment-error""#);
    let declined = operator
        .post(
            &format!("/operator/quota-requests/{renewal}/decision"),
            &[("decision", "decline"), ("comment", "Renewals open in May")],
        )
        .await;
    assert_eq!(declined.status, StatusCode::SEE_OTHER);
    let ends: String = sqlx::query_scalar("SELECT ends_on FROM projects WHERE code = 'MST110001'")
        .fetch_one(app.db.read())
        .await
        .unwrap();
    assert_ne!(ends, "2031-06-30");

    let notices = alice.client.get("/notices").await;
    notices.assert_contains(&format!(
        "olivia Test approved your quota request #{more} in MST110001."
    ));
    notices.assert_contains(&format!(
        "olivia Test declined your quota request #{renewal} in MST110001."
    ));
    // Another renewal, approved for a changed date (with a comment).
    let again = alice
        .client
        .post(
            "/quota-requests",
            &[("kind", "renewal"), ("ends_on", "2031-06-30"), ("reason", REASON)],
        )
        .await;
    let again = filed(&again);
    let changed = operator
        .post(
            &format!("/operator/quota-requests/{again}/decision"),
            &[
                ("decision", "approve"),
                ("ends_on", "2030-12-31"),
                ("comment", "To the end of 2030"),
            ],
        )
        .await;
    assert_eq!(changed.status, StatusCode::SEE_OTHER);
    let ends: String = sqlx::query_scalar("SELECT ends_on FROM projects WHERE code = 'MST110001'")
        .fetch_one(app.db.read())
        .await
        .unwrap();
    assert_eq!(ends, "2030-12-31");
}

#[tokio::test]
async fn two_admins_deciding_at_once_make_exactly_one_decision() {
    let app = spawn_app().await;
    let (mut alice, mut bob) = lab(&app).await;
    let mut anna = app.member("anna", "MST110001", "tenant_admin").await;
    let id = filed(
        &bob.client
            .post(
                "/quota-requests",
                &[("kind", "member"), ("service", "ccs"), ("gpu", "4"), ("reason", REASON)],
            )
            .await,
    );
    let path = format!("/quota-requests/{id}/decision");
    let (first, second) = tokio::join!(
        alice.client.post(&path, &[("decision", "approve")]),
        anna.client
            .post(&path, &[("decision", "decline"), ("comment", "No GPUs left this term")]),
    );
    let mut statuses = [first.status, second.status];
    statuses.sort();
    assert_eq!(statuses, [StatusCode::SEE_OTHER, StatusCode::CONFLICT]);
    assert_eq!(
        app.count(&format!(
            "SELECT COUNT(*) FROM quota_request_events WHERE request_id = {id} AND event <> 'filed'"
        ))
        .await,
        1
    );
    let approved = app
        .count(&format!(
            "SELECT COUNT(*) FROM quota_requests WHERE id = {id} AND status = 'approved'"
        ))
        .await;
    assert_eq!(bob_gpu_quota(&app).await, if approved == 1 { 4 } else { 2 });
    assert_eq!(
        app.count("SELECT COUNT(*) FROM notices WHERE kind IN ('quota_request.approved', 'quota_request.declined')")
            .await,
        1
    );
}

#[tokio::test]
async fn nobody_else_sees_or_decides_a_request() {
    let app = spawn_app().await;
    let (_alice, mut bob) = lab(&app).await;
    let mut carl = app.member("carl", "MST110001", "tenant_user").await;
    let mut olga = app.member("olga", "MST220002", "tenant_admin").await;
    let id = filed(
        &bob.client
            .post(
                "/quota-requests",
                &[("kind", "member"), ("service", "ccs"), ("gpu", "4"), ("reason", REASON)],
            )
            .await,
    );
    // A tenant user cannot decide; another member does not see it.
    let decide = format!("/quota-requests/{id}/decision");
    assert_eq!(
        carl.client
            .post(&decide, &[("decision", "decline"), ("comment", "no")])
            .await
            .status,
        StatusCode::FORBIDDEN
    );
    assert_eq!(
        bob.client.post(&decide, &[("decision", "approve")]).await.status,
        StatusCode::FORBIDDEN
    );
    assert_eq!(
        carl.client.get(&format!("/quota-requests/{id}")).await.status,
        StatusCode::NOT_FOUND
    );
    assert_eq!(
        carl.client
            .post(&format!("/quota-requests/{id}/withdraw"), &[])
            .await
            .status,
        StatusCode::NOT_FOUND
    );
    assert!(
        !carl
            .client
            .get("/quota-requests")
            .await
            .body
            .contains(&format!("#{id}"))
    );
    // Another project's tenant admin: not visible, not decidable.
    assert_eq!(
        olga.client.get(&format!("/quota-requests/{id}")).await.status,
        StatusCode::NOT_FOUND
    );
    assert_eq!(
        olga.client.post(&decide, &[("decision", "approve")]).await.status,
        StatusCode::NOT_FOUND
    );
    assert!(
        !olga
            .client
            .get("/quota-requests")
            .await
            .body
            .contains(&format!("#{id}"))
    );
    let (_, olga_key) = app.key_for("MST220002", &olga.user, 30).await;
    let (status, _) = app
        .api_get(&format!("/api/v1/quota-requests/{id}"), Some(&olga_key))
        .await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    let (status, body) = api_post(
        &app,
        &format!("/api/v1/quota-requests/{id}/decision"),
        &olga_key,
        json!({"decision": "approve"}),
    )
    .await;
    assert_eq!(status, StatusCode::NOT_FOUND, "{body}");
    // Someone else's notice cannot be marked read.
    let notice = app.count("SELECT MIN(id) FROM notices").await;
    assert_eq!(
        carl.client.post(&format!("/notices/{notice}/read"), &[]).await.status,
        StatusCode::NOT_FOUND
    );
    assert_eq!(
        app.count("SELECT COUNT(*) FROM quota_requests WHERE status = 'open'")
            .await,
        1
    );
}

#[tokio::test]
async fn removing_the_requester_closes_their_open_request() {
    let app = spawn_app().await;
    let (mut alice, mut bob) = lab(&app).await;
    let id = filed(
        &bob.client
            .post(
                "/quota-requests",
                &[("kind", "member"), ("service", "ccs"), ("gpu", "4"), ("reason", REASON)],
            )
            .await,
    );
    let removed = alice
        .client
        .post(&format!("/account/members/{}/remove", bob.user.id), &[])
        .await;
    assert_eq!(removed.status, StatusCode::SEE_OTHER, "{}", removed.body);
    assert_eq!(
        app.count(&format!(
            "SELECT COUNT(*) FROM quota_requests WHERE id = {id} AND status = 'closed'"
        ))
        .await,
        1
    );
    let page = alice.client.get(&format!("/quota-requests/{id}")).await;
    page.assert_contains("Closed");
    page.assert_contains("The requester is no longer a member");
    // Bob, in no project now, is still told, and still sees his request.
    let notices = bob.client.get("/notices").await;
    notices.assert_contains(&format!("Your quota request #{id} in MST110001 was closed"));
    assert_eq!(
        bob.client.get(&format!("/quota-requests/{id}")).await.status,
        StatusCode::OK
    );
    // Marking read: one, then all.
    let notice = app
        .count("SELECT id FROM notices WHERE kind = 'quota_request.closed'")
        .await;
    let read = bob
        .client
        .post(&format!("/notices/{notice}/read"), &[("next", "/notices")])
        .await;
    assert_eq!(read.location(), Some("/notices"));
    assert_eq!(
        app.count("SELECT COUNT(*) FROM notices WHERE read_at IS NULL AND kind = 'quota_request.closed'")
            .await,
        0
    );
    assert!(
        alice
            .client
            .get("/account")
            .await
            .body
            .contains(r#"aria-label="Notices, 2 unread""#)
    );
    alice.client.get("/notices").await;
    let all = alice.client.post("/notices/read-all", &[]).await;
    assert_eq!(all.status, StatusCode::SEE_OTHER);
    alice
        .client
        .get("/notices")
        .await
        .assert_contains("2 notices marked read.");
    assert!(
        alice
            .client
            .get("/account")
            .await
            .body
            .contains(r#"aria-label="Notices, none unread""#)
    );
}

async fn api_post(app: &TestApp, path: &str, key: &str, body: Value) -> (StatusCode, Value) {
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

#[tokio::test]
async fn the_api_files_lists_reads_withdraws_and_decides() {
    let app = spawn_app().await;
    let (alice, bob) = lab(&app).await;
    let carl = app.member("carl", "MST110001", "tenant_user").await;
    let (_, bob_key) = app.key_for("MST110001", &bob.user, 30).await;
    let (_, carl_key) = app.key_for("MST110001", &carl.user, 30).await;
    let (_, alice_key) = app.key_for("MST110001", &alice.user, 30).await;
    let new = |gpu: Value| json!({"kind": "member", "service": "ccs", "resources": {"gpu": gpu}, "reason": REASON});

    let (status, body) = api_post(&app, "/api/v1/quota-requests", &bob_key, new(json!("many"))).await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(body["error"]["field"], "resources.gpu");
    let (status, body) = api_post(
        &app,
        "/api/v1/quota-requests",
        &bob_key,
        json!({"kind": "member", "service": "ccs", "resources": {"gpu": 4}, "reason": "x"}),
    )
    .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(body["error"]["field"], "reason");
    let (status, body) = api_post(
        &app,
        "/api/v1/quota-requests",
        &bob_key,
        json!({"kind": "project", "service": "ccs", "resources": {"gpu": 4}, "reason": REASON}),
    )
    .await;
    assert_eq!(status, StatusCode::FORBIDDEN, "{body}");

    let (status, body) = api_post(&app, "/api/v1/quota-requests", &bob_key, new(json!(4))).await;
    assert_eq!(status, StatusCode::CREATED, "{body}");
    let id = body["id"].as_i64().unwrap();
    assert_eq!(body["status"], "open");
    assert_eq!(body["resources"]["gpu"]["asked"], 4);
    assert_eq!(body["history"][0]["event"], "filed");
    let (status, body) = api_post(&app, "/api/v1/quota-requests", &bob_key, new(json!(5))).await;
    assert_eq!(status, StatusCode::CONFLICT);
    assert_eq!(body["error"]["code"], "request_already_open");
    assert_eq!(body["error"]["details"]["id"], id);
    let (status, body) = api_post(&app, "/api/v1/quota-requests", &carl_key, new(json!(3))).await;
    assert_eq!(status, StatusCode::CREATED);
    let carls = body["id"].as_i64().unwrap();

    // A tenant user sees their own; a tenant admin, the project's.
    let (_, list) = app.api_get("/api/v1/quota-requests", Some(&bob_key)).await;
    assert_eq!(list["requests"].as_array().unwrap().len(), 1);
    let (_, list) = app
        .api_get("/api/v1/quota-requests?status=open", Some(&alice_key))
        .await;
    assert_eq!(list["requests"].as_array().unwrap().len(), 2);
    let (status, _) = app
        .api_get("/api/v1/quota-requests?status=maybe", Some(&alice_key))
        .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    let (status, _) = app
        .api_get(&format!("/api/v1/quota-requests/{carls}"), Some(&bob_key))
        .await;
    assert_eq!(status, StatusCode::NOT_FOUND);

    // Only a tenant admin's key decides; the same rules as the portal.
    let decide = format!("/api/v1/quota-requests/{id}/decision");
    let (status, _) = api_post(&app, &decide, &bob_key, json!({"decision": "approve"})).await;
    assert_eq!(status, StatusCode::FORBIDDEN);
    let (status, body) = api_post(
        &app,
        &decide,
        &alice_key,
        json!({"decision": "approve", "resources": {"gpu": 9}, "comment": "all"}),
    )
    .await;
    assert_eq!(status, StatusCode::CONFLICT);
    assert_eq!(body["error"]["code"], "above_project_quota", "{body}");
    assert_eq!(body["error"]["details"]["field"], "resources.gpu", "{body}");
    let (status, body) = api_post(&app, &decide, &alice_key, json!({"decision": "decline"})).await;
    assert_eq!(status, StatusCode::CONFLICT);
    assert_eq!(body["error"]["code"], "comment_required", "{body}");
    assert_eq!(body["error"]["details"]["field"], "comment");
    let (status, body) = api_post(&app, &decide, &alice_key, json!({"decision": "approve"})).await;
    assert_eq!(status, StatusCode::OK, "{body}");
    assert_eq!(body["status"], "approved");
    assert_eq!(body["resources"]["gpu"]["granted"], 4);
    assert_eq!(body["decided_by"], "alice Test");
    assert_eq!(bob_gpu_quota(&app).await, 4);
    let (status, body) = api_post(
        &app,
        &decide,
        &alice_key,
        json!({"decision": "decline", "comment": "changed my mind"}),
    )
    .await;
    assert_eq!(status, StatusCode::CONFLICT);
    assert_eq!(body["error"]["code"], "request_not_open");

    // Withdrawing: one's own open request only.
    let (status, _) = api_post(
        &app,
        &format!("/api/v1/quota-requests/{id}/withdraw"),
        &bob_key,
        json!({}),
    )
    .await;
    assert_eq!(status, StatusCode::CONFLICT);
    let (status, _) = api_post(
        &app,
        &format!("/api/v1/quota-requests/{carls}/withdraw"),
        &alice_key,
        json!({}),
    )
    .await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    let (status, body) = api_post(
        &app,
        &format!("/api/v1/quota-requests/{carls}/withdraw"),
        &carl_key,
        json!({}),
    )
    .await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(body["status"], "withdrawn");
    let (_, one) = app
        .api_get(&format!("/api/v1/quota-requests/{carls}"), Some(&carl_key))
        .await;
    let events: Vec<&str> = one["history"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["event"].as_str().unwrap())
        .collect();
    assert_eq!(events, ["filed", "withdrawn"]);

    // A tenant admin's key asks the operators for a later end date.
    let (status, body) = api_post(
        &app,
        "/api/v1/quota-requests",
        &alice_key,
        json!({"kind": "renewal", "ends_on": "2001-01-01", "reason": REASON}),
    )
    .await;
    assert_eq!(status, StatusCode::CONFLICT);
    assert_eq!(body["error"]["code"], "date_not_ahead");
    assert_eq!(body["error"]["details"]["field"], "ends_on");
    let (status, body) = api_post(
        &app,
        "/api/v1/quota-requests",
        &alice_key,
        json!({"kind": "renewal", "ends_on": "2035-01-31", "reason": REASON}),
    )
    .await;
    assert_eq!(status, StatusCode::CREATED, "{body}");
    assert_eq!(body["kind"], "renewal");
    assert_eq!(body["ends_on"], "2035-01-31");
    let renewal = body["id"].as_i64().unwrap();
    let (status, _) = api_post(
        &app,
        &format!("/api/v1/quota-requests/{renewal}/decision"),
        &alice_key,
        json!({"decision": "approve"}),
    )
    .await;
    assert_eq!(status, StatusCode::FORBIDDEN, "the operators decide renewals");

    // In the OpenAPI document.
    let (_, document) = app.api_get("/api/v1/openapi.json", None).await;
    for path in [
        "/api/v1/quota-requests",
        "/api/v1/quota-requests/{id}",
        "/api/v1/quota-requests/{id}/withdraw",
        "/api/v1/quota-requests/{id}/decision",
    ] {
        assert!(document["paths"][path].is_object(), "{path} not documented");
    }
    assert!(document["paths"]["/api/v1/quota-requests"]["post"].is_object());
}

#[tokio::test(flavor = "multi_thread")] // the test blocks on a child process; the server runs meanwhile
async fn operators_decide_from_the_command_line() {
    let app = spawn_app().await;
    let (mut alice, _bob) = lab(&app).await;
    app.create_user("olivia", PlatformRole::Operator).await;
    let id = filed(
        &alice
            .client
            .post(
                "/quota-requests",
                &[
                    ("kind", "project"),
                    ("service", "ccs"),
                    ("gpu", "12"),
                    ("reason", REASON),
                ],
            )
            .await,
    );
    let db = &app.scratch.location;
    let (ok, out, err) = crate::cli::member_center(db, &["quota-request", "list", "--status", "open"], None);
    assert!(ok, "{err}");
    assert!(
        out.contains(&format!("#{id}\topen\tMST110001\talice\tproject\tccs\tgpu=12")),
        "{out}"
    );
    let (ok, _, err) = crate::cli::member_center(
        db,
        &["quota-request", "approve", &id.to_string(), "--as", "alice"],
        None,
    );
    assert!(!ok);
    assert!(err.contains("not an operator"), "{err}");
    let (ok, _, err) = crate::cli::member_center(
        db,
        &[
            "quota-request",
            "approve",
            &id.to_string(),
            "--as",
            "olivia",
            "--gpu",
            "10",
        ],
        None,
    );
    assert!(!ok);
    assert!(err.contains("comment"), "{err}");
    let (ok, out, err) = crate::cli::member_center(
        db,
        &[
            "quota-request",
            "approve",
            &id.to_string(),
            "--as",
            "olivia",
            "--gpu",
            "10",
            "--comment",
            "Ten for now",
        ],
        None,
    );
    assert!(ok, "{err}");
    assert!(out.contains("approved"), "{out}");
    assert_eq!(
        app.count("SELECT quota FROM project_quotas WHERE service = 'ccs' AND resource = 'gpu'")
            .await,
        10
    );
    let (ok, _, err) = crate::cli::member_center(
        db,
        &[
            "quota-request",
            "decline",
            &id.to_string(),
            "--as",
            "olivia",
            "--comment",
            "again",
        ],
        None,
    );
    assert!(!ok);
    assert!(err.contains("no longer open"), "{err}");
}
