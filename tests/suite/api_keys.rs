//! API keys: the page, its dialogs, and the key-authenticated JSON API.

use crate::common::{Page, spawn_app, spawn_app_with};
use reqwest::StatusCode;

const DAY: i64 = 86_400;

/// The secret shown in a "created" response.
fn secret_in(page: &Page) -> String {
    let start =
        page.body.find("id=\"new-secret\" value=\"").expect("secret field") + "id=\"new-secret\" value=\"".len();
    page.body[start..start + 36].to_string()
}

fn key_ids(page: &Page) -> Vec<String> {
    page.body
        .split("name=\"key\" value=\"")
        .skip(1)
        .map(|rest| rest.split('"').next().unwrap().to_string())
        .collect()
}

async fn now_in_db(app: &crate::common::TestApp) -> i64 {
    let _ = app;
    time::OffsetDateTime::now_utc().unix_timestamp()
}

#[tokio::test]
async fn creating_a_key_shows_the_secret_exactly_once() {
    let app = spawn_app().await;
    let mut alice = app.member("alice", "MST110001", "tenant_admin").await;

    let dialog = alice.client.get_with("/keys/new", &[("HX-Request", "true")]).await;
    dialog.assert_contains("Create API Key");
    dialog.assert_contains("name=\"days\" value=\"30\"");

    // Post/Redirect/Get: the POST makes the key and sends the browser to
    // the list, which shows the secret this once, the key's name beside it.
    let created = alice
        .client
        .post("/keys", &[("name", "ci deploy"), ("days", "30")])
        .await;
    assert_eq!(created.status, StatusCode::SEE_OTHER);
    assert_eq!(created.location(), Some("/keys"));
    assert!(!created.body.contains("new-secret"));
    let shown = alice.client.get("/keys").await;
    assert_eq!(shown.headers.get("cache-control").unwrap(), "no-store");
    shown.assert_contains("It will not be shown again.");
    shown.assert_contains("The secret of “ci deploy”");
    let secret = secret_in(&shown);
    assert!(
        uuid::Uuid::parse_str(&secret).is_ok_and(|u| u.get_version_num() == 4),
        "{secret}"
    );
    assert_eq!(app.count("SELECT COUNT(*) FROM api_keys").await, 1);

    // Afterwards only the first 8 characters, anywhere: a reload of the
    // list shows no secret and makes no key.
    let list = alice.client.get("/keys").await;
    assert_eq!(app.count("SELECT COUNT(*) FROM api_keys").await, 1);
    list.assert_contains(&format!("{}…", &secret[..8]));
    list.assert_contains("ci deploy");
    let key_id = key_ids(&list).pop().unwrap();
    let mut elsewhere = vec![list.body.clone()];
    elsewhere.push(alice.client.get(&format!("/keys/{key_id}/edit")).await.body);
    elsewhere.push(alice.client.get(&format!("/keys/delete?key={key_id}")).await.body);
    elsewhere.push(app.api_get("/api/v1/keys", Some(&secret)).await.1.to_string());
    elsewhere.push(app.api_get("/api/v1/whoami", Some(&secret)).await.1.to_string());
    for body in elsewhere {
        assert!(!body.contains(&secret), "the secret was shown again");
    }
    // Nor is it stored anywhere in the clear.
    let hits = app
        .count(&format!(
            "SELECT (SELECT COUNT(*) FROM api_keys WHERE name LIKE '%{secret}%' OR secret_prefix = '{secret}')
                  + (SELECT COUNT(*) FROM change_activity WHERE before LIKE '%{secret}%' OR after LIKE '%{secret}%' OR target LIKE '%{secret}%')
                  + (SELECT COUNT(*) FROM api_calls WHERE key_id LIKE '%{secret}%' OR client LIKE '%{secret}%')
                  + (SELECT COUNT(*) FROM api_usage WHERE key_id LIKE '%{secret}%')"
        ))
        .await;
    assert_eq!(hits, 0);
}

