//! Every main flow in real Chromium, with JavaScript on and off; screenshots
//! of every main page in both languages and two sizes; axe-core checks.

use crate::browser_support::{Browser, ONE_AT_A_TIME};
use crate::common::{PASSWORD, TestApp, spawn_app, spawn_app_with_sso};
use fantoccini::{Locator, key::Key};
use member_center::accounts::PlatformRole;

const DESKTOP: (u32, u32) = (1280, 800);
const PHONE: (u32, u32) = (390, 844);

/// Alice: tenant admin of MST110001 and tenant user of MST110002.
async fn demo_app() -> TestApp {
    demo_app_with(|_| {}).await
}

/// The same, after `adjust` has changed the configuration.
async fn demo_app_with(adjust: impl FnOnce(&mut member_center::Config)) -> TestApp {
    let app = crate::common::spawn_app_with(adjust).await;
    let alice = app.create_user("alice", PlatformRole::None).await;
    let bob = app.create_user("bob", PlatformRole::None).await;
    app.create_project("MST110001", "Deep Learning Lab").await;
    app.create_project("MST110002", "Climate Sim").await;
    app.add_member("MST110001", &alice, "tenant_admin").await;
    app.add_member("MST110002", &alice, "tenant_user").await;
    app.add_member("MST110001", &bob, "tenant_user").await;
    member_center::operator::service::set_project_quota(
        &app.db,
        None,
        "MST110001",
        "ccs",
        &[("cpu", Some("64")), ("gpu", Some("8")), ("memory", Some("512"))],
    )
    .await
    .unwrap();
    app
}

async fn account_id(app: &TestApp, username: &str) -> member_center::auth::identity::AccountId {
    member_center::accounts::store::by_username(&app.db, username)
        .await
        .unwrap()
        .unwrap()
        .id
}

async fn alice(app: &TestApp) -> crate::common::TestUser {
    crate::common::TestUser {
        id: account_id(app, "alice").await,
        username: "alice".into(),
        password: PASSWORD.into(),
    }
}

#[tokio::test]
async fn sign_in_switch_project_and_language_then_sign_out() {
    let _one = ONE_AT_A_TIME.lock();
    let app = demo_app().await;
    let browser = Browser::start(&app.base, true, DESKTOP.0, DESKTOP.1).await;

    browser.goto("/keys").await;
    assert_eq!(browser.path().await, "/sign-in");
    browser.fill("#username", "alice").await;
    browser.fill("#password", PASSWORD).await;
    browser.click("form[action='/sign-in'] button[type=submit]").await;
    browser.find("#keys-list").await;
    assert_eq!(browser.path().await, "/keys", "returned to the page asked for");

    browser.goto("/").await;
    browser.click(".project-switch").await;
    browser.wait_until("document.getElementById('dialog').open").await;
    browser.click("input[type=radio][name=project][value=MST110002]").await;
    browser.click("#dialog button[type=submit]").await;
    browser.wait_for_text("You are now working in Climate Sim.").await;
    assert!(
        browser
            .find(".project-switch")
            .await
            .text()
            .await
            .unwrap()
            .contains("Climate Sim")
    );

    browser.click(".user-menu summary").await;
    browser.click(".user-menu button[value='zh-TW']").await;
    browser.wait_for_text("總覽").await;
    browser.click(".user-menu summary").await;
    browser.click(".user-menu button[value='en']").await;
    browser.wait_for_text("Overview").await;

    browser.click(".user-menu summary").await;
    browser.click(".user-menu form[action='/sign-out'] button").await;
    browser.find("#username").await;
    assert_eq!(browser.path().await, "/sign-in");
    browser.close().await;
}

