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
    assert!(
        security.iter().any(|m| m.subject.contains("密碼已變更")),
        "{security:#?}"
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
    for agent in ["Firefox/140 on Linux", "Firefox/140 on Linux", "Safari/19 on macOS"] {
        let mut client = app.client_as([127, 0, 0, 1], agent);
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
}