#[tokio::test]
async fn with_htmx_the_list_with_the_secret_takes_the_pages_place() {
    let app = spawn_app().await;
    let mut alice = app.member("alice", "MST110001", "tenant_admin").await;
    let token = alice.client.csrf.clone();
    let page = alice
        .client
        .post_raw(
            "/keys",
            &[("name", "x"), ("days", "10")],
            &[("HX-Request", "true"), ("x-csrf-token", &token)],
        )
        .await;
    assert_eq!(page.status, StatusCode::OK);
    assert!(!page.body.contains("<html"));
    assert_eq!(page.headers.get("hx-retarget").unwrap(), "#main");
    assert_eq!(page.headers.get("hx-push-url").unwrap(), "/keys");
    assert_eq!(page.headers.get("hx-trigger").unwrap(), "close-dialog");
    page.assert_contains("id=\"keys-list\"");
    page.assert_contains("data-copy=\"new-secret\"");
    page.assert_contains("data-reveal=\"new-secret\"");
    // The address it leaves is the list's: loading it again makes nothing.
    let list = alice.client.get("/keys").await;
    assert!(!list.body.contains("new-secret"));
    assert_eq!(app.count("SELECT COUNT(*) FROM api_keys").await, 1);
}

#[tokio::test]
async fn the_list_shows_every_column_newest_first_and_pages_past_fifty() {
    let app = spawn_app_with(|config| config.max_keys = 60).await;
    let mut alice = app.member("alice", "MST110001", "tenant_admin").await;
    for n in 0..51 {
        app.key_for("MST110001", &alice.user, 30).await;
        sqlx::query("UPDATE api_keys SET created_at = created_at - $1 WHERE id = (SELECT MAX(id) FROM api_keys)")
            .bind(1000 - n)
            .execute(app.db.read())
            .await
            .unwrap();
    }
    let first = alice.client.get("/keys").await;
    for heading in [
        "Key ID",
        "Name",
        "Key",
        "Project",
        "Created",
        "Expires",
        "Status",
        "Last used",
    ] {
        first.assert_contains(&format!("<th scope=\"col\">{heading}</th>"));
    }
    first.assert_contains("Never");
    first.assert_contains("MST110001");
    first.assert_contains("Asia/Taipei");
    first.assert_contains("51 keys");
    assert_eq!(key_ids(&first).len(), 50);
    let newest: String = sqlx::query_scalar("SELECT key_id FROM api_keys ORDER BY created_at DESC LIMIT 1")
        .fetch_one(app.db.read())
        .await
        .unwrap();
    assert_eq!(key_ids(&first)[0], newest);
    let second = alice.client.get("/keys?page=2").await;
    assert_eq!(key_ids(&second).len(), 1);
    // Past the last page: the last page, not "You have no API key".
    let past = alice.client.get("/keys?page=9").await;
    assert_eq!(key_ids(&past), key_ids(&second));
    assert!(!past.body.contains("You have no API keys"));
    // With no key at all, the list says so.
    let mut bob = app.member("bob", "MST110001", "tenant_user").await;
    bob.client
        .get("/keys?page=3")
        .await
        .assert_contains("You have no API keys");
}

#[tokio::test]
async fn bad_create_input_gets_a_message_and_creates_nothing() {
    let app = spawn_app().await;
    let mut alice = app.member("alice", "MST110001", "tenant_admin").await;
    let long_name = "n".repeat(65);
    let cases = [
        (long_name.as_str(), "30", "at most 64 characters"),
        ("ok", "0", "whole number of days from 1 to 365"),
        ("ok", "-1", "whole number of days from 1 to 365"),
        ("ok", "366", "whole number of days from 1 to 365"),
        ("ok", "1e9", "whole number of days from 1 to 365"),
        ("ok", "abc", "whole number of days from 1 to 365"),
        ("ok", "", "whole number of days from 1 to 365"),
    ];
    for (name, days, message) in cases {
        let page = alice.client.post("/keys", &[("name", name), ("days", days)]).await;
        assert_eq!(page.status, StatusCode::UNPROCESSABLE_ENTITY, "{name:?} {days:?}");
        page.assert_contains(message);
        page.assert_contains("aria-invalid=\"true\"");
    }
    // A body that is not a form at all.
    let page = alice.client.post_raw("/keys", &[], &[]).await;
    assert_eq!(page.status, StatusCode::FORBIDDEN);
    assert_eq!(app.count("SELECT COUNT(*) FROM api_keys").await, 0);
}

#[tokio::test]
async fn the_twenty_first_key_is_refused() {
    let app = spawn_app().await;
    let mut alice = app.member("alice", "MST110001", "tenant_admin").await;
    for _ in 0..20 {
        app.key_for("MST110001", &alice.user, 30).await;
    }
    let page = alice.client.post("/keys", &[("name", ""), ("days", "30")]).await;
    assert_eq!(page.status, StatusCode::UNPROCESSABLE_ENTITY);
    page.assert_contains("You already hold 20 keys in this project, the most allowed.");
    assert_eq!(app.count("SELECT COUNT(*) FROM api_keys").await, 20);
}