#[tokio::test]
async fn api_keys_with_javascript_create_extend_and_delete_in_place() {
    let _one = ONE_AT_A_TIME.lock();
    let app = demo_app().await;
    let browser = Browser::start(&app.base, true, DESKTOP.0, DESKTOP.1).await;
    browser.sign_in("alice", PASSWORD).await;
    browser.goto("/keys").await;
    browser
        .client
        .execute("window.stillHere = true; return true;", vec![])
        .await
        .unwrap();

    // Create: the dialog takes focus, the secret is shown once with a copy button.
    browser.click("#create-key").await;
    browser.wait_until("document.getElementById('dialog').open").await;
    browser
        .wait_until("document.activeElement && document.activeElement.id === 'key-name'")
        .await;
    browser.fill("#key-name", "notebook").await;
    browser.click("#dialog button[type=submit]").await;
    // The dialog closes; the list, in place, shows the secret once: masked,
    // with Reveal and Copy, the key's name beside it.
    browser.wait_until("!document.getElementById('dialog').open").await;
    let secret = browser.find("#new-secret").await.prop("value").await.unwrap().unwrap();
    assert_eq!(secret.len(), 36);
    browser
        .wait_until("document.getElementById('new-secret').type === 'password'")
        .await;
    browser.find("button[data-copy='new-secret']").await;
    browser.click("button[data-reveal='new-secret']").await;
    browser
        .wait_until("document.getElementById('new-secret').type === 'text'")
        .await;
    browser.wait_for_text("It will not be shown again.").await;
    browser.wait_for_text("The secret of “notebook”").await;
    browser.wait_until("location.pathname === '/keys'").await;
    browser.wait_until("window.stillHere === true").await;

    browser.client.refresh().await.unwrap();
    browser.find("#keys-list").await;
    let text = browser.text().await;
    assert!(text.contains(&format!("{}…", &secret[..8])));
    assert!(
        !browser.client.source().await.unwrap().contains(&secret),
        "the secret came back"
    );

    // Extend through the row menu.
    let key_id: String = sqlx::query_scalar("SELECT key_id FROM api_keys WHERE name = 'notebook'")
        .fetch_one(app.db.read())
        .await
        .unwrap();
    browser.click(&format!("#key-{key_id} .row-menu summary")).await;
    browser.click(&format!("#key-{key_id} .row-menu a")).await;
    browser.wait_until("document.getElementById('dialog').open").await;
    browser.fill("#edit-days", "10").await;
    browser.click("#dialog button[type=submit]").await;
    browser.wait_for_text(&format!("Key {key_id} saved.")).await;
    browser.wait_until("!document.getElementById('dialog').open").await;
    let extended: i64 = sqlx::query_scalar("SELECT expires_at - created_at FROM api_keys WHERE name = 'notebook'")
        .fetch_one(app.db.read())
        .await
        .unwrap();
    assert_eq!(extended, 40 * 86_400);

    // The row menu closes with the dialog it opened (else it swallows the
    // next click, here the row's checkbox).
    let menu = format!("document.querySelector('#key-{key_id} .row-menu')");
    browser.click(&format!("#key-{key_id} .row-menu summary")).await;
    browser.click(&format!("#key-{key_id} .row-menu a")).await;
    browser.wait_until("document.getElementById('dialog').open").await;
    browser.click("#dialog [data-close-dialog]").await;
    browser.wait_until("!document.getElementById('dialog').open").await;
    browser.wait_until(&format!("!{menu}.open")).await;
    let checkbox = format!("input[name=key][value='{key_id}']");
    browser.click(&checkbox).await;
    browser
        .wait_until(&format!("document.querySelector(\"{checkbox}\").checked"))
        .await;
    browser.click(&checkbox).await;

    // Delete two through the checkboxes and the confirm dialog.
    let user = alice(&app).await;
    let (second, _) = app.key_for("MST110001", &user, 30).await;
    let (kept, _) = app.key_for("MST110001", &user, 30).await;
    browser.client.refresh().await.unwrap();
    browser.click(&format!("input[name=key][value='{key_id}']")).await;
    browser.click(&format!("input[name=key][value='{second}']")).await;
    browser.click("#delete-keys").await;
    browser.wait_until("document.getElementById('dialog').open").await;
    browser.wait_for_text("Deletion cannot be undone.").await;
    browser.click("#dialog button.danger").await;
    browser.wait_for_text("2 keys deleted.").await;
    browser
        .wait_until(&format!(
            "!document.getElementById('key-{key_id}') && !document.getElementById('key-{second}')"
        ))
        .await;
    browser.find(&format!("#key-{kept}")).await;
    let made_here = "SELECT COUNT(*) FROM api_keys WHERE name IN ('notebook', 'test key')";
    assert_eq!(app.count(made_here).await, 1);

    // "Select all" ticks every key on the page, and unticks them again.
    app.key_for("MST110001", &user, 30).await;
    browser.client.refresh().await.unwrap();
    let ticked = "document.querySelectorAll('input[name=key]:checked').length";
    browser.click("input[data-select-all]").await;
    browser
        .wait_until(&format!(
            "{ticked} === document.querySelectorAll('input[name=key]').length && {ticked} > 1"
        ))
        .await;
    browser.click("input[data-select-all]").await;
    browser.wait_until(&format!("{ticked} === 0")).await;

    // Choosing a status filters the list in place, and the address says so.
    browser
        .client
        .execute(
            "window.stillHere = true;
             var s = document.querySelector('select[name=status]'); s.value = 'expired';
             s.dispatchEvent(new Event('change', {bubbles: true})); return true;",
            vec![],
        )
        .await
        .unwrap();
    browser.wait_for_text("No keys match this filter.").await;
    browser
        .wait_until("location.search.indexOf('status=expired') >= 0")
        .await;
    browser.wait_until("window.stillHere === true").await;
    browser.close().await;
}

#[tokio::test]
async fn the_create_key_dialog_is_usable_by_keyboard() {
    let _one = ONE_AT_A_TIME.lock();
    let app = demo_app().await;
    let browser = Browser::start(&app.base, true, DESKTOP.0, DESKTOP.1).await;
    browser.sign_in("alice", PASSWORD).await;
    browser.goto("/keys").await;
    let button = browser.find("#create-key").await;
    browser
        .client
        .execute("document.getElementById('create-key').focus(); return true;", vec![])
        .await
        .unwrap();
    button.send_keys(&Key::Enter.to_string()).await.unwrap();
    browser.wait_until("document.getElementById('dialog').open").await;
    browser
        .wait_until("document.getElementById('dialog').contains(document.activeElement)")
        .await;
    let active = browser.client.active_element().await.unwrap();
    active.send_keys(&Key::Escape.to_string()).await.unwrap();
    browser.wait_until("!document.getElementById('dialog').open").await;
    browser
        .wait_until("document.activeElement && document.activeElement.id === 'create-key'")
        .await;
    browser.close().await;
}

#[tokio::test]
async fn api_keys_without_javascript_work_through_plain_forms() {
    let _one = ONE_AT_A_TIME.lock();
    let app = demo_app().await;
    let browser = Browser::start(&app.base, false, DESKTOP.0, DESKTOP.1).await;
    browser.sign_in("alice", PASSWORD).await;
    browser.goto("/keys").await;
    browser.click("#create-key").await;
    browser.find("main #key-name").await;
    assert_eq!(browser.path().await, "/keys/new");
    browser.fill("#key-name", "no-js").await;
    browser.fill("#key-days", "0").await;
    browser.click("main form button[type=submit]").await;
    browser
        .wait_for_text("Enter a whole number of days from 1 to 365.")
        .await;
    browser.fill("#key-days", "15").await;
    browser.click("main form button[type=submit]").await;
    // Redirected to the list: the secret as plain text to select, no
    // buttons that need JavaScript, and a reload makes no second key.
    let secret = browser.find("#new-secret").await.prop("value").await.unwrap().unwrap();
    assert_eq!(secret.len(), 36);
    assert_eq!(browser.path().await, "/keys");
    browser
        .wait_until("document.getElementById('new-secret').type === 'text'")
        .await;
    browser
        .wait_until("document.querySelector(\"button[data-reveal='new-secret']\").hidden")
        .await;
    browser.client.refresh().await.unwrap();
    browser.find("#keys-list").await;
    assert!(!browser.client.source().await.unwrap().contains(&secret), "shown again");
    assert_eq!(
        app.count("SELECT COUNT(*) FROM api_keys WHERE name = 'no-js'").await,
        1,
        "a reload made another key"
    );

    let key_id: String = sqlx::query_scalar("SELECT key_id FROM api_keys WHERE name = 'no-js'")
        .fetch_one(app.db.read())
        .await
        .unwrap();
    browser.click(&format!("input[name=key][value='{key_id}']")).await;
    browser.click("#delete-keys").await;
    browser.wait_for_text("Deletion cannot be undone.").await;
    assert_eq!(browser.path().await, "/keys/delete");
    browser.click("main button.danger").await;
    browser.wait_for_text("One key deleted.").await;
    assert_eq!(browser.path().await, "/keys");
    assert_eq!(app.count("SELECT COUNT(*) FROM api_keys WHERE name = 'no-js'").await, 0);
    browser.close().await;
}

