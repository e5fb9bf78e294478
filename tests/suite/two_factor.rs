//! Two-factor sign-in with TOTP: enrolment with a code computed here,
//! sign-in asking for a code after the password, a code never accepted
//! twice, recovery codes once each, throttling, and turning it off.

use reqwest::StatusCode;

use crate::common::{Client, TestApp, TestUser, spawn_app};
use member_center::{accounts::PlatformRole, auth::totp};

fn now() -> i64 {
    member_center::db::now()
}

/// The text between `start` and the next `<` after it.
fn between(body: &str, start: &str) -> String {
    let from = body.find(start).unwrap_or_else(|| panic!("{start:?} not in {body}")) + start.len();
    body[from..].split('<').next().unwrap().to_string()
}

async fn password_step(app: &TestApp, user: &TestUser) -> Client {
    let mut client = app.client();
    let page = client.sign_in(&user.username, &user.password).await;
    assert_eq!(page.location(), Some("/sign-in/code"), "{}", page.body);
    client.get("/sign-in/code").await.assert_contains("Second factor");
    client
}

#[tokio::test]
async fn a_second_factor_is_enrolled_asked_for_after_the_password_and_never_replayed() {
    let app = spawn_app().await;
    let ivy = app.create_user("ivy", PlatformRole::None).await;
    let mut client = app.signed_in(&ivy).await;

    // Enrolment: a QR code drawn on the server, the key as text, a code to confirm.
    let page = client.get("/account/two-factor").await;
    page.assert_contains("<svg");
    let secret = between(&page.body, r#"<code id="two-factor-secret">"#);
    assert_eq!(
        client.get("/account/two-factor").await.body.matches(&secret).count(),
        1,
        "the same key on reload"
    );
    let wrong = client.post("/account/two-factor", &[("code", "000000")]).await;
    assert_eq!(wrong.status, StatusCode::UNPROCESSABLE_ENTITY);
    let code = totp::code_at(&secret, now()).unwrap();
    let on = client.post("/account/two-factor", &[("code", &code)]).await;
    assert_eq!(on.status, StatusCode::OK, "{}", on.body);
    on.assert_contains("they are shown only this once");
    let codes: Vec<String> = on
        .body
        .split("<li><code>")
        .skip(1)
        .map(|piece| piece.split('<').next().unwrap().to_string())
        .collect();
    assert_eq!(codes.len(), 10);
    assert!(
        !client.get("/account/two-factor").await.body.contains(&codes[0]),
        "shown once"
    );
    client
        .get("/notices")
        .await
        .assert_contains("A second factor now guards your account");

    // Signing in: the password, then a code. Not signed in in between.
    let mut second = password_step(&app, &ivy).await;
    assert_eq!(second.get("/account").await.status, StatusCode::SEE_OTHER);
    let replay = second.post("/sign-in/code", &[("code", &code)]).await;
    assert_eq!(
        replay.status,
        StatusCode::UNPROCESSABLE_ENTITY,
        "the enrolment's code, again"
    );
    let next = totp::code_at(&secret, now() + 30).unwrap();
    let signed_in = second.post("/sign-in/code", &[("code", &next)]).await;
    assert_eq!(signed_in.status, StatusCode::SEE_OTHER, "{}", signed_in.body);
    assert_eq!(second.get("/account").await.status, StatusCode::OK);

    // The same code from elsewhere: refused.
    let mut third = password_step(&app, &ivy).await;
    assert_eq!(
        third.post("/sign-in/code", &[("code", &next)]).await.status,
        StatusCode::UNPROCESSABLE_ENTITY
    );
    // A recovery code works, once.
    let recovered = third.post("/sign-in/code", &[("code", &codes[3].to_uppercase())]).await;
    assert_eq!(recovered.status, StatusCode::SEE_OTHER);
    let mut fourth = password_step(&app, &ivy).await;
    assert_eq!(
        fourth.post("/sign-in/code", &[("code", &codes[3])]).await.status,
        StatusCode::UNPROCESSABLE_ENTITY
    );
    third
        .get("/account/two-factor")
        .await
        .assert_contains("9 unused recovery codes left.");

    // Turning it off takes the password and a code.
    let refused = third
        .post(
            "/account/two-factor/disable",
            &[("password", "wrong"), ("code", &codes[4])],
        )
        .await;
    assert_eq!(refused.status, StatusCode::UNPROCESSABLE_ENTITY);
    let off = third
        .post(
            "/account/two-factor/disable",
            &[("password", &ivy.password), ("code", &codes[4])],
        )
        .await;
    assert_eq!(off.status, StatusCode::SEE_OTHER);
    let mut fifth = app.client();
    let page = fifth.sign_in(&ivy.username, &ivy.password).await;
    assert_eq!(page.location(), Some("/"), "straight in again");
}

#[tokio::test]
async fn wrong_codes_are_throttled_like_passwords() {
    let app = spawn_app().await;
    let jo = app.create_user("jody", PlatformRole::None).await;
    let mut client = app.signed_in(&jo).await;
    let page = client.get("/account/two-factor").await;
    let secret = between(&page.body, r#"<code id="two-factor-secret">"#);
    let code = totp::code_at(&secret, now()).unwrap();
    assert_eq!(
        client.post("/account/two-factor", &[("code", &code)]).await.status,
        StatusCode::OK
    );
    let mut guesser = password_step(&app, &jo).await;
    let mut last = StatusCode::OK;
    for guess in 0..8 {
        last = guesser
            .post("/sign-in/code", &[("code", &format!("{guess:06}"))])
            .await
            .status;
        if last == StatusCode::TOO_MANY_REQUESTS {
            break;
        }
    }
    assert_eq!(last, StatusCode::TOO_MANY_REQUESTS);
}

/// Whoever holds a session guesses the password and a code no faster by
/// turning the second factor off, or by changing the password, than by
/// signing in: each wrong try counts against the same throttle.
#[tokio::test]
async fn turning_the_second_factor_off_and_changing_the_password_are_throttled_like_signing_in() {
    let app = spawn_app().await;
    let kim = app.create_user("kim", PlatformRole::None).await;
    let mut client = app.signed_in(&kim).await;
    enrol(&mut client).await;
    let mut last = StatusCode::OK;
    for guess in 0..8 {
        last = client
            .post(
                "/account/two-factor/disable",
                &[
                    ("password", &format!("guess-{guess}")),
                    ("code", &format!("{guess:06}")),
                ],
            )
            .await
            .status;
        if last == StatusCode::TOO_MANY_REQUESTS {
            break;
        }
    }
    assert_eq!(last, StatusCode::TOO_MANY_REQUESTS);
    // The same throttle: signing in with the right password waits too,
    let mut again = app.client();
    let page = again.sign_in(&kim.username, &kim.password).await;
    assert_eq!(page.status, StatusCode::TOO_MANY_REQUESTS, "{}", page.body);
    // and so does the right password and code on this page.
    let page = client.get("/account/two-factor").await;
    assert_eq!(page.status, StatusCode::OK);
    let still = client
        .post(
            "/account/two-factor/disable",
            &[("password", &kim.password), ("code", "000000")],
        )
        .await;
    assert_eq!(still.status, StatusCode::TOO_MANY_REQUESTS);
    still.assert_contains("Too many");
    assert_eq!(
        app.count("SELECT COUNT(*) FROM two_factor WHERE enabled_at IS NOT NULL")
            .await,
        1,
        "still on"
    );

    let lee = app.create_user("lee", PlatformRole::None).await;
    let mut client = app.signed_in(&lee).await;
    client.get("/account/password").await;
    let mut last = StatusCode::OK;
    for guess in 0..8 {
        let fields = [
            ("current", format!("guess-{guess}")),
            ("new", "a-brand-new-passphrase".to_string()),
            ("confirm", "a-brand-new-passphrase".to_string()),
        ];
        let fields: Vec<(&str, &str)> = fields.iter().map(|(k, v)| (*k, v.as_str())).collect();
        last = client.post("/account/password", &fields).await.status;
        if last == StatusCode::TOO_MANY_REQUESTS {
            break;
        }
        assert_eq!(last, StatusCode::UNPROCESSABLE_ENTITY);
    }
    assert_eq!(last, StatusCode::TOO_MANY_REQUESTS);
}

/// Turns on a second factor for the signed-in `client`; its secret.
pub async fn enrol(client: &mut Client) -> String {
    let page = client.get("/account/two-factor").await;
    let secret = between(&page.body, r#"<code id="two-factor-secret">"#);
    let code = totp::code_at(&secret, now()).unwrap();
    let on = client.post("/account/two-factor", &[("code", &code)]).await;
    assert_eq!(on.status, StatusCode::OK, "{}", on.body);
    secret
}

#[tokio::test]
async fn support_and_operators_reach_nothing_but_the_enrolment_until_theirs_is_on() {
    let app = crate::common::spawn_app_with(|config| {
        config.require_two_factor_for = vec![PlatformRole::Support, PlatformRole::Operator];
    })
    .await;
    let olivia = app.create_user("olivia", PlatformRole::Operator).await;
    let mut client = app.client();
    assert_eq!(
        client.sign_in(&olivia.username, &olivia.password).await.status,
        StatusCode::SEE_OTHER
    );
    for path in ["/operator", "/support", "/account/profile", "/notices"] {
        let page = client.get(path).await;
        assert_eq!(page.status, StatusCode::SEE_OTHER, "{path}");
        let expected = format!("/account/two-factor?next={}", path.replace('/', "%2F"));
        assert_eq!(page.location(), Some(expected.as_str()), "{path}");
    }
    let page = client.get("/account/two-factor?next=%2Foperator").await;
    page.assert_contains("Your role requires two-factor sign-in");
    // The menu offers only what can be reached: the enrolment, the
    // language, signing out.
    for unreachable in [
        "href=\"/account\"",
        "href=\"/operator\"",
        "href=\"/support\"",
        "href=\"/notices\"",
    ] {
        assert!(!page.body.contains(unreachable), "{unreachable} offered");
    }
    page.assert_contains("action=\"/sign-out\"");
    page.assert_contains(r#"name="next" value="/operator""#);
    // Enrolled: the codes once, with Copy, Download and Print, and a way on
    // to where she was going.
    let secret = {
        let from =
            page.body.find(r#"<code id="two-factor-secret">"#).unwrap() + r#"<code id="two-factor-secret">"#.len();
        page.body[from..].split('<').next().unwrap().to_string()
    };
    let code = totp::code_at(&secret, now()).unwrap();
    let on = client
        .post("/account/two-factor", &[("code", &code), ("next", "/operator")])
        .await;
    assert_eq!(on.status, StatusCode::OK, "{}", on.body);
    on.assert_contains("they are shown only this once");
    on.assert_contains(r#"<a href="/operator" role="button" id="two-factor-continue">Continue</a>"#);
    on.assert_contains(r#"download="member-center-recovery-codes.txt""#);
    on.assert_contains("href=\"data:text/plain;charset=utf-8,");
    on.assert_contains("data-print");
    on.assert_contains(r#"data-copy="recovery-codes-text""#);
    // A foreign address is never where Continue goes.
    assert!(!on.body.contains("evil"));
    assert_eq!(client.get("/operator").await.status, StatusCode::OK);
    let elsewhere = client
        .get("/account/two-factor?next=https%3A%2F%2Fevil.example.org")
        .await;
    assert_eq!(elsewhere.status, StatusCode::OK);
    // Nobody else is held to it.
    let mut kim = app.member("kim", "MST110001", "tenant_user").await;
    assert_eq!(kim.client.get("/account/profile").await.status, StatusCode::OK);
}

#[tokio::test]
async fn support_resets_a_second_factor_with_a_reason_within_the_role_rules() {
    let app = spawn_app().await;
    let ivy = app.create_user("ivy", PlatformRole::None).await;
    let mut ivy_client = app.signed_in(&ivy).await;
    enrol(&mut ivy_client).await;
    let olivia = app.create_user("olivia", PlatformRole::Operator).await;
    let mut olivia_client = app.signed_in(&olivia).await;
    enrol(&mut olivia_client).await;
    let sam = app.create_user("sam", PlatformRole::Support).await;
    let mut support = app.signed_in(&sam).await;

    let path = format!("/support/accounts/{}", ivy.id);
    support.get(&path).await.assert_contains("Reset the second factor");
    let reset = format!("{path}/two-factor/reset");
    let short = support.post(&reset, &[("reason", "lost")]).await;
    assert_eq!(short.status, StatusCode::UNPROCESSABLE_ENTITY);
    short.assert_contains(r#"id="two-factor-reason-error""#);
    assert_eq!(
        app.count("SELECT COUNT(*) FROM two_factor WHERE enabled_at IS NOT NULL")
            .await,
        2
    );
    let done = support
        .post(&reset, &[("reason", "Lost the phone; identity checked by video call")])
        .await;
    assert_eq!(done.status, StatusCode::SEE_OTHER);
    assert_eq!(
        app.count(&format!(
            "SELECT COUNT(*) FROM two_factor WHERE account_id = {}",
            ivy.id
        ))
        .await,
        0
    );
    assert_eq!(
        app.count("SELECT COUNT(*) FROM change_activity WHERE action = 'support.reset_two_factor'")
            .await,
        1
    );
    ivy_client
        .get("/notices")
        .await
        .assert_contains("Support reset the second factor of your account");
    let mut again = app.client();
    assert_eq!(again.sign_in(&ivy.username, &ivy.password).await.location(), Some("/"));

    // Support does not reach an operator's.
    let outranked = support
        .post(
            &format!("/support/accounts/{}/two-factor/reset", olivia.id),
            &[("reason", "Lost the phone; identity checked by video call")],
        )
        .await;
    assert_eq!(outranked.status, StatusCode::FORBIDDEN);
    assert_eq!(
        app.count("SELECT COUNT(*) FROM two_factor WHERE enabled_at IS NOT NULL")
            .await,
        1
    );
}