#[tokio::test]
async fn renaming_and_extending_a_key() {
    let app = spawn_app().await;
    let mut alice = app.member("alice", "MST110001", "tenant_admin").await;
    let (key_id, _) = app.key_for("MST110001", &alice.user, 30).await;
    let expires = |app: &crate::common::TestApp, key_id: String| {
        let db = app.db.clone();
        async move {
            sqlx::query_scalar::<_, i64>("SELECT expires_at FROM api_keys WHERE key_id = $1")
                .bind(key_id)
                .fetch_one(db.read())
                .await
                .unwrap()
        }
    };
    let before = expires(&app, key_id.clone()).await;

    let page = alice
        .client
        .post(&format!("/keys/{key_id}"), &[("name", "renamed"), ("extend_days", "")])
        .await;
    assert_eq!(page.status, StatusCode::SEE_OTHER);
    let list = alice.client.get("/keys").await;
    list.assert_contains("renamed");
    list.assert_contains(&format!("Key {key_id} saved."));
    assert_eq!(expires(&app, key_id.clone()).await, before);

    let page = alice
        .client
        .post(
            &format!("/keys/{key_id}"),
            &[("name", "renamed"), ("extend_days", "10")],
        )
        .await;
    assert_eq!(page.status, StatusCode::SEE_OTHER);
    assert_eq!(expires(&app, key_id.clone()).await, before + 10 * DAY);

    for bad in ["0", "-1", "366", "1e9", "abc", ""] {
        let page = alice
            .client
            .post(&format!("/keys/{key_id}"), &[("name", "renamed"), ("extend_days", bad)])
            .await;
        assert_eq!(page.status, StatusCode::UNPROCESSABLE_ENTITY, "{bad:?}");
        page.assert_contains("Enter a whole number of days from 1 to 365.");
    }
    let page = alice
        .client
        .post(
            &format!("/keys/{key_id}"),
            &[("name", &"x".repeat(65)), ("extend_days", "1")],
        )
        .await;
    assert_eq!(page.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(expires(&app, key_id.clone()).await, before + 10 * DAY);

    // Never past the maximum lifetime from now; the message names the date.
    let page = alice
        .client
        .post(
            &format!("/keys/{key_id}"),
            &[("name", "renamed"), ("extend_days", "365")],
        )
        .await;
    assert_eq!(page.status, StatusCode::UNPROCESSABLE_ENTITY);
    page.assert_contains("A key may be valid for at most 365 days from now, until ");
    page.assert_contains("Asia/Taipei.");
    assert_eq!(expires(&app, key_id.clone()).await, before + 10 * DAY);

    let actions: Vec<String> = sqlx::query_scalar("SELECT action FROM change_activity WHERE target = $1 ORDER BY id")
        .bind(&key_id)
        .fetch_all(app.db.read())
        .await
        .unwrap();
    assert_eq!(actions, ["key.create", "key.rename", "key.extend"]);
}

#[tokio::test]
async fn an_expired_key_is_refused_until_extended_from_now() {
    let app = spawn_app().await;
    let mut alice = app.member("alice", "MST110001", "tenant_admin").await;
    let (key_id, secret) = app.key_for("MST110001", &alice.user, 30).await;
    let past = now_in_db(&app).await - DAY;
    sqlx::query("UPDATE api_keys SET expires_at = $1")
        .bind(past)
        .execute(app.db.read())
        .await
        .unwrap();

    let (status, body) = app.api_get("/api/v1/whoami", Some(&secret)).await;
    assert_eq!(status, StatusCode::UNAUTHORIZED);
    assert_eq!(body["error"]["code"], "expired_key");
    let list = alice.client.get("/keys").await;
    list.assert_contains(">Expired</span>");

    let page = alice
        .client
        .post(
            &format!("/keys/{key_id}"),
            &[("name", "test key"), ("extend_days", "2")],
        )
        .await;
    assert_eq!(page.status, StatusCode::SEE_OTHER);
    let expires: i64 = sqlx::query_scalar("SELECT expires_at FROM api_keys")
        .fetch_one(app.db.read())
        .await
        .unwrap();
    assert!(
        expires >= now_in_db(&app).await + 2 * DAY - 5,
        "extended from now, not from the old expiry"
    );
    let (status, _) = app.api_get("/api/v1/whoami", Some(&secret)).await;
    assert_eq!(status, StatusCode::OK);
}

#[tokio::test]
async fn deleting_exactly_the_selected_keys() {
    let app = spawn_app().await;
    let mut alice = app.member("alice", "MST110001", "tenant_admin").await;
    let (first, first_secret) = app.key_for("MST110001", &alice.user, 30).await;
    let (second, _) = app.key_for("MST110001", &alice.user, 30).await;
    let (kept, kept_secret) = app.key_for("MST110001", &alice.user, 30).await;

    let dialog = alice
        .client
        .get(&format!("/keys/delete?key={first}&key={second}"))
        .await;
    dialog.assert_contains("These 2 keys will be deleted:");
    dialog.assert_contains("Deletion cannot be undone.");
    dialog.assert_contains(&first);
    assert!(!dialog.body.contains(&kept));

    let page = alice
        .client
        .post("/keys/delete", &[("key", &first), ("key", &second)])
        .await;
    assert_eq!(page.status, StatusCode::SEE_OTHER);
    let list = alice.client.get("/keys").await;
    list.assert_contains("2 keys deleted.");
    assert_eq!(key_ids(&list), vec![kept.clone()]);

    let (status, body) = app.api_get("/api/v1/whoami", Some(&first_secret)).await;
    assert_eq!(status, StatusCode::UNAUTHORIZED);
    assert_eq!(body["error"]["code"], "invalid_key");
    assert_eq!(
        app.api_get("/api/v1/whoami", Some(&kept_secret)).await.0,
        StatusCode::OK
    );

    // Delete with nothing ticked: without JavaScript, back to the list
    // with the message; with htmx, a 400 the page shows as a toast.
    for post in [true, false] {
        let attempt = if post {
            alice.client.post("/keys/delete", &[]).await
        } else {
            alice.client.get("/keys/delete").await
        };
        assert_eq!(attempt.status, StatusCode::SEE_OTHER);
        assert_eq!(attempt.location(), Some("/keys"));
        let list = alice.client.get("/keys").await;
        list.assert_contains("Select at least one key first.");
        assert_eq!(key_ids(&list), vec![kept.clone()]);
    }
    let toast = alice.client.get_with("/keys/delete", &[("HX-Request", "true")]).await;
    assert_eq!(toast.status, StatusCode::BAD_REQUEST);
    toast.assert_contains("Select at least one key first.");
}

#[tokio::test]
async fn the_list_filters_by_status_and_sorts_keeping_both_across_pages() {
    let app = spawn_app_with(|config| config.max_keys = 80).await;
    let mut alice = app.member("alice", "MST110001", "tenant_admin").await;
    let now = now_in_db(&app).await;
    // Made in this order: a long-lived key used an hour ago, one expiring in
    // two days and never used, one expired, one revoked, and 52 more active.
    let (used, _) = app.key_for("MST110001", &alice.user, 300).await;
    let (soon, _) = app.key_for("MST110001", &alice.user, 2).await;
    let (expired, _) = app.key_for("MST110001", &alice.user, 30).await;
    let (revoked, _) = app.key_for("MST110001", &alice.user, 30).await;
    for (key, sql, value) in [
        (
            &used,
            "UPDATE api_keys SET last_used_at = $1 WHERE key_id = $2",
            now - 3600,
        ),
        (
            &expired,
            "UPDATE api_keys SET expires_at = $1 WHERE key_id = $2",
            now - 60,
        ),
        (
            &revoked,
            "UPDATE api_keys SET revoked_at = $1 WHERE key_id = $2",
            now - 60,
        ),
    ] {
        sqlx::query(sql)
            .bind(value)
            .bind(key)
            .execute(app.db.read())
            .await
            .unwrap();
    }
    for n in 0..52 {
        app.key_for("MST110001", &alice.user, 30).await;
        sqlx::query("UPDATE api_keys SET created_at = created_at + $1 WHERE id = (SELECT MAX(id) FROM api_keys)")
            .bind(n + 1)
            .execute(app.db.read())
            .await
            .unwrap();
    }

    let page = alice.client.get("/keys").await;
    page.assert_contains("<option value=\"all\" selected>All keys</option>");
    page.assert_contains("<option value=\"created\" selected>Newest first</option>");
    page.assert_contains("data-select-all=\"key\"");
    let only = |status: &str| format!("/keys?status={status}");
    assert_eq!(
        key_ids(&alice.client.get(&only("expires_soon")).await),
        vec![soon.clone()]
    );
    assert_eq!(
        key_ids(&alice.client.get(&only("expired")).await),
        vec![expired.clone()]
    );
    assert_eq!(
        key_ids(&alice.client.get(&only("revoked")).await),
        vec![revoked.clone()]
    );
    let active = alice.client.get(&only("active")).await;
    active.assert_contains("<option value=\"active\" selected>Active</option>");
    assert_eq!(key_ids(&active).len(), 50);
    assert!(![&soon, &expired, &revoked].iter().any(|k| key_ids(&active).contains(k)));
    // The pager keeps the filter and the order.
    active.assert_contains("href=\"/keys?status=active&#38;sort=created&#38;page=2\"");
    let rest = alice.client.get("/keys?page=2&status=active&sort=created").await;
    assert_eq!(key_ids(&rest).len(), 3, "53 active: 50 on page 1, 3 on page 2");
    assert_eq!(key_ids(&rest).last(), Some(&used), "the oldest last");

    let by_use = alice.client.get("/keys?sort=last_used").await;
    assert_eq!(key_ids(&by_use)[0], used, "the only used key comes first");
    let by_expiry = alice.client.get("/keys?sort=expires").await;
    assert_eq!(key_ids(&by_expiry)[..2], [expired.clone(), soon.clone()]);

    // Nothing matching says so; a made-up filter is a 400, not a guess.
    sqlx::query("UPDATE api_keys SET revoked_at = NULL")
        .execute(app.db.read())
        .await
        .unwrap();
    app.db.generation().advance(); // the portal does this; raw SQL does not
    let none = alice.client.get(&only("revoked")).await;
    none.assert_contains("No keys match this filter.");
    assert_eq!(alice.client.get(&only("lost")).await.status, StatusCode::BAD_REQUEST);
}

#[tokio::test]
async fn nobody_else_can_touch_a_persons_keys_even_with_the_right_ids() {
    let app = spawn_app().await;
    let mut bob = app.member("bob", "MST110001", "tenant_user").await;
    let mut admin = app.member("alice", "MST110001", "tenant_admin").await;
    let mut stranger = app.member("eve", "MST110009", "tenant_admin").await;
    let (bobs_key, _) = app.key_for("MST110001", &bob.user, 30).await;
    let (own_key, _) = app.key_for("MST110001", &admin.user, 30).await;

    for other in [&mut admin.client, &mut stranger.client] {
        let list = other.get("/keys").await;
        assert!(!list.body.contains(&bobs_key));
        assert_eq!(
            other.get(&format!("/keys/{bobs_key}/edit")).await.status,
            StatusCode::NOT_FOUND
        );
        assert_eq!(
            other.get(&format!("/keys/delete?key={bobs_key}")).await.status,
            StatusCode::NOT_FOUND
        );
        let page = other
            .post(
                &format!("/keys/{bobs_key}"),
                &[("name", "hijacked"), ("extend_days", "5")],
            )
            .await;
        assert_eq!(page.status, StatusCode::NOT_FOUND);
        let page = other.post("/keys/delete", &[("key", &bobs_key)]).await;
        assert_eq!(page.status, StatusCode::NOT_FOUND);
    }
    // Mixed with one's own key, nothing at all is deleted.
    let page = admin
        .client
        .post("/keys/delete", &[("key", &own_key), ("key", &bobs_key)])
        .await;
    assert_eq!(page.status, StatusCode::NOT_FOUND);
    assert_eq!(app.count("SELECT COUNT(*) FROM api_keys").await, 2);
    let name: String = sqlx::query_scalar("SELECT name FROM api_keys WHERE key_id = $1")
        .bind(&bobs_key)
        .fetch_one(app.db.read())
        .await
        .unwrap();
    assert_eq!(name, "test key");
    bob.client.get("/keys").await.assert_contains(&bobs_key);
}

#[tokio::test]
async fn keys_belong_to_their_project() {
    let app = spawn_app().await;
    let mut alice = app.member("alice", "MST110001", "tenant_admin").await;
    app.create_project("MST110002", "Climate Sim").await;
    app.add_member("MST110002", &alice.user, "tenant_user").await;
    let (a_key, a_secret) = app.key_for("MST110001", &alice.user, 30).await;

    alice.client.post("/projects/switch", &[("project", "MST110002")]).await;
    let list = alice.client.get("/keys").await;
    assert!(!list.body.contains(&a_key));
    list.assert_contains("You have no API keys in this project yet.");
    assert_eq!(
        alice.client.get(&format!("/keys/{a_key}/edit")).await.status,
        StatusCode::NOT_FOUND
    );
    assert_eq!(
        alice.client.post("/keys/delete", &[("key", &a_key)]).await.status,
        StatusCode::NOT_FOUND
    );

    // A key works only in its own project.
    let (_, body) = app.api_get("/api/v1/whoami", Some(&a_secret)).await;
    assert_eq!(body["project"]["code"], "MST110001");
    alice.client.post("/keys", &[("name", "b"), ("days", "5")]).await;
    let b_secret = secret_in(&alice.client.get("/keys").await);
    let (_, body) = app.api_get("/api/v1/keys", Some(&b_secret)).await;
    let projects: Vec<&str> = body["keys"]
        .as_array()
        .unwrap()
        .iter()
        .map(|k| k["project"].as_str().unwrap())
        .collect();
    assert_eq!(projects, ["MST110002"]);
}

#[tokio::test]
async fn the_api_tells_which_key_problem_it_is() {
    let app = spawn_app().await;
    let alice = app.member("alice", "MST110001", "tenant_admin").await;
    let (_, secret) = app.key_for("MST110001", &alice.user, 30).await;

    let (status, body) = app.api_get("/api/v1/whoami", None).await;
    assert_eq!(
        (status, body["error"]["code"].as_str()),
        (StatusCode::UNAUTHORIZED, Some("missing_key"))
    );
    let (status, body) = app
        .api_get("/api/v1/whoami", Some("00000000-0000-4000-8000-000000000000"))
        .await;
    assert_eq!(
        (status, body["error"]["code"].as_str()),
        (StatusCode::UNAUTHORIZED, Some("invalid_key"))
    );
    assert!(body["error"]["message"].as_str().unwrap().contains("invalid"));

    let (status, body) = app.api_get("/api/v1/whoami", Some(&secret)).await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(body["account"]["username"], "alice");
    assert_eq!(body["account"]["email"], "alice@example.org");
    assert_eq!(body["project"]["code"], "MST110001");
    assert_eq!(body["role"], "tenant_admin");
    assert_eq!(body["key"]["name"], "test key");
    assert_eq!(
        body["services"],
        serde_json::json!(["ccs", "vcs", "hpc", "cos", "registry"])
    );

    member_center::accounts::store::set_locked(&app.db, alice.user.id, true)
        .await
        .unwrap();
    let (status, body) = app.api_get("/api/v1/whoami", Some(&secret)).await;
    assert_eq!(
        (status, body["error"]["code"].as_str()),
        (StatusCode::UNAUTHORIZED, Some("key_disabled"))
    );
    member_center::accounts::store::set_locked(&app.db, alice.user.id, false)
        .await
        .unwrap();

    sqlx::query("DELETE FROM memberships")
        .execute(app.db.read())
        .await
        .unwrap();
    let (status, body) = app.api_get("/api/v1/whoami", Some(&secret)).await;
    assert_eq!(
        (status, body["error"]["code"].as_str()),
        (StatusCode::UNAUTHORIZED, Some("key_disabled"))
    );
}

#[tokio::test]
async fn api_calls_update_last_used_and_the_activity_log_and_none_is_lost_at_shutdown() {
    let scratch = crate::common::Scratch::new().await;
    let db = member_center::db::open(&scratch.location).await.unwrap();
    let config = crate::common::test_config(&scratch);
    let app = member_center::Application::build_with_db(config, db.clone())
        .await
        .unwrap();
    let base = format!("http://127.0.0.1:{}", app.port());
    let handle = app.handle();
    let running = tokio::spawn(app.run_until_stopped());

    member_center::operator::service::create_account(
        &db,
        member_center::operator::service::Actor::CommandLine,
        "alice",
        "a@example.org",
        None,
        None,
        "a one-time password",
    )
    .await
    .unwrap();
    member_center::operator::service::create_project(&db, None, "MST110001", "Lab", None, None)
        .await
        .unwrap();
    member_center::operator::service::add_member(&db, None, "MST110001", "alice", "tenant_admin")
        .await
        .unwrap();
    let key = member_center::operator::service::create_key(&db, "MST110001", "alice", 30, None)
        .await
        .unwrap();

    let client = reqwest::Client::new();
    for n in 0..40 {
        let path = if n % 2 == 0 { "/api/v1/whoami" } else { "/api/v1/keys" };
        let response = client
            .get(format!("{base}{path}"))
            .header("x-api-key", &key.secret)
            .send()
            .await
            .unwrap();
        assert_eq!(response.status(), StatusCode::OK);
    }
    handle.stop(true).await;
    running.await.unwrap().unwrap();
    // Read with a pool of the test's own: on PostgreSQL the server's pool
    // holds connections its request workers made, and they stopped with it.
    let db = member_center::db::open(&scratch.location).await.unwrap();

    let rows: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM api_calls WHERE key_id = $1 AND status = 200")
        .bind(&key.key_id)
        .fetch_one(db.read())
        .await
        .unwrap();
    assert_eq!(rows, 40);
    let (method, route, client): (i64, i64, String) =
        sqlx::query_as("SELECT method, route, client FROM api_calls ORDER BY id LIMIT 1")
            .fetch_one(db.read())
            .await
            .unwrap();
    use member_center::activity::calls::{METHODS, ROUTES, name_of};
    assert_eq!(
        (name_of(&METHODS, method), name_of(&ROUTES, route), client.as_str()),
        ("GET", "/api/v1/whoami", "127.0.0.1")
    );
    // Every call is in the hourly sums too, in the same transaction.
    let summed: i64 =
        sqlx::query_scalar("SELECT CAST(SUM(calls) AS BIGINT) FROM api_usage WHERE key_id = $1 AND span = 3600")
            .bind(&key.key_id)
            .fetch_one(db.read())
            .await
            .unwrap();
    assert_eq!(summed, 40);
    let last_used: Option<i64> = sqlx::query_scalar("SELECT last_used_at FROM api_keys")
        .fetch_one(db.read())
        .await
        .unwrap();
    assert!(last_used.is_some());
}

#[tokio::test]
async fn the_last_used_time_appears_on_the_page() {
    let app = spawn_app().await;
    let mut alice = app.member("alice", "MST110001", "tenant_admin").await;
    let (_, secret) = app.key_for("MST110001", &alice.user, 30).await;
    app.api_get("/api/v1/whoami", Some(&secret)).await;
    // Written off the request path: wait (bounded) for the writer.
    let mut used = false;
    for _ in 0..100 {
        if app
            .count("SELECT COUNT(*) FROM api_keys WHERE last_used_at IS NOT NULL")
            .await
            == 1
        {
            used = true;
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(50)).await;
    }
    assert!(used, "last-used time was never written");
    let list = alice.client.get("/keys").await;
    assert!(!list.body.contains(">Never<"));
    list.assert_contains(">just now</time>");
}

#[tokio::test]
async fn times_are_compact_in_time_elements_with_the_zone_named_once() {
    let app = spawn_app().await;
    let mut alice = app.member("alice", "MST110001", "tenant_admin").await;
    let (key_id, _) = app.key_for("MST110001", &alice.user, 30).await;
    let now = now_in_db(&app).await;
    // Used three hours ago; made 2026-11-29 08:00 UTC (16:00 in Taipei).
    sqlx::query("UPDATE api_keys SET last_used_at = $1, created_at = 1795939200 WHERE key_id = $2")
        .bind(now - 3 * 3600 - 30)
        .bind(&key_id)
        .execute(app.db.read())
        .await
        .unwrap();
    let page = alice.client.get("/keys").await;
    page.assert_contains(r#"<time datetime="2026-11-29T16:00:00+08:00">2026-11-29 16:00</time>"#);
    // Expiries read alike down their column: compact, in words on hover.
    page.assert_contains(" title=\"in 30 days\">");
    page.assert_contains(">3 hours ago</time>");
    // Relative times give the exact one, with its zone, on hover.
    page.assert_contains(" Asia/Taipei\">3 hours ago</time>");
    page.assert_contains("Times are shown in Asia/Taipei");
    // The zone is named in the footer and in hover titles, not in every cell.
    assert!(!page.body.contains("16:00 Asia/Taipei<"), "a cell names the zone");

    alice
        .client
        .post("/language", &[("lang", "zh-TW"), ("next", "/keys")])
        .await;
    let page = alice.client.get("/keys").await;
    page.assert_contains(" title=\"30 天後\">");
    page.assert_contains(">3 小時前</time>");
    page.assert_contains("時間以 Asia/Taipei 時區顯示");
}

#[tokio::test]
async fn keys_expiring_within_a_week_raise_a_banner() {
    let app = spawn_app().await;
    let mut alice = app.member("alice", "MST110001", "tenant_admin").await;
    app.key_for("MST110001", &alice.user, 30).await;
    assert!(
        !alice
            .client
            .get("/account")
            .await
            .body
            .contains("expires within 7 days")
    );
    app.key_for("MST110001", &alice.user, 3).await;
    for path in ["/account", "/keys"] {
        alice
            .client
            .get(path)
            .await
            .assert_contains("One of your API keys expires within 7 days.");
    }
    alice.client.get("/keys").await.assert_contains("Expires in 3 days");
}

#[tokio::test]
async fn the_openapi_document_describes_every_route() {
    let app = spawn_app().await;
    let (status, doc) = app.api_get("/api/v1/openapi.json", None).await;
    assert_eq!(status, StatusCode::OK);
    assert!(doc["openapi"].as_str().unwrap().starts_with("3."));
    for path in ["/api/v1/whoami", "/api/v1/keys"] {
        assert!(doc["paths"][path]["get"].is_object(), "{path} missing");
    }
    assert_eq!(doc["components"]["securitySchemes"]["api_key"]["name"], "x-api-key");
}

#[tokio::test]
async fn the_page_and_its_messages_exist_in_traditional_chinese() {
    let app = spawn_app().await;
    let mut alice = app.member("alice", "MST110001", "tenant_admin").await;
    alice
        .client
        .post("/language", &[("lang", "zh-TW"), ("next", "/keys")])
        .await;
    let page = alice.client.get("/keys").await;
    page.assert_contains("API 金鑰");
    page.assert_contains("建立 API 金鑰");
    let bad = alice.client.post("/keys", &[("name", ""), ("days", "0")]).await;
    bad.assert_contains("請輸入 1 至 365 的整數天數。");
}

#[tokio::test]
async fn a_key_revoked_by_support_shows_as_revoked_and_frees_its_place() {
    let app = spawn_app_with(|config| config.max_keys = 2).await;
    let mut bob = app.member("bob", "MST110001", "tenant_user").await;
    let (first, first_secret) = app.key_for("MST110001", &bob.user, 30).await;
    app.key_for("MST110001", &bob.user, 30).await;
    // At the limit: a third is refused.
    let page = bob.client.post("/keys", &[("name", "third"), ("days", "30")]).await;
    assert_eq!(page.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(app.count("SELECT COUNT(*) FROM api_keys").await, 2);

    let sam = app
        .create_user("sam", member_center::accounts::PlatformRole::Support)
        .await;
    let mut support = app.signed_in(&sam).await;
    let page = support
        .post(
            &format!("/support/accounts/{}/keys/{first}/revoke", bob.user.id),
            &[("reason", "ticket 42: the key was leaked")],
        )
        .await;
    assert_eq!(page.status, StatusCode::SEE_OTHER);

    let list = bob.client.get("/keys").await;
    let row_start = list
        .body
        .find(&format!("id=\"key-{first}\""))
        .expect("the revoked key is listed");
    let row = &list.body[row_start..row_start + list.body[row_start..].find("</tr>").unwrap()];
    assert!(row.contains("Revoked"), "{row}");
    assert!(!row.contains("Active"), "{row}");
    assert!(row.contains("by sam"), "{row}");
    // The count is what the limit counts: one key, and one revoked beside it.
    list.assert_contains("One key (and 1 revoked, which do not count toward the limit)");
    let (status, body) = app.api_get("/api/v1/keys", Some(&first_secret)).await;
    assert_eq!(
        (status, body["error"]["code"].as_str()),
        (StatusCode::UNAUTHORIZED, Some("key_disabled"))
    );
    // The place it held is free again.
    let page = bob.client.post("/keys", &[("name", "third"), ("days", "30")]).await;
    assert_eq!(page.status, StatusCode::SEE_OTHER);
    assert_eq!(app.count("SELECT COUNT(*) FROM api_keys").await, 3);
}