#[tokio::test]
async fn editing_a_members_quota_in_the_dialog_changes_the_row_in_place() {
    let _one = ONE_AT_A_TIME.lock();
    let app = demo_app().await;
    let bob = account_id(&app, "bob").await;
    let browser = Browser::start(&app.base, true, DESKTOP.0, DESKTOP.1).await;
    browser.sign_in("alice", PASSWORD).await;
    browser.goto("/quota").await;
    browser
        .client
        .execute("window.stillHere = true; return true;", vec![])
        .await
        .unwrap();

    // A click on the row (not its link) opens Edit Quota.
    browser.click(&format!("#member-{bob} td:nth-child(2)")).await;
    browser.wait_until("document.getElementById('dialog').open").await;
    browser
        .wait_until("document.activeElement && document.activeElement.id === 'quota-cpu'")
        .await;
    browser.fill("#quota-gpu", "3").await;
    browser.click("#dialog button[type=submit]").await;
    browser.wait_until("!document.getElementById('dialog').open").await;
    browser
        .wait_until(&format!(
            "document.getElementById('member-{bob}').textContent.includes('0 / 3 GPUs')"
        ))
        .await;
    browser.wait_until("window.stillHere === true").await;

    // A value above the project's quota: the message is next to the field.
    browser.click(&format!("#member-{bob} a")).await;
    browser.wait_until("document.getElementById('dialog').open").await;
    browser.fill("#quota-gpu", "9").await;
    browser.click("#dialog button[type=submit]").await;
    browser.find("#quota-gpu-error").await;
    browser
        .wait_for_text("This is more than the project's quota of 8 GPUs.")
        .await;
    assert!(
        browser
            .client
            .execute("return document.getElementById('dialog').open", vec![])
            .await
            .unwrap()
            .as_bool()
            .unwrap()
    );
    let gpu: i64 = sqlx::query_scalar("SELECT quota FROM member_quotas WHERE resource = 'gpu'")
        .fetch_one(app.db.read())
        .await
        .unwrap();
    assert_eq!(gpu, 3);
    browser.close().await;
}

#[tokio::test]
async fn the_edit_quota_dialog_is_usable_by_keyboard() {
    let _one = ONE_AT_A_TIME.lock();
    let app = demo_app().await;
    let bob = account_id(&app, "bob").await;
    let browser = Browser::start(&app.base, true, DESKTOP.0, DESKTOP.1).await;
    browser.sign_in("alice", PASSWORD).await;
    browser.goto("/quota").await;
    let link = browser.find(&format!("#member-{bob} a")).await;
    browser
        .client
        .execute(
            &format!("document.querySelector('#member-{bob} a').focus(); return true;"),
            vec![],
        )
        .await
        .unwrap();
    link.send_keys(&Key::Enter.to_string()).await.unwrap();
    browser.wait_until("document.getElementById('dialog').open").await;
    browser
        .wait_until("document.getElementById('dialog').contains(document.activeElement)")
        .await;
    browser
        .client
        .active_element()
        .await
        .unwrap()
        .send_keys(&Key::Escape.to_string())
        .await
        .unwrap();
    browser.wait_until("!document.getElementById('dialog').open").await;
    browser
        .wait_until(&format!(
            "document.activeElement === document.querySelector('#member-{bob} a')"
        ))
        .await;
    browser.close().await;
}

#[tokio::test]
async fn editing_a_quota_without_javascript_works_through_plain_forms() {
    let _one = ONE_AT_A_TIME.lock();
    let app = demo_app().await;
    let bob = account_id(&app, "bob").await;
    let browser = Browser::start(&app.base, false, DESKTOP.0, DESKTOP.1).await;
    browser.sign_in("alice", PASSWORD).await;
    browser.goto("/quota").await;
    browser.click(&format!("#member-{bob} a")).await;
    browser.find("main #quota-cpu").await;
    browser.fill("#quota-cpu", "abc").await;
    browser.click("main form button[type=submit]").await;
    browser
        .wait_for_text("Enter a whole number from -1 (no limit) to")
        .await;
    browser.fill("#quota-cpu", "12").await;
    browser.click("main form button[type=submit]").await;
    browser.wait_for_text("Quota of bob Test saved.").await;
    assert_eq!(browser.path().await, "/quota");
    browser.wait_for_text("0 / 12 cores").await;
    browser.close().await;
}

#[tokio::test]
async fn members_permissions_and_password_in_the_browser() {
    let _one = ONE_AT_A_TIME.lock();
    let app = demo_app().await;
    app.create_user("dora", PlatformRole::None).await;
    let bob = account_id(&app, "bob").await;
    let browser = Browser::start(&app.base, true, DESKTOP.0, DESKTOP.1).await;
    browser.sign_in("alice", PASSWORD).await;

    // Toggle a member's service permission in the dialog.
    browser.goto("/permissions").await;
    browser.click(&format!("#tenant-{bob} a")).await;
    browser.wait_until("document.getElementById('dialog').open").await;
    browser.click("#dialog input[value=hpc]").await;
    browser.click("#dialog button[type=submit]").await;
    browser.wait_until("!document.getElementById('dialog').open").await;
    browser
        .wait_until(&format!(
            "!document.getElementById('tenant-{bob}').textContent.includes('HPC')"
        ))
        .await;
    let hpc: i64 = app
        .count("SELECT COUNT(*) FROM tenant_permissions WHERE service = 'hpc'")
        .await;
    assert_eq!(hpc, 2, "alice twice (two projects) and no longer bob");

    // Search as you type.
    browser.fill("#tenant-search", "bob").await;
    browser
        .wait_until("!document.getElementById('tenants').textContent.includes('alice Test')")
        .await;

    // Add a member, then remove them through the confirm dialog.
    browser.goto("/account/members").await;
    browser.fill("#add-identifier", "dora").await;
    browser
        .click("form[method=post][action='/account/members'] button[type=submit]")
        .await;
    browser.wait_for_text("dora Test was added to the project.").await;
    let dora = account_id(&app, "dora").await;
    browser.click(&format!("#member-{dora} a[href$='/remove']")).await;
    browser.wait_until("document.getElementById('dialog').open").await;
    browser.click("#dialog button.danger").await;
    browser.wait_for_text("dora Test was removed from the project.").await;

    // Change the password.
    browser.click("nav.tabs a[href='/account/password']").await;
    browser.find("#password-current").await;
    browser.fill("#password-current", PASSWORD).await;
    browser.fill("#password-new", "an entirely new secret").await;
    browser.fill("#password-confirm", "an entirely new secret").await;
    browser
        .click("form[action='/account/password'] button[type=submit]")
        .await;
    browser.wait_for_text("Your password was changed.").await;
    browser.close().await;
    assert_eq!(
        app.client().sign_in("alice", "an entirely new secret").await.status,
        reqwest::StatusCode::SEE_OTHER
    );
}

