//! Account & Project (overview, members, profile, password), reset links,
//! and tenant management permissions — with the role matrix.

use crate::common::{PASSWORD, TestApp, spawn_app};
use member_center::accounts::PlatformRole;
use reqwest::StatusCode;
use serde_json::json;

async fn members_of(app: &TestApp, code: &str) -> Vec<(String, String)> {
    sqlx::query_as(
        "SELECT a.username, m.role FROM memberships m JOIN accounts a ON a.id = m.account_id
         JOIN projects p ON p.id = m.project_id WHERE p.code = $1 ORDER BY a.username",
    )
    .bind(code)
    .fetch_all(app.db.read())
    .await
    .unwrap()
}

fn pairs(list: &[(&str, &str)]) -> Vec<(String, String)> {
    list.iter().map(|(a, b)| (a.to_string(), b.to_string())).collect()
}

#[tokio::test]
async fn the_overview_shows_the_project_and_my_usage() {
    let app = spawn_app().await;
    let mut bob = app.member("bob", "MST110001", "tenant_user").await;
    member_center::operator::service::set_project_quota(
        &app.db,
        None,
        "MST110001",
        "ccs",
        &[("cpu", Some("64")), ("gpu", Some("8"))],
    )
    .await
    .unwrap();
    let page = bob.client.get("/account").await;
    page.assert_contains("Project MST110001");
    page.assert_contains("Tenant user");
    page.assert_contains("My usage / quota");
    page.assert_contains("0 / 64 cores");
    page.assert_contains("0 / 8 GPUs");
    let tab = bob.client.get_with("/account/members", &[("HX-Request", "true")]).await;
    assert!(!tab.body.contains("<html"));
    tab.assert_contains("id=\"account-page\"");

    // With two projects, each of the others' rows switches to it.
    app.create_project("MST110002", "Climate Sim").await;
    app.add_member("MST110002", &bob.user, "tenant_admin").await;
    let page = bob.client.get("/account").await;
    page.assert_contains("Your projects");
    page.assert_contains(r#"aria-label="Switch to Climate Sim""#);
    assert!(
        !page.body.contains(r#"aria-label="Switch to Project MST110001""#),
        "the current one"
    );
    let switched = bob.client.post("/projects/switch", &[("project", "MST110002")]).await;
    assert_eq!(switched.status, StatusCode::SEE_OTHER);
    bob.client.get("/account").await.assert_contains("<h2>Climate Sim</h2>");
}

#[tokio::test]
async fn every_member_sees_the_list_and_only_admins_manage_it() {
    let app = spawn_app().await;
    let mut alice = app.member("alice", "MST110001", "tenant_admin").await;
    let mut bob = app.member("bob", "MST110001", "tenant_user").await;
    let list = bob.client.get("/account/members").await;
    for text in ["alice Test", "bob Test", "Tenant admin", "Member since"] {
        list.assert_contains(text);
    }
    // Emails are for tenant admins (and support), not every member.
    assert!(!list.body.contains("@example.org"), "a tenant user sees emails");
    assert!(!list.body.contains("Add a member"));
    let admin_list = alice.client.get("/account/members").await;
    admin_list.assert_contains("alice@example.org");
    admin_list.assert_contains("bob@example.org");
    admin_list.assert_contains("Add a member");
    admin_list.assert_contains("name=\"role\"");
}

#[tokio::test]
async fn adding_a_member_by_username_or_email_with_clear_refusals() {
    let app = spawn_app().await;
    let mut alice = app.member("alice", "MST110001", "tenant_admin").await;
    app.create_user("dora", PlatformRole::None).await;
    app.create_user("erin", PlatformRole::None).await;

    let page = alice
        .client
        .post("/account/members", &[("identifier", "dora"), ("role", "tenant_user")])
        .await;
    assert_eq!(page.status, StatusCode::SEE_OTHER);
    alice
        .client
        .get("/account/members")
        .await
        .assert_contains("dora Test was added to the project.");
    let page = alice
        .client
        .post(
            "/account/members",
            &[("identifier", "ERIN@example.org"), ("role", "tenant_admin")],
        )
        .await;
    assert_eq!(page.status, StatusCode::SEE_OTHER);

    let cases = [
        ("nobody", "tenant_user", "No account has this username or email."),
        (
            "ghost@example.org",
            "tenant_user",
            "No account has this username or email.",
        ),
        (
            "dora",
            "tenant_user",
            "This account is already a member of the project.",
        ),
        ("", "tenant_user", "No account has this username or email."),
        ("dora", "owner", "Choose tenant admin or tenant user."),
    ];
    for (identifier, role, message) in cases {
        let page = alice
            .client
            .post("/account/members", &[("identifier", identifier), ("role", role)])
            .await;
        assert_eq!(page.status, StatusCode::UNPROCESSABLE_ENTITY, "{identifier}");
        page.assert_contains(message);
    }
    assert_eq!(
        members_of(&app, "MST110001").await,
        pairs(&[
            ("alice", "tenant_admin"),
            ("dora", "tenant_user"),
            ("erin", "tenant_admin")
        ])
    );
    let new_member_services: i64 = app
        .count("SELECT COUNT(*) FROM tenant_permissions t JOIN memberships m ON m.id = t.membership_id JOIN accounts a ON a.id = m.account_id WHERE a.username = 'dora'")
        .await;
    assert_eq!(new_member_services, 5, "new members get every service by default");
}

#[tokio::test]
async fn the_role_matrix_for_member_and_permission_actions() {
    let app = spawn_app().await;
    let mut admin = app.member("alice", "MST110001", "tenant_admin").await;
    let mut user = app.member("bob", "MST110001", "tenant_user").await;
    let mut outsider = app.member("carol", "MST110002", "tenant_admin").await;
    let target = app.member("dora", "MST110001", "tenant_user").await;
    app.create_user("erin", PlatformRole::None).await;
    let id = target.user.id;
    let before = members_of(&app, "MST110001").await;

    // (client, expected status) per action; nothing may change for either.
    for (client, expected) in [
        (&mut user.client, StatusCode::FORBIDDEN),
        (&mut outsider.client, StatusCode::NOT_FOUND),
    ] {
        let role = client
            .post(&format!("/account/members/{id}/role"), &[("role", "tenant_admin")])
            .await;
        let remove_dialog = client.get(&format!("/account/members/{id}/remove")).await;
        let remove = client.post(&format!("/account/members/{id}/remove"), &[]).await;
        let permissions = client.post(&format!("/permissions/{id}"), &[("service", "ccs")]).await;
        let permission_dialog = client.get(&format!("/permissions/{id}")).await;
        for (what, page) in [
            ("role", role),
            ("remove dialog", remove_dialog),
            ("remove", remove),
            ("permissions", permissions),
        ] {
            assert_eq!(page.status, expected, "{what}");
        }
        assert_eq!(
            permission_dialog.status,
            StatusCode::NOT_FOUND,
            "another's permissions are not visible"
        );
    }
    // Adding: a tenant user may not; an admin of another project adds only to their own.
    let add = user
        .client
        .post("/account/members", &[("identifier", "erin"), ("role", "tenant_user")])
        .await;
    assert_eq!(add.status, StatusCode::FORBIDDEN);
    assert_eq!(members_of(&app, "MST110001").await, before);
    assert_eq!(app.count("SELECT COUNT(*) FROM tenant_permissions").await, 5 * 4);

    // The admin can do each.
    let page = admin
        .client
        .post(&format!("/permissions/{id}"), &[("service", "ccs"), ("service", "cos")])
        .await;
    assert_eq!(page.status, StatusCode::SEE_OTHER);
    let page = admin
        .client
        .post(&format!("/account/members/{id}/role"), &[("role", "tenant_admin")])
        .await;
    assert_eq!(page.status, StatusCode::SEE_OTHER);
    admin
        .client
        .get("/account/members")
        .await
        .assert_contains("dora Test is now Tenant admin.");
    let page = admin.client.post(&format!("/account/members/{id}/remove"), &[]).await;
    assert_eq!(page.status, StatusCode::SEE_OTHER);
    assert_eq!(
        members_of(&app, "MST110001").await,
        pairs(&[("alice", "tenant_admin"), ("bob", "tenant_user")])
    );
    let actions: Vec<String> =
        sqlx::query_scalar("SELECT action FROM change_activity WHERE target = 'dora' ORDER BY id")
            .fetch_all(app.db.read())
            .await
            .unwrap();
    assert_eq!(
        actions,
        ["member.add", "member.permissions", "member.role", "member.remove"]
    );
}

#[tokio::test]
async fn a_tenant_admin_taking_services_from_themselves_confirms_what_they_lose() {
    let app = spawn_app().await;
    let mut alice = app.member("alice", "MST110001", "tenant_admin").await;
    let me = alice.user.id;
    let count = format!(
        "SELECT COUNT(*) FROM tenant_permissions t JOIN memberships m ON m.id = t.membership_id WHERE m.account_id = {}",
        me.0
    );
    let before = app.count(&count).await;
    assert!(before > 1);
    alice.client.get(&format!("/permissions/{me}")).await;
    // Every box unticked: nothing changes yet; the dialog names the losses.
    let asked = alice.client.post(&format!("/permissions/{me}"), &[]).await;
    assert_eq!(asked.status, StatusCode::OK, "{}", asked.body);
    asked.assert_contains("You are about to take from yourself: Container Compute, Virtual Compute");
    asked.assert_contains(r#"name="confirm" value="yes""#);
    asked.assert_contains("Take them from me");
    assert_eq!(app.count(&count).await, before);
    // Confirmed: done.
    let done = alice
        .client
        .post(&format!("/permissions/{me}"), &[("service", "ccs"), ("confirm", "yes")])
        .await;
    assert_eq!(done.status, StatusCode::SEE_OTHER);
    assert_eq!(app.count(&count).await, 1);
    // Adding back needs no confirmation; nor does another member's change.
    let added = alice
        .client
        .post(&format!("/permissions/{me}"), &[("service", "ccs"), ("service", "vcs")])
        .await;
    assert_eq!(added.status, StatusCode::SEE_OTHER);
    let bob = app.member("bob", "MST110001", "tenant_user").await;
    let other = alice.client.post(&format!("/permissions/{}", bob.user.id), &[]).await;
    assert_eq!(other.status, StatusCode::SEE_OTHER);
    // In Chinese too.
    alice
        .client
        .post("/language", &[("lang", "zh-TW"), ("next", "/")])
        .await;
    alice.client.get(&format!("/permissions/{me}")).await;
    let asked = alice.client.post(&format!("/permissions/{me}"), &[]).await;
    asked.assert_contains("您即將移除自己的");
}

#[tokio::test]
async fn the_last_tenant_admin_can_be_neither_demoted_nor_removed() {
    let app = spawn_app().await;
    let mut alice = app.member("alice", "MST110001", "tenant_admin").await;
    app.member("bob", "MST110001", "tenant_user").await;
    let id = alice.user.id;
    let page = alice
        .client
        .post(&format!("/account/members/{id}/role"), &[("role", "tenant_user")])
        .await;
    assert_eq!(page.status, StatusCode::SEE_OTHER);
    alice
        .client
        .get("/account/members")
        .await
        .assert_contains("A project must keep at least one tenant admin");
    alice.client.post(&format!("/account/members/{id}/remove"), &[]).await;
    alice
        .client
        .get("/account/members")
        .await
        .assert_contains("A project must keep at least one tenant admin");
    assert_eq!(
        members_of(&app, "MST110001").await,
        pairs(&[("alice", "tenant_admin"), ("bob", "tenant_user")])
    );
}

async fn removal_fixture() -> (
    crate::common::TestApp,
    crate::common::Member,
    crate::common::Member,
    String,
) {
    let app = spawn_app().await;
    let mut alice = app.member("alice", "MST110001", "tenant_admin").await;
    let bob = app.member("bob", "MST110001", "tenant_user").await;
    member_center::operator::service::set_project_quota(&app.db, None, "MST110001", "ccs", &[("gpu", Some("8"))])
        .await
        .unwrap();
    alice
        .client
        .post(
            &format!("/quota/members/{}?service=ccs", bob.user.id),
            &[("cpu", ""), ("gpu", "4"), ("memory", "")],
        )
        .await;
    let (_, key) = app.key_for("MST110001", &bob.user, 30).await;
    let response = reqwest::Client::new()
        .post(format!("{}/api/v1/allocations", app.base))
        .header("x-api-key", &key)
        .json(&json!({"service": "ccs", "resources": {"gpu": 2}, "idempotency_key": "job"}))
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), StatusCode::CREATED);
    (app, alice, bob, key)
}

#[tokio::test]
async fn a_removed_member_leaves_no_key_quota_or_credit_behind() {
    let (app, mut alice, bob, key) = removal_fixture().await;
    // Bob has a sub-wallet with credit in it and an object-storage pair.
    app.credit("MST110001", "PO-1", "100").await;
    let bob_id = bob.user.id.to_string();
    alice
        .client
        .post("/account/wallet/sub-wallets", &[("member", &bob_id)])
        .await;
    let moved = alice
        .client
        .post(
            "/account/wallet/transfer",
            &[("member", &bob_id), ("direction", "to_sub"), ("amount", "30")],
        )
        .await;
    assert_eq!(moved.status, StatusCode::SEE_OTHER, "{}", moved.body);
    let project_id = app.count("SELECT id FROM projects WHERE code = 'MST110001'").await;
    member_center::object_storage::store::pair_made(
        &app.db,
        member_center::auth::identity::ProjectId(project_id),
        bob.user.id,
    )
    .await
    .unwrap();

    // The dialog offers to release the live allocation; Alice leaves it.
    let dialog = alice
        .client
        .get(&format!("/account/members/{}/remove", bob.user.id))
        .await;
    dialog.assert_contains("Also release their live allocations (1)");
    alice
        .client
        .post(&format!("/account/members/{}/remove", bob.user.id), &[])
        .await;
    let (status, body) = app.api_get("/api/v1/whoami", Some(&key)).await;
    assert_eq!(status, StatusCode::UNAUTHORIZED);
    assert_eq!(body["error"]["code"], "invalid_key");
    assert_eq!(app.count("SELECT COUNT(*) FROM member_quotas").await, 0);
    assert_eq!(app.count("SELECT COUNT(*) FROM object_storage_keys").await, 0);
    // The credit is back in the project wallet, through the ledger.
    let wallet = alice.client.get("/account/wallet").await;
    wallet
        .assert_contains("What was left in bob&#39;s sub-wallet, back to the project&#39;s wallet when it was removed");
    wallet.assert_contains("100.0000");
    // The allocation still counts, and Alice can release it from the Quota page.
    let quota = alice.client.get("/quota").await;
    quota.assert_contains("2 / 8 GPUs");
    let id = app.count("SELECT id FROM allocations").await;
    quota.assert_contains(&format!("<tr id=\"allocation-{id}\">"));
    quota.assert_contains("1 live in all, newest first.");
    let released = alice
        .client
        .post(&format!("/quota/allocations/{id}/release"), &[])
        .await;
    assert_eq!(released.status, StatusCode::SEE_OTHER);
    let quota = alice.client.get("/quota").await;
    quota.assert_contains("0 / 8 GPUs");
    quota.assert_contains("No allocation of this service is live.");
    assert!(!quota.body.contains(&format!("allocation-{id}")));

    // Re-added, Bob's old key stays dead.
    app.add_member("MST110001", &bob.user, "tenant_user").await;
    let (status, body) = app.api_get("/api/v1/whoami", Some(&key)).await;
    assert_eq!(status, StatusCode::UNAUTHORIZED);
    assert_eq!(body["error"]["code"], "invalid_key");
}

#[tokio::test]
async fn removal_can_release_the_members_allocations_at_once() {
    let (app, mut alice, bob, _key) = removal_fixture().await;
    alice
        .client
        .post(
            &format!("/account/members/{}/remove", bob.user.id),
            &[("release_allocations", "true")],
        )
        .await;
    assert_eq!(
        app.count("SELECT COUNT(*) FROM allocations WHERE released_at IS NULL")
            .await,
        0
    );
    alice.client.get("/quota").await.assert_contains("0 / 8 GPUs");
}

#[tokio::test]
async fn a_tenant_admins_key_releases_any_allocation_of_the_project_only() {
    let (app, _alice, _bob, _key) = removal_fixture().await;
    let alice = crate::common::TestUser {
        id: member_center::auth::identity::AccountId(
            app.count("SELECT id FROM accounts WHERE username = 'alice'").await,
        ),
        username: "alice".to_string(),
        password: crate::common::PASSWORD.to_string(),
    };
    let (_, admin_key) = app.key_for("MST110001", &alice, 30).await;
    let other = app.member("olga", "MST220002", "tenant_admin").await;
    let (_, other_key) = app.key_for("MST220002", &other.user, 30).await;
    let id = app.count("SELECT id FROM allocations").await;
    let delete = |key: String| {
        let url = format!("{}/api/v1/allocations/{id}", app.base);
        async move {
            reqwest::Client::new()
                .delete(url)
                .header("x-api-key", key)
                .send()
                .await
                .unwrap()
                .status()
        }
    };
    assert_eq!(delete(other_key).await, StatusCode::NOT_FOUND);
    assert_eq!(delete(admin_key).await, StatusCode::OK);
    assert_eq!(
        app.count("SELECT COUNT(*) FROM allocations WHERE released_at IS NULL")
            .await,
        0
    );
}

#[tokio::test]
async fn editing_the_profile_with_checks_next_to_each_field() {
    let app = spawn_app().await;
    let mut alice = app.member("alice", "MST110001", "tenant_admin").await;
    app.create_user("bob", PlatformRole::None).await;
    let good = [
        ("display_name", "Alice Chen"),
        ("email", "alice.chen@example.org"),
        ("phone", "+886 2 1234-5678"),
        ("language", "en"),
        ("time_zone", "Europe/Berlin"),
    ];
    let page = alice.client.post("/account/profile", &good).await;
    assert_eq!(page.status, StatusCode::SEE_OTHER);
    let saved = alice.client.get("/account/profile").await;
    saved.assert_contains("Your profile was saved.");
    saved.assert_contains("value=\"alice.chen@example.org\"");
    saved.assert_contains("value=\"+886 2 1234-5678\"");
    saved.assert_contains("value=\"Europe/Berlin\"");
    // This portal sends no email: no choice of notices by email either.
    assert!(!saved.body.contains("id=\"topics-title\""));
    alice
        .client
        .get("/account/members")
        .await
        .assert_contains("Europe/Berlin");

    let bad: [(&str, &str, &str); 6] = [
        ("email", "bob@example.org", "Another account already uses this email."),
        ("email", "not-an-email", "Enter a valid email address"),
        ("display_name", "   ", "Enter a name of 1 to 100 characters."),
        ("phone", "call me maybe", "Use at most 32 digits"),
        ("time_zone", "Mars/Olympus", "Enter a time zone name like Asia/Taipei"),
        ("language", "fr", "That language is not available."),
    ];
    for (field, value, message) in bad {
        let mut form: Vec<(&str, &str)> = good.iter().copied().filter(|(f, _)| *f != field).collect();
        form.push((field, value));
        let page = alice.client.post("/account/profile", &form).await;
        assert_eq!(page.status, StatusCode::UNPROCESSABLE_ENTITY, "{field}");
        page.assert_contains(message);
        page.assert_contains(&format!("id=\"profile-{field}\""));
    }
    let email: String = sqlx::query_scalar("SELECT email FROM accounts WHERE username = 'alice'")
        .fetch_one(app.db.read())
        .await
        .unwrap();
    assert_eq!(email, "alice.chen@example.org");
}

#[tokio::test]
async fn changing_the_password_checks_it_and_signs_out_other_sessions() {
    let app = spawn_app().await;
    let mut alice = app.member("alice", "MST110001", "tenant_admin").await;
    let mut other_session = app.signed_in(&alice.user).await;
    let new_password = "a brand new passphrase";
    let cases = [
        (
            "wrong current password",
            new_password,
            new_password,
            "The current password is not correct.",
        ),
        (PASSWORD, "short", "short", "Use at least 12 characters."),
        (PASSWORD, "alice", "alice", "Use at least 12 characters."),
        (
            PASSWORD,
            PASSWORD,
            PASSWORD,
            "The new password must differ from the current one.",
        ),
        (
            PASSWORD,
            new_password,
            "something else entirely",
            "The two new passwords do not match.",
        ),
    ];
    for (current, new, confirm, message) in cases {
        let page = alice
            .client
            .post(
                "/account/password",
                &[("current", current), ("new", new), ("confirm", confirm)],
            )
            .await;
        assert_eq!(page.status, StatusCode::UNPROCESSABLE_ENTITY, "{message}");
        page.assert_contains(message);
    }
    assert_eq!(other_session.get("/account").await.status, StatusCode::OK);

    let page = alice
        .client
        .post(
            "/account/password",
            &[("current", PASSWORD), ("new", new_password), ("confirm", new_password)],
        )
        .await;
    assert_eq!(page.status, StatusCode::SEE_OTHER);
    // This session goes on; the other is sent to sign in.
    alice
        .client
        .get("/account/password")
        .await
        .assert_contains("Your password was changed.");
    let page = other_session.get("/account").await;
    assert_eq!(page.status, StatusCode::SEE_OTHER);
    assert!(page.location().unwrap().starts_with("/sign-in"));
    assert_eq!(
        app.client().sign_in("alice", PASSWORD).await.status,
        StatusCode::UNPROCESSABLE_ENTITY
    );
    assert_eq!(
        app.client().sign_in("alice", new_password).await.status,
        StatusCode::SEE_OTHER
    );
}

#[tokio::test]
async fn a_reset_link_works_once_and_expires() {
    let app = spawn_app().await;
    let support = app.create_user("sam", PlatformRole::Support).await;
    let mut alice = app.member("alice", "MST110001", "tenant_admin").await;
    let mut staff = app.signed_in(&support).await;

    // Only support and operators issue links, each with a reason.
    assert_eq!(alice.client.get("/support/reset").await.status, StatusCode::FORBIDDEN);
    let page = alice
        .client
        .post(
            "/support/reset",
            &[("username", "alice"), ("reason", "I want in again")],
        )
        .await;
    assert_eq!(page.status, StatusCode::FORBIDDEN);
    let page = staff
        .post("/support/reset", &[("username", "alice"), ("reason", "short")])
        .await;
    assert_eq!(page.status, StatusCode::UNPROCESSABLE_ENTITY);
    page.assert_contains("Write a reason of 10 to 500 characters.");
    let page = staff
        .post(
            "/support/reset",
            &[("username", "nobody"), ("reason", "ticket 4711: forgot password")],
        )
        .await;
    page.assert_contains("There is no account with this username.");
    assert_eq!(app.count("SELECT COUNT(*) FROM password_resets").await, 0);

    let page = staff
        .post(
            "/support/reset",
            &[("username", "alice"), ("reason", "ticket 4711: forgot password")],
        )
        .await;
    assert_eq!(page.status, StatusCode::SEE_OTHER);
    let page = staff.get("/support/reset").await;
    assert_eq!(page.headers.get("cache-control").unwrap(), "no-store");
    let start = page.body.find("/reset/").unwrap();
    let path = page.body[start..start + "/reset/".len() + 36].to_string();

    let mut person = app.client();
    let form = person.get(&path).await;
    assert_eq!(form.status, StatusCode::OK);
    form.assert_contains("Choose a new password for alice.");
    let page = person.post(&path, &[("new", "short"), ("confirm", "short")]).await;
    assert_eq!(page.status, StatusCode::UNPROCESSABLE_ENTITY);
    let new_password = "reset by support 2026";
    let page = person
        .post(&path, &[("new", new_password), ("confirm", new_password)])
        .await;
    assert_eq!(page.status, StatusCode::SEE_OTHER);
    assert_eq!(page.location(), Some("/sign-in"));
    // Every session of the account was signed out; the link is spent.
    assert_eq!(alice.client.get("/account").await.status, StatusCode::SEE_OTHER);
    assert_eq!(person.get(&path).await.status, StatusCode::BAD_REQUEST);
    assert_eq!(
        person
            .post(&path, &[("new", "another new one!"), ("confirm", "another new one!")])
            .await
            .status,
        StatusCode::BAD_REQUEST
    );
    assert_eq!(
        app.client().sign_in("alice", new_password).await.status,
        StatusCode::SEE_OTHER
    );

    // An expired link does nothing.
    let path = member_center::operator::service::reset_link(&app.db, "alice")
        .await
        .unwrap();
    sqlx::query("UPDATE password_resets SET expires_at = 0 WHERE used_at IS NULL")
        .execute(app.db.read())
        .await
        .unwrap();
    let page = app.client().get(&path).await;
    assert_eq!(page.status, StatusCode::BAD_REQUEST);
    page.assert_contains("This reset link is not valid");
    let reason: String =
        sqlx::query_scalar("SELECT after FROM change_activity WHERE action = 'account.reset_link' ORDER BY id LIMIT 1")
            .fetch_one(app.db.read())
            .await
            .unwrap();
    assert_eq!(reason, "ticket 4711: forgot password");
}

#[tokio::test]
async fn permissions_page_search_dialog_and_the_api() {
    let app = spawn_app().await;
    let mut alice = app.member("alice", "MST110001", "tenant_admin").await;
    let mut bob = app.member("bob", "MST110001", "tenant_user").await;
    app.member("carla", "MST110001", "tenant_user").await;
    let (_, key) = app.key_for("MST110001", &bob.user, 30).await;

    let page = alice.client.get("/permissions").await;
    for name in [
        "alice Test",
        "bob Test",
        "carla Test",
        "Container Compute",
        "Container Registry",
    ] {
        page.assert_contains(name);
    }
    let found = alice.client.get("/permissions?q=CARLA").await;
    found.assert_contains("carla Test");
    assert!(!found.body.contains("bob Test"));
    alice
        .client
        .get("/permissions?q=bob%40example")
        .await
        .assert_contains("bob Test");
    alice
        .client
        .get("/permissions?q=zzz")
        .await
        .assert_contains("No member matches this search.");

    // A tenant user sees only their own row, read-only.
    let own = bob.client.get("/permissions").await;
    own.assert_contains("bob Test");
    assert!(!own.body.contains("alice Test"));
    let dialog = bob.client.get(&format!("/permissions/{}", bob.user.id)).await;
    dialog.assert_contains("disabled");
    dialog.assert_contains("Only a tenant admin can change permissions.");
    let page = bob
        .client
        .post(&format!("/permissions/{}", bob.user.id), &[("service", "ccs")])
        .await;
    assert_eq!(page.status, StatusCode::FORBIDDEN);

    // The admin saves with htmx: the row changes in place.
    let token = alice.client.csrf.clone();
    let page = alice
        .client
        .post_raw(
            &format!("/permissions/{}", bob.user.id),
            &[("service", "vcs"), ("service", "hpc"), ("csrf_token", &token)],
            &[("HX-Request", "true")],
        )
        .await;
    assert_eq!(page.status, StatusCode::OK);
    page.assert_contains("hx-swap-oob=\"true\"");
    page.assert_contains("Permissions of bob Test saved.");
    let (_, who) = app.api_get("/api/v1/whoami", Some(&key)).await;
    assert_eq!(who["services"], json!(["vcs", "hpc"]));
    let (before, after): (String, String) =
        sqlx::query_as("SELECT before, after FROM change_activity WHERE action = 'member.permissions'")
            .fetch_one(app.db.read())
            .await
            .unwrap();
    assert_eq!(
        (before.as_str(), after.as_str()),
        ("ccs,vcs,hpc,cos,registry", "vcs,hpc")
    );
    let page = alice
        .client
        .post(&format!("/permissions/{}", bob.user.id), &[("service", "warp-drive")])
        .await;
    assert_eq!(page.status, StatusCode::BAD_REQUEST);
}

#[tokio::test]
async fn new_members_get_the_configured_default_services() {
    let app = spawn_app().await;
    member_center::permissions::service::set_default_services(&app.db, Some(&["ccs".to_string(), "cos".to_string()]))
        .await
        .unwrap();
    let bob = app.member("bob", "MST110001", "tenant_user").await;
    let (_, key) = app.key_for("MST110001", &bob.user, 30).await;
    let (_, who) = app.api_get("/api/v1/whoami", Some(&key)).await;
    assert_eq!(who["services"], json!(["ccs", "cos"]));
    assert!(
        member_center::permissions::service::set_default_services(&app.db, Some(&["nope".to_string()]))
            .await
            .is_err()
    );
}

#[tokio::test]
async fn the_members_tab_pages_at_fifty_and_searches_by_name() {
    let app = crate::common::spawn_app().await;
    let mut alice = app.member("alice", "MST110001", "tenant_admin").await;
    app.add_users("MST110001", 59).await;
    let rows = |page: &crate::common::Page| page.body.matches("<tr id=\"member-").count();
    let first = alice.client.get("/account/members").await;
    first.assert_contains("60 members");
    assert_eq!(rows(&first), 50);
    first.assert_contains("href=\"/account/members?q=&#38;page=2\"");
    assert_eq!(rows(&alice.client.get("/account/members?page=2").await), 10);
    let found = alice.client.get("/account/members?q=user05").await;
    assert_eq!(rows(&found), 9);
    let none = alice.client.get("/account/members?q=nobody").await;
    none.assert_contains("name or username contains “nobody”");
    assert_eq!(
        alice.client.get("/account/members?page=x").await.status,
        reqwest::StatusCode::BAD_REQUEST
    );
}

#[tokio::test]
async fn the_permissions_page_pages_at_fifty_keeping_the_search() {
    let app = crate::common::spawn_app().await;
    let mut alice = app.member("alice", "MST110001", "tenant_admin").await;
    app.add_users("MST110001", 74).await;
    let rows = |page: &crate::common::Page| page.body.matches("<tr id=\"tenant-").count();
    let first = alice.client.get("/permissions").await;
    assert_eq!(rows(&first), 50);
    first.assert_contains("href=\"/permissions?q=&#38;page=2\"");
    assert_eq!(rows(&alice.client.get("/permissions?page=2").await), 25);
    let searched = alice.client.get("/permissions?q=user0").await;
    assert_eq!(rows(&searched), 50, "user000 to user073 match: 74, 50 shown");
    searched.assert_contains("href=\"/permissions?q=user0&#38;page=2\"");
    assert_eq!(rows(&alice.client.get("/permissions?q=user0&page=2").await), 24);
}