#[tokio::test]
async fn moving_credit_to_a_sub_wallet_in_the_browser() {
    let _one = ONE_AT_A_TIME.lock();
    let app = demo_app().await;
    app.credit("MST110001", "PO-1", "100").await;
    let bob = account_id(&app, "bob").await;
    let browser = Browser::start(&app.base, true, DESKTOP.0, DESKTOP.1).await;
    browser.sign_in("alice", PASSWORD).await;
    browser.goto("/account/wallet").await;
    browser.click(&format!("#open-member option[value='{bob}']")).await;
    browser.click("form[action='/account/wallet/sub-wallets'] button").await;
    browser.wait_for_text("bob Test now has a sub-wallet.").await;
    browser.fill("#transfer-amount", "25").await;
    browser
        .click("form[action='/account/wallet/transfer'] button[type=submit]")
        .await;
    browser.wait_for_text("Moved 25.0000 credits for bob Test.").await;
    browser.find(&format!("#sub-wallet-{bob}")).await;
    browser.wait_for_text("25.0000 credits").await;
    browser.wait_for_text("75.0000 credits").await;
    browser.close().await;
}

#[tokio::test]
async fn support_and_operator_consoles_in_the_browser() {
    let _one = ONE_AT_A_TIME.lock();
    let app = demo_app().await;
    app.create_user("olivia", PlatformRole::Operator).await;
    let bob = account_id(&app, "bob").await;
    for ((width, height), theme) in [(DESKTOP, "light"), (PHONE, "light"), (DESKTOP, "dark"), (PHONE, "dark")] {
        let browser = Browser::start_themed(&app.base, true, width, height, theme == "dark").await;
        browser.sign_in("olivia", PASSWORD).await;
        for lang in ["en", "zh-TW"] {
            if lang == "zh-TW" {
                browser.goto("/support").await;
                browser.click(".user-menu summary").await;
                browser.click(".user-menu button[value='zh-TW']").await;
                browser.wait_for_text("客服").await;
            }
            let shot = |page: &str| format!("{page}-{width}-{theme}-{lang}");
            browser.goto("/support").await;
            browser.fill("#support-search", "bob").await;
            browser
                .find(&format!("#results a[href='/support/accounts/{bob}']"))
                .await;
            browser.screenshot(&shot("support")).await;
            browser.assert_accessible("support search").await;
            browser
                .click(&format!("#results a[href='/support/accounts/{bob}']"))
                .await;
            browser.find("#lock-reason").await;
            browser.screenshot(&shot("support-account")).await;
            browser.assert_accessible("support account").await;
            browser.goto("/operator").await;
            browser.find("#op-account").await;
            browser.screenshot(&shot("operator")).await;
            browser.assert_accessible("operator").await;
            browser.goto("/operator/projects/MST110001").await;
            browser.find("#quota-ccs-gpu").await;
            browser.screenshot(&shot("operator-project")).await;
            browser.assert_accessible("operator project").await;
            browser.goto("/operator?list=accounts").await;
            browser.find("select[name=role]").await;
            browser.screenshot(&shot("operator-accounts")).await;
            browser.assert_accessible("operator accounts").await;
        }
        // Back to English for the next round.
        browser.click(".user-menu summary").await;
        browser.click(".user-menu button[value='en']").await;
        browser.wait_for_text("Operator console").await;
        browser.close().await;
    }

    // Lock an account with a reason, and create a project, through the forms.
    let browser = Browser::start(&app.base, true, DESKTOP.0, DESKTOP.1).await;
    browser.sign_in("olivia", PASSWORD).await;
    browser.goto(&format!("/support/accounts/{bob}")).await;
    browser.fill("#lock-reason", "ticket 99: suspicious activity").await;
    browser.click("form[action$='/lock'] button[type=submit]").await;
    browser.wait_for_text("bob is locked").await;
    browser.goto("/operator").await;
    browser.fill("#project-code", "MST130001").await;
    browser.fill("#project-name", "Browser Project").await;
    browser
        .click("form[action='/operator/projects'] button[type=submit]")
        .await;
    browser.wait_for_text("Project MST130001 was created.").await;
    // A platform role picked in the account's row of the list.
    browser.goto("/operator?list=accounts&q=bob").await;
    browser
        .click("select[aria-label='Platform role of bob'] option[value='support']")
        .await;
    browser
        .click("form[action='/operator/roles'] button[type=submit]")
        .await;
    browser.wait_for_text("The platform role of bob was set.").await;
    browser.close().await;
}

#[tokio::test]
async fn filtering_the_activity_log_in_the_browser() {
    let _one = ONE_AT_A_TIME.lock();
    let app = demo_app().await;
    let user = alice(&app).await;
    let (key_id, _) = app.key_for("MST110001", &user, 30).await;
    let browser = Browser::start(&app.base, true, DESKTOP.0, DESKTOP.1).await;
    browser.sign_in("alice", PASSWORD).await;
    browser.goto("/activity").await;
    browser.click("nav.tabs a[href='/activity?stream=changes']").await;
    browser.click("#activity-kind option[value='key']").await;
    browser.click("form[action='/activity'] button[type=submit]").await;
    browser.wait_for_text("alice created API key").await;
    browser.wait_for_text(&key_id).await;
    assert!(
        !browser.text().await.contains("member.add"),
        "filtered to API keys only"
    );
    let link = browser
        .find("a[href^='/activity.csv']")
        .await
        .attr("href")
        .await
        .unwrap()
        .unwrap();
    assert!(link.contains("stream=changes") && link.contains("kind=key"), "{link}");
    browser.close().await;
}

#[tokio::test]
async fn in_the_dark_theme_the_banner_and_the_user_menu_stay_legible() {
    let _one = ONE_AT_A_TIME.lock();
    let app = demo_app().await;
    let user = alice(&app).await;
    app.key_for("MST110001", &user, 3).await;
    let browser = Browser::start_themed(&app.base, true, DESKTOP.0, DESKTOP.1, true).await;
    browser.sign_in("alice", PASSWORD).await;
    browser.find(".user-menu").await;
    browser
        .wait_until("matchMedia('(prefers-color-scheme: dark)').matches")
        .await;
    browser
        .wait_for_text("One of your API keys expires within 7 days.")
        .await;
    browser.screenshot("overview-en-desktop-dark").await;
    browser.assert_accessible("overview, dark").await;
    browser.click(".user-menu summary").await;
    browser
        .wait_until("getComputedStyle(document.querySelector('.user-menu > ul')).opacity === '1'")
        .await;
    browser.screenshot("user-menu-en-desktop-dark").await;
    browser.assert_accessible("user menu, dark").await;
    browser
        .assert_legible(".user-menu > ul a, .user-menu > ul button", ".user-menu > ul")
        .await;
    browser.assert_legible(".banner p", ".banner").await;
    browser.close().await;
}

/// Bob asks for more GPUs in the dialog; Alice, told by the bell, approves
/// fewer with a comment; the quota is Bob's at once.
#[tokio::test]
async fn asking_for_more_quota_and_deciding_it_in_the_browser() {
    let _one = ONE_AT_A_TIME.lock();
    let app = demo_app().await;
    let browser = Browser::start(&app.base, true, DESKTOP.0, DESKTOP.1).await;
    browser.sign_in("bob", PASSWORD).await;
    browser.goto("/quota/mine").await;
    browser.click("section[aria-labelledby=mine-ccs] a[role=button]").await;
    browser.wait_until("document.getElementById('dialog').open").await;
    browser
        .wait_until("document.activeElement && document.activeElement.id === 'request-cpu'")
        .await;
    browser.fill("#request-gpu", "4").await;
    browser.fill("#request-reason", "short").await;
    browser.click("#dialog button[type=submit]").await;
    browser.find("#request-reason-error").await;
    browser.wait_until("document.getElementById('dialog').open").await;
    browser.fill("#request-reason", "Fine-tuning runs for the paper").await;
    browser.click("#dialog button[type=submit]").await;
    browser.wait_for_text("Request #1 was sent.").await;
    assert_eq!(browser.path().await, "/quota-requests/1");
    browser.close().await;

    let browser = Browser::start(&app.base, true, DESKTOP.0, DESKTOP.1).await;
    browser.sign_in("alice", PASSWORD).await;
    browser.find(".bell .bell-count").await;
    // The bell opens a short list of the latest notices, in place.
    let here = browser.path().await;
    browser.click(".bell").await;
    browser.find("#bell-panel:not([hidden]) .bell-list").await;
    browser.find("#bell-panel a[href='/notices']").await;
    assert_eq!(browser.path().await, here);
    browser
        .wait_for_text("bob Test filed quota request #1 in MST110001.")
        .await;
    browser.click("#bell-panel .notice-unread button.link-button").await;
    browser.find("#decide").await;
    assert_eq!(browser.path().await, "/quota-requests/1");
    browser.fill("#grant-gpu", "3").await;
    browser.click("button[value=approve]").await;
    browser.find("#decision-comment-error").await;
    browser.fill("#grant-gpu", "3").await;
    browser
        .fill("#decision-comment", "Three until the new nodes arrive")
        .await;
    browser.click("button[value=approve]").await;
    browser.wait_for_text("Request #1 was approved").await;
    browser.wait_for_text("Approved with changed figures").await;
    let gpu: i64 = sqlx::query_scalar("SELECT quota FROM member_quotas WHERE resource = 'gpu'")
        .fetch_one(app.db.read())
        .await
        .unwrap();
    assert_eq!(gpu, 3);

    // Alice asks the operators for a later end date; Olivia approves it.
    browser.goto("/quota-requests").await;
    browser.click("a[href='/quota-requests/new?kind=renewal']").await;
    browser.wait_until("document.getElementById('dialog').open").await;
    browser
        .client
        .execute(
            "document.getElementById('request-ends-on').value = '2031-06-30'; return true;",
            vec![],
        )
        .await
        .unwrap();
    browser.fill("#request-reason", "The study runs another year").await;
    browser.click("#dialog button[type=submit]").await;
    browser.wait_for_text("Request #2 was sent.").await;
    browser.close().await;

    let olivia = app.create_user("olivia", PlatformRole::Operator).await;
    let browser = Browser::start(&app.base, true, DESKTOP.0, DESKTOP.1).await;
    browser.sign_in(&olivia.username, PASSWORD).await;
    browser.goto("/operator/quota-requests").await;
    browser.click("a[href='/operator/quota-requests/2']").await;
    browser.find("#decide").await;
    browser.click("button[value=approve]").await;
    browser.wait_for_text("Request #2 was approved").await;
    let ends: String = sqlx::query_scalar("SELECT ends_on FROM projects WHERE code = 'MST110001'")
        .fetch_one(app.db.read())
        .await
        .unwrap();
    assert_eq!(ends, "2031-06-30");
    browser.close().await;
}

#[tokio::test]
async fn every_main_page_looks_finished_and_passes_axe_in_both_languages_sizes_and_themes() {
    let _one = ONE_AT_A_TIME.lock();
    let app = demo_app().await;
    let user = alice(&app).await;
    app.key_for("MST110001", &user, 30).await;
    app.key_for("MST110001", &user, 3).await;
    // Bob's open quota request: the queue, the request and a notice to sweep.
    let fields = member_center::quota_requests::fields(&[
        ("service", "ccs"),
        ("gpu", "4"),
        ("reason", "Fine-tuning runs for the paper"),
    ]);
    let request =
        member_center::quota_requests::NewRequest::parse(member_center::quota_requests::RequestKind::Member, &fields)
            .unwrap();
    let bob = member_center::quota_requests::service::Actor {
        id: account_id(&app, "bob").await,
        name: "Bob Test",
    };
    let project =
        member_center::auth::identity::ProjectId(app.count("SELECT id FROM projects WHERE code = 'MST110001'").await);
    member_center::quota_requests::service::file(&app.db, bob, project, &request)
        .await
        .unwrap();
    // A first-password link, unused: its page is swept too.
    let (_, reset_path) = member_center::operator::service::create_account_with_link(
        &app.db,
        member_center::operator::service::Actor::CommandLine,
        "newcomer",
        "newcomer@example.org",
        Some("New Comer"),
        None,
    )
    .await
    .unwrap();
    let mut tries = 0;
    for ((width, height), theme) in [(DESKTOP, "light"), (PHONE, "light"), (DESKTOP, "dark"), (PHONE, "dark")] {
        let browser = Browser::start_themed(&app.base, true, width, height, theme == "dark").await;
        for lang in ["en", "zh-TW"] {
            // page-width-theme-lang, e.g. api-keys-1280-dark-zh-TW.
            let shot = |page: &str| format!("{page}-{width}-{theme}-{lang}");
            browser.goto("/sign-in").await;
            if lang == "zh-TW" {
                browser.click("button[name=lang][value='zh-TW']").await;
                browser.wait_for_text("登入").await;
            }
            browser.find("#username").await;
            browser.screenshot(&shot("sign-in")).await;
            browser.assert_accessible("sign-in").await;

            // A wrong password (a name of its own each time: no throttling).
            tries += 1;
            browser.fill("#username", &format!("nobody{tries}")).await;
            browser.fill("#password", "not the password").await;
            browser.click("form[action='/sign-in'] button[type=submit]").await;
            browser.find("#sign-in-error").await;
            browser.screenshot(&shot("sign-in-error")).await;
            browser.assert_accessible("sign-in error").await;

            browser.goto(&reset_path).await;
            browser.find("#reset-new").await;
            browser.screenshot(&shot("reset")).await;
            browser.assert_accessible("reset").await;
            browser.goto("/reset/00000000-0000-4000-8000-000000000000").await;
            browser.find("main h1").await;
            browser.screenshot(&shot("reset-invalid")).await;
            browser.assert_accessible("reset link no longer valid").await;

            browser.goto("/forgot").await;
            browser.find("main h1").await;
            browser.screenshot(&shot("forgot")).await;
            browser.assert_accessible("forgot your password").await;

            browser.goto("/api/v1/docs").await;
            browser.find("#schemas").await;
            browser.screenshot(&shot("api-docs")).await;
            browser.assert_accessible("API reference").await;

            browser.goto("/sign-in").await;
            browser.find("#username").await;

            browser.fill("#username", "alice").await;
            browser.fill("#password", PASSWORD).await;
            browser.click("form[action='/sign-in'] button[type=submit]").await;
            browser.find(".user-menu").await;
            if lang == "zh-TW" {
                browser
                    .client
                    .find(Locator::Css(".user-menu summary"))
                    .await
                    .unwrap()
                    .click()
                    .await
                    .unwrap();
                browser.click(".user-menu button[value='zh-TW']").await;
                browser.wait_for_text("總覽").await;
            }
            browser.screenshot(&shot("overview")).await;
            browser.assert_accessible("overview").await;

            // The user menu, open: every item legible (axe checks contrast).
            browser.click(".user-menu summary").await;
            browser
                .wait_until("getComputedStyle(document.querySelector('.user-menu > ul')).opacity === '1'")
                .await;
            browser.screenshot(&shot("user-menu")).await;
            browser.assert_accessible("user menu").await;
            browser
                .assert_legible(".user-menu > ul a, .user-menu > ul button", ".user-menu > ul")
                .await;
            browser.click(".user-menu summary").await;
            browser.wait_until("!document.querySelector('.user-menu').open").await;

            browser.click(".project-switch").await;
            browser.wait_until("document.getElementById('dialog').open").await;
            browser.screenshot(&shot("switch-project-dialog")).await;
            browser.assert_accessible("project switcher").await;
            browser
                .client
                .active_element()
                .await
                .unwrap()
                .send_keys(&Key::Escape.to_string())
                .await
                .unwrap();

            browser.goto("/keys").await;
            browser.find("#keys-list").await;
            browser.screenshot(&shot("api-keys")).await;
            browser.assert_accessible("API keys").await;
            browser.click("#create-key").await;
            browser.wait_until("document.getElementById('dialog').open").await;
            browser.screenshot(&shot("api-keys-create-dialog")).await;
            browser.assert_accessible("create-key dialog").await;

            browser.goto("/quota").await;
            browser.find(".gauges").await;
            browser.screenshot(&shot("quota")).await;
            browser.assert_accessible("quota").await;
            browser.click(".member-quotas tbody tr:last-child a").await;
            browser.wait_until("document.getElementById('dialog').open").await;
            browser.screenshot(&shot("quota-edit-dialog")).await;
            browser.assert_accessible("edit-quota dialog").await;

            browser.goto("/permissions").await;
            browser.find("#tenants").await;
            browser.screenshot(&shot("permissions")).await;
            browser.assert_accessible("permissions").await;
            browser.click("#tenants tbody tr:last-child a").await;
            browser.wait_until("document.getElementById('dialog').open").await;
            browser.screenshot(&shot("permissions-dialog")).await;
            browser.assert_accessible("permissions dialog").await;

            browser.goto("/object-storage").await;
            browser.find("#own-pair-title").await;
            browser.screenshot(&shot("object-storage")).await;
            browser.assert_accessible("object storage").await;

            browser.goto("/account/hpc-jobs").await;
            browser.find("#hpc-jobs-title").await;
            browser.screenshot(&shot("hpc-jobs")).await;
            browser.assert_accessible("HPC jobs").await;

            browser.goto("/activity?stream=changes").await;
            browser.find("nav.tabs").await;
            browser.screenshot(&shot("activity")).await;
            browser.assert_accessible("activity").await;
            browser.goto("/activity?stream=usage").await;
            browser.find("nav.tabs").await;
            browser.screenshot(&shot("activity-usage")).await;
            browser.assert_accessible("activity usage").await;

            browser.goto("/quota-requests").await;
            browser.find("#all-requests").await;
            browser.screenshot(&shot("quota-requests")).await;
            browser.assert_accessible("quota requests").await;
            browser.click("a[href='/quota-requests/new?kind=project']").await;
            browser.wait_until("document.getElementById('dialog').open").await;
            browser.screenshot(&shot("quota-request-dialog")).await;
            browser.assert_accessible("new quota request dialog").await;
            browser.goto("/quota-requests/1").await;
            browser.find("#history").await;
            browser.screenshot(&shot("quota-request")).await;
            browser.assert_accessible("a quota request").await;
            browser.goto("/quota/mine").await;
            browser.find("#my-requests").await;
            browser.screenshot(&shot("quota-mine")).await;
            browser.assert_accessible("my usage and quota").await;
            browser.goto("/account/two-factor").await;
            browser.find(".qr svg").await;
            browser.screenshot(&shot("two-factor")).await;
            browser.assert_accessible("two-factor sign-in").await;
            browser.goto("/notices").await;
            browser.find(".notices").await;
            browser.screenshot(&shot("notices")).await;
            browser.assert_accessible("notices").await;

            for tab in ["members", "wallet", "usage", "orders", "profile", "password"] {
                browser.goto(&format!("/account/{tab}")).await;
                browser.find("nav.tabs").await;
                browser.screenshot(&shot(&format!("account-{tab}"))).await;
                browser.assert_accessible(tab).await;
            }

            // Back to English and signed out for the next round.
            if lang == "zh-TW" {
                browser.goto("/").await;
                browser.click(".user-menu summary").await;
                browser.click(".user-menu button[value='en']").await;
                browser.wait_for_text("Overview").await;
            }
            browser.goto("/").await;
            browser.click(".user-menu summary").await;
            browser.click(".user-menu form[action='/sign-out'] button").await;
            browser.find("#username").await;
        }
        browser.close().await;
    }
}

/// The demo install's own data (ledger rows, usage, orders, activity) at
/// both sizes: nothing wider than the window, no cell over another, no cell
/// cutting its text off.
#[tokio::test]
async fn the_demo_data_fits_its_tables_at_both_sizes() {
    let _one = ONE_AT_A_TIME.lock();
    let app = spawn_app().await;
    member_center::demo::load_if_empty(&app.db).await.unwrap();
    for (size_name, (width, height)) in [("desktop", DESKTOP), ("phone", PHONE)] {
        let browser = Browser::start(&app.base, true, width, height).await;
        browser.sign_in("alice", member_center::demo::PASSWORD).await;
        for (page, ready) in [
            ("/account/wallet", "#ledger-title"),
            ("/account/usage", "figure.chart"),
            ("/account/orders", "nav.tabs"),
            ("/activity", "nav.tabs"),
            ("/activity?stream=usage", "figure.chart"),
            ("/keys", "#keys-list"),
        ] {
            browser.goto(page).await;
            browser.find(ready).await;
            browser
                .client
                .execute(&format!("document.querySelector('{ready}').scrollIntoView()"), vec![])
                .await
                .unwrap();
            let name = format!("demo{}-{size_name}", page.replace(['/', '?', '='], "-"));
            browser.screenshot(&name).await;
            browser.assert_accessible(&name).await;
            browser.assert_no_clipped_cells(&name).await;
        }
        if size_name == "desktop" {
            // A ledger row's detail reads as one line on a desktop.
            browser.goto("/account/wallet").await;
            let lines = browser
                .client
                .execute(
                    "return [...document.querySelectorAll('td.ledger-detail')].map(td => {
                         const range = document.createRange();
                         range.selectNodeContents(td);
                         return new Set([...range.getClientRects()].map(r => Math.round(r.top))).size;
                     });",
                    vec![],
                )
                .await
                .unwrap();
            let lines: Vec<u64> = serde_json::from_value(lines).unwrap();
            assert!(
                !lines.is_empty() && lines.iter().all(|n| *n == 1),
                "lines a detail: {lines:?}"
            );
        }
        browser.close().await;
    }
}

/// Signing in with the institution's account in a real browser. The
/// provider is another site (127.0.0.2), so its redirect back carries no
/// session cookie (`SameSite=Strict`): the portal moves on from a page of
/// its own, and the person is signed in, or still signed in after linking.
#[tokio::test]
async fn signing_in_with_the_institutions_account_in_the_browser() {
    let _one = ONE_AT_A_TIME.lock();
    let (app, oidc) = spawn_app_with_sso(|config| {
        let sso = config.sso.as_mut().unwrap();
        sso.create_accounts = true;
        sso.button_label = Some("Sign in with NCHC iService".to_string());
    })
    .await;
    let browser = Browser::start(&app.base, true, DESKTOP.0, DESKTOP.1).await;
    browser.goto("/sign-in").await;
    browser.wait_for_text("Sign in with NCHC iService").await;
    browser.click("form.sso button[type=submit]").await;
    browser.fill("#login", "alice").await;
    browser.click("button[type=submit]").await;
    browser.find("summary[aria-label]").await;
    browser.goto("/account/profile").await;
    browser.wait_for_text("You sign in with your institution account").await;
    browser.wait_for_text("alice@uni.example.edu").await;
    // Signing out offers the provider's sign-out, which leads there.
    browser.click("summary[aria-label]").await;
    browser.click(".user-menu form[action='/sign-out'] button").await;
    browser.wait_for_text("You are signed out of Member Center.").await;
    browser.click("a[href='/sign-in/sso/sign-out']").await;
    browser
        .wait_until(&format!("location.href.startsWith('{}')", oidc.issuer))
        .await;
    browser.close().await;

    // Without JavaScript: a person with a password links their account.
    app.create_user("carol", PlatformRole::None).await;
    let browser = Browser::start(&app.base, false, DESKTOP.0, DESKTOP.1).await;
    browser.sign_in("carol", PASSWORD).await;
    browser.goto("/account/profile").await;
    browser.click("form[action='/account/sso/link'] button").await;
    browser.fill("#login", "carol").await;
    browser.click("button[type=submit]").await;
    browser.wait_for_text("carol@uni.example.edu").await;
    assert_eq!(browser.path().await, "/account/profile");
    browser.find("form[action='/account/sso/unlink']").await;
    browser.close().await;
}

/// The pages of single sign-on (the sign-in page with its button, a
/// failure page, the Profile's institution section linked and not, an
/// operator's view of it) in both languages, sizes and themes: axe-clean,
/// within the window.
#[tokio::test]
async fn the_single_sign_on_pages_pass_axe_in_both_languages_sizes_and_themes() {
    let _one = ONE_AT_A_TIME.lock();
    let (app, _oidc) = spawn_app_with_sso(|_| {}).await;
    let linked = app.create_user("linda", PlatformRole::None).await;
    app.create_user("ned", PlatformRole::None).await;
    app.create_user("olivia", PlatformRole::Operator).await;
    member_center::auth::service::link_identity(
        &app.db,
        linked.id,
        &_oidc.issuer,
        "sub-linda",
        "linda@uni.example.edu",
    )
    .await
    .unwrap();
    for ((width, height), theme) in [(DESKTOP, "light"), (PHONE, "dark")] {
        for lang in ["en", "zh-TW"] {
            let shot = |page: &str| format!("{page}-{width}-{theme}-{lang}");
            let browser = Browser::start_themed(&app.base, true, width, height, theme == "dark").await;
            browser.goto("/sign-in").await;
            if lang == "zh-TW" {
                browser.click("button[name=lang][value='zh-TW']").await;
                browser.wait_for_text("使用機構帳號登入").await;
            }
            browser.find("form.sso button").await;
            browser.screenshot(&shot("sign-in-sso")).await;
            browser.assert_accessible("sign-in with single sign-on").await;
            browser.goto("/sign-in/sso/failed/unknown").await;
            browser.find("main [role=alert]").await;
            browser.screenshot(&shot("sso-failed")).await;
            browser.assert_accessible("single sign-on failure").await;
            for (who, page) in [
                ("linda", "/account/profile".to_string()),
                ("ned", "/account/profile".to_string()),
                ("olivia", format!("/support/accounts/{}", linked.id.0)),
            ] {
                browser.sign_in(who, PASSWORD).await;
                let shown = browser
                    .client
                    .execute("return document.documentElement.lang", vec![])
                    .await
                    .unwrap();
                if shown.as_str() != Some(lang) {
                    browser.click(".user-menu summary").await;
                    browser.click(&format!(".user-menu button[value='{lang}']")).await;
                    browser.find(&format!("html[lang='{lang}']")).await;
                }
                browser.goto(&page).await;
                browser.find("#sso").await;
                browser
                    .client
                    .execute("document.getElementById('sso').scrollIntoView()", vec![])
                    .await
                    .unwrap();
                browser.screenshot(&shot(&format!("sso-{who}"))).await;
                browser
                    .assert_accessible(&format!("institution sign-in of {who}"))
                    .await;
                browser.click(".user-menu summary").await;
                browser.click(".user-menu form[action='/sign-out'] button").await;
                browser.find("#username").await;
            }
            browser.close().await;
        }
    }
}

/// The operator's and support's consoles, read as the member pages are:
/// both sizes and languages, no raw code, nothing wider than the window,
/// no control too small for its text, and axe.
#[tokio::test]
async fn the_consoles_read_as_words_at_both_sizes_and_in_both_languages() {
    let _one = ONE_AT_A_TIME.lock();
    // With a Slurm cluster whose commands fail (a slurm.conf that is not
    // there): the Clusters page with its error.
    let app = demo_app_with(|c| {
        let mut slurm = member_center::config::Slurm::new("taichung", "member-center", 60).unwrap();
        slurm.conf = Some("/nonexistent/slurm.conf".into());
        c.slurm = Some(slurm);
    })
    .await;
    app.create_user("olivia", PlatformRole::Operator).await;
    member_center::slurm::service::set_cluster_user(&app.db, None, "bob", "bwang")
        .await
        .unwrap();
    app.key_for("MST110001", &alice(&app).await, 30).await;
    member_center::operator::service::add_order(&app.db, None, "MST110001", "PO-7", "250", "pilot")
        .await
        .unwrap();
    let alice_id = account_id(&app, "alice").await;
    for (width, height) in [DESKTOP, PHONE] {
        let browser = Browser::start(&app.base, true, width, height).await;
        browser.sign_in("olivia", PASSWORD).await;
        for lang in ["en", "zh-TW"] {
            if lang == "zh-TW" {
                browser.click(".user-menu summary").await;
                browser.click(".user-menu button[value='zh-TW']").await;
                browser.find("html[lang='zh-TW']").await;
            }
            for (page, ready) in [
                ("/operator".to_string(), "main h1"),
                ("/operator?list=accounts".to_string(), "main h1"),
                ("/operator/projects/MST110001".to_string(), "main h1"),
                ("/operator/quota-requests".to_string(), "main h1"),
                ("/operator/clusters".to_string(), "main h1"),
                ("/support?q=alice".to_string(), "#results"),
                (format!("/support/accounts/{alice_id}"), "main h1"),
                ("/support/reset".to_string(), "main h1"),
            ] {
                browser.goto(&page).await;
                browser.find(ready).await;
                let name = format!("console{}-{width}-{lang}", page.replace(['/', '?', '='], "-"));
                browser.screenshot(&name).await;
                browser.assert_accessible(&name).await;
            }
        }
        // Back to English (the account keeps its choice) for the next size.
        browser.click(".user-menu summary").await;
        browser.click(".user-menu button[value='en']").await;
        browser.find("html[lang='en']").await;
        browser.close().await;
    }
}
