//! Sign-in with the institution's account, against a real OpenID provider
//! (`oidc-provider`, started for each test): linking, accounts made at the
//! first sign-in or refused, tampered answers, the provider down, the
//! password rule for linked accounts, operators' links, and signing out.

use member_center::accounts::PlatformRole;
use reqwest::StatusCode;

use crate::common::{Client, Oidc, Page, TestApp, spawn_app_with_sso};

/// Follows the portal's redirect to the provider, signs in there as
/// `login`, and returns the portal URL the provider sends the browser back to.
async fn at_provider(client: &Client, start: &Page, login: &str) -> String {
    assert_eq!(start.status, StatusCode::SEE_OTHER, "{}", start.body);
    let mut url = start.location().expect("off to the provider").to_string();
    for _ in 0..20 {
        if url.starts_with(&client.base) {
            return url;
        }
        let response = client.http.get(&url).send().await.unwrap();
        let status = response.status();
        let location = location_of(&response);
        let body = response.text().await.unwrap();
        if status.is_redirection() {
            url = absolute(&url, &location.unwrap());
        } else if body.contains("name=\"login\"") {
            let response = client
                .http
                .post(format!("{url}/login"))
                .form(&[("login", login)])
                .send()
                .await
                .unwrap();
            url = absolute(&url, &location_of(&response).expect("the provider moves on"));
        } else {
            panic!("the provider answered {status} at {url}: {body}");
        }
    }
    panic!("the provider never sent the browser back");
}

fn location_of(response: &reqwest::Response) -> Option<String> {
    response
        .headers()
        .get("location")
        .map(|v| v.to_str().unwrap().to_string())
}

fn absolute(current: &str, location: &str) -> String {
    if location.starts_with("http") {
        return location.to_string();
    }
    let origin_end = current[8..].find('/').map_or(current.len(), |i| i + 8);
    format!("{}{location}", &current[..origin_end])
}

/// Where the page that answers the provider's redirect moves on to.
fn refresh_target(page: &Page) -> String {
    assert_eq!(page.status, StatusCode::OK, "{}", page.body);
    let start = page.body.find("url=").expect("the page moves on") + 4;
    let end = page.body[start..].find('"').unwrap() + start;
    page.body[start..end].replace("&amp;", "&")
}

/// Comes back to the portal at `callback`: where it moves on to, and that page.
async fn back_at_portal(client: &mut Client, callback: &str) -> (String, Page) {
    let path = callback.strip_prefix(&client.base).expect("a portal URL").to_string();
    let answer = client.get(&path).await;
    let target = refresh_target(&answer);
    let page = client.get(&target).await;
    (target, page)
}

/// Signs in at the provider as `login` from the sign-in page's button.
async fn sso_sign_in(client: &mut Client, login: &str) -> (String, Page) {
    client.get("/sign-in").await;
    let start = client.post("/sign-in/sso", &[("next", "/")]).await;
    let callback = at_provider(client, &start, login).await;
    let (target, page) = back_at_portal(client, &callback).await;
    // A signed-in session has a new CSRF token: read it.
    client.get("/account/profile").await;
    (target, page)
}

async fn signed_in_as(client: &mut Client, username: &str) {
    let page = client.get("/account/profile").await;
    assert_eq!(page.status, StatusCode::OK, "signed in: {}", page.body);
    page.assert_contains(username);
}

async fn signed_out(client: &mut Client) {
    let page = client.get("/account/profile").await;
    assert_eq!(page.status, StatusCode::SEE_OTHER);
    assert!(page.location().unwrap().starts_with("/sign-in"));
}

async fn identities(app: &TestApp, account: &str) -> i64 {
    app.count(&format!(
        "SELECT COUNT(*) FROM sso_identities i JOIN accounts a ON a.id = i.account_id WHERE a.username = '{account}'"
    ))
    .await
}

#[tokio::test]
async fn an_account_links_its_identity_on_the_profile_then_signs_in_with_it() {
    let (app, _oidc) = spawn_app_with_sso(|_| {}).await;
    let carol = app.create_user("carol", PlatformRole::None).await;
    let mut browser = app.signed_in(&carol).await;

    let profile = browser.get("/account/profile").await;
    profile.assert_contains("Institution sign-in");
    profile.assert_contains("Link your institution account");
    let start = browser.post("/account/sso/link", &[]).await;
    let callback = at_provider(&browser, &start, "carol").await;
    let (target, profile) = back_at_portal(&mut browser, &callback).await;
    assert_eq!(target, "/account/profile#sso");
    profile.assert_contains("You sign in with your institution account");
    profile.assert_contains("carol@uni.example.edu");
    assert_eq!(identities(&app, "carol").await, 1);
    assert_eq!(
        app.count("SELECT COUNT(*) FROM notices WHERE kind = 'security.sso_linked'")
            .await,
        1
    );
    assert_eq!(
        app.count("SELECT COUNT(*) FROM change_activity WHERE action = 'account.sso.link'")
            .await,
        1
    );

    // A new browser signs in through the provider alone.
    let mut elsewhere = app.client();
    let (target, page) = sso_sign_in(&mut elsewhere, "carol").await;
    assert_eq!(target, "/", "{}", page.body);
    signed_in_as(&mut elsewhere, "carol").await;
    assert_eq!(
        app.count("SELECT COUNT(*) FROM sso_identities WHERE last_used_at IS NOT NULL")
            .await,
        1
    );

    // Unlinked (she has a password), the provider no longer signs her in.
    browser.get("/account/profile").await;
    let unlinked = browser.post("/account/sso/unlink", &[]).await;
    assert_eq!(unlinked.status, StatusCode::SEE_OTHER);
    browser
        .get("/account/profile")
        .await
        .assert_contains("Your institution account is no longer linked.");
    assert_eq!(identities(&app, "carol").await, 0);
    let mut again = app.client();
    let (target, page) = sso_sign_in(&mut again, "carol").await;
    assert_eq!(target, "/sign-in/sso/failed/unknown");
    assert_eq!(page.status, StatusCode::FORBIDDEN);
    page.assert_contains("No Member Center account is linked to your institution account");
    signed_out(&mut again).await;
}

#[tokio::test]
async fn an_unknown_identity_is_refused_unless_accounts_are_made_from_verified_claims() {
    let (refusing, _oidc) = spawn_app_with_sso(|_| {}).await;
    let mut browser = refusing.client();
    let (target, page) = sso_sign_in(&mut browser, "dave").await;
    assert_eq!(target, "/sign-in/sso/failed/unknown");
    assert_eq!(page.status, StatusCode::FORBIDDEN);
    page.assert_contains("Ask support");
    assert_eq!(refusing.count("SELECT COUNT(*) FROM accounts").await, 0);

    let (app, _oidc) = spawn_app_with_sso(|config| {
        config.sso.as_mut().unwrap().create_accounts = true;
    })
    .await;
    let mut browser = app.client();
    let (target, _) = sso_sign_in(&mut browser, "dave").await;
    assert_eq!(target, "/");
    signed_in_as(&mut browser, "dave").await;
    assert_eq!(
        app.count(
            "SELECT COUNT(*) FROM accounts WHERE username = 'dave' AND email = 'dave@uni.example.edu' \
             AND display_name = 'Dave (uni)' AND password_hash = ''"
        )
        .await,
        1
    );
    // Its only way in: it cannot be unlinked.
    let profile = browser.get("/account/profile").await;
    profile.assert_contains("Your account has no password");
    browser.post("/account/sso/unlink", &[]).await;
    assert_eq!(identities(&app, "dave").await, 1);
    // And no password signs it in.
    let mut guess = app.client();
    assert_eq!(guess.sign_in("dave", "").await.status, StatusCode::UNPROCESSABLE_ENTITY);
    // The second sign-in finds the same account.
    let mut later = app.client();
    sso_sign_in(&mut later, "dave").await;
    signed_in_as(&mut later, "dave").await;
    assert_eq!(app.count("SELECT COUNT(*) FROM accounts").await, 1);

    // An address the provider did not verify makes no account.
    let mut unverified = app.client();
    let (target, page) = sso_sign_in(&mut unverified, "unverified-erin").await;
    assert_eq!(target, "/sign-in/sso/failed/unverified-email");
    assert_eq!(page.status, StatusCode::FORBIDDEN);
    page.assert_contains("has not verified your email address");

    // A username someone has is not taken over.
    app.create_user("henry", PlatformRole::None).await;
    let mut henry = app.client();
    let (target, page) = sso_sign_in(&mut henry, "henry").await;
    assert_eq!(target, "/sign-in/sso/failed/username-taken");
    assert_eq!(page.status, StatusCode::CONFLICT);
    assert_eq!(identities(&app, "henry").await, 0);
    signed_out(&mut henry).await;

    // Nor an address another account has.
    let ivy = app.create_user("ivy", PlatformRole::None).await;
    app.db
        .execute(sqlx::query("UPDATE accounts SET email = 'ivan@uni.example.edu' WHERE id = $1").bind(ivy.id))
        .await
        .unwrap();
    let mut ivan = app.client();
    let (target, page) = sso_sign_in(&mut ivan, "ivan").await;
    assert_eq!(target, "/sign-in/sso/failed/email-taken");
    page.assert_contains("An account with your email address exists already");
}

/// Starts a sign-in; the callback URL the provider sends back and the flow
/// cookie the portal set (`name=value`).
async fn started(client: &mut Client, login: &str) -> (String, String) {
    client.get("/sign-in").await;
    let start = client.post("/sign-in/sso", &[("next", "/")]).await;
    let cookie = start
        .headers
        .get_all("set-cookie")
        .iter()
        .map(|v| v.to_str().unwrap().to_string())
        .find(|c| c.starts_with("mc_sso="))
        .expect("the flow cookie")
        .split(';')
        .next()
        .unwrap()
        .to_string();
    (at_provider(client, &start, login).await, cookie)
}

/// The failure a callback URL comes to (in a browser with `cookie`, or none).
async fn failure_at(app: &TestApp, url: &str, cookie: Option<&str>) -> (String, Page) {
    let http = reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .unwrap();
    let mut request = http.get(url);
    if let Some(cookie) = cookie {
        request = request.header("cookie", cookie);
    }
    let response = request.send().await.unwrap();
    let answer = Page {
        status: response.status(),
        headers: response.headers().clone(),
        body: response.text().await.unwrap(),
    };
    let target = refresh_target(&answer);
    let page = app.client().get(&target).await;
    (target, page)
}

#[tokio::test]
async fn tampered_answers_replayed_codes_and_a_provider_down_get_a_clear_page_and_no_session() {
    let (app, mut oidc) = spawn_app_with_sso(|config| {
        config.sso.as_mut().unwrap().create_accounts = true;
    })
    .await;

    // Another state than this browser's.
    let mut browser = app.client();
    let (callback, cookie) = started(&mut browser, "kate").await;
    let forged = callback.replace("state=", "state=x");
    let (target, page) = failure_at(&app, &forged, Some(&cookie)).await;
    assert_eq!(target, "/sign-in/sso/failed/wrong-state");
    assert_eq!(page.status, StatusCode::BAD_REQUEST);
    page.assert_contains("does not belong to the sign-in this browser started");
    assert!(!page.body.contains("Unknown localization key"));
    // The answer in a browser that did not start it (no flow cookie).
    let (target, _) = failure_at(&app, &callback, None).await;
    assert_eq!(target, "/sign-in/sso/failed/expired");
    // The genuine answer signs in once; its code replayed is refused by the provider.
    let (target, _) = back_at_portal(&mut browser, &callback).await;
    assert_eq!(target, "/");
    signed_in_as(&mut browser, "kate").await;
    let (target, page) = failure_at(&app, &callback, Some(&cookie)).await;
    assert_eq!(target, "/sign-in/sso/failed/code-refused");
    page.assert_contains("no longer accepts this sign-in");

    // An ID token with another nonce (validly signed), or a broken signature.
    for how in ["nonce", "signature"] {
        oidc.tamper(how).await;
        let mut browser = app.client();
        let (target, page) = sso_sign_in(&mut browser, "kate").await;
        assert_eq!(target, "/sign-in/sso/failed/token-invalid", "{how}");
        assert_eq!(page.status, StatusCode::BAD_REQUEST);
        page.assert_contains("could not be verified");
        signed_out(&mut browser).await;
    }

    // The provider says no.
    let mut browser = app.client();
    let (callback, cookie) = started(&mut browser, "kate").await;
    let state = callback.split("state=").nth(1).unwrap().split('&').next().unwrap();
    let refused = format!("{}/sign-in/sso/callback?error=access_denied&state={state}", app.base);
    let (target, page) = failure_at(&app, &refused, Some(&cookie)).await;
    assert_eq!(target, "/sign-in/sso/failed/provider-refused");
    assert_eq!(page.status, StatusCode::FORBIDDEN);

    // The provider down.
    oidc.stop();
    let mut browser = app.client();
    browser.get("/sign-in").await;
    let start = browser.post("/sign-in/sso", &[("next", "/")]).await;
    assert_eq!(start.location(), Some("/sign-in/sso/failed/provider-down"));
    let page = browser.get("/sign-in/sso/failed/provider-down").await;
    assert_eq!(page.status, StatusCode::BAD_GATEWAY);
    page.assert_contains("cannot be reached just now");
    signed_out(&mut browser).await;
    // A failure page that is none is not found.
    assert_eq!(
        browser.get("/sign-in/sso/failed/nonsense").await.status,
        StatusCode::NOT_FOUND
    );
    assert_eq!(app.count("SELECT COUNT(*) FROM accounts").await, 1, "kate only");
}

#[tokio::test]
async fn linked_accounts_can_be_held_to_the_provider_and_passwords_stay_for_the_rest() {
    let (app, _oidc) = spawn_app_with_sso(|config| {
        let sso = config.sso.as_mut().unwrap();
        sso.passwords_for_linked = false;
        sso.button_label = Some("NCHC iService".to_string());
        sso.button_label_zh_tw = Some("國網中心 iService".to_string());
    })
    .await;
    let lena = app.create_user("lena", PlatformRole::None).await;
    let mike = app.create_user("mike", PlatformRole::None).await;
    let mut browser = app.signed_in(&lena).await;
    let start = browser.post("/account/sso/link", &[]).await;
    let callback = at_provider(&browser, &start, "lena").await;
    back_at_portal(&mut browser, &callback).await;

    let mut password = app.client();
    let page = password.get("/sign-in").await;
    page.assert_contains("NCHC iService");
    let refused = password.sign_in("lena", &lena.password).await;
    assert_eq!(refused.status, StatusCode::FORBIDDEN);
    refused.assert_contains("This account signs in with its institution account");
    signed_out(&mut password).await;
    // Someone not linked signs in with a password as before.
    app.signed_in(&mike).await;
    // The button in Traditional Chinese.
    let mut zh = app.client();
    let page = zh.get_with("/sign-in", &[("accept-language", "zh-TW")]).await;
    page.assert_contains("國網中心 iService");
}

#[tokio::test]
async fn operators_link_and_unlink_an_identity_from_an_accounts_page() {
    let (app, _oidc) = spawn_app_with_sso(|_| {}).await;
    let nora = app.create_user("nora", PlatformRole::None).await;
    let operator = app.create_user("olga", PlatformRole::Operator).await;
    let support = app.create_user("sam", PlatformRole::Support).await;
    let page_path = format!("/support/accounts/{}", nora.id.0);
    let link_path = format!("/operator/accounts/{}/sso", nora.id.0);

    let mut staff = app.signed_in(&support).await;
    let page = staff.get(&page_path).await;
    page.assert_contains("No institution account is linked.");
    assert!(!page.body.contains(&link_path), "support sees no link form");
    assert_eq!(
        staff.post(&link_path, &[("subject", "sub-nora")]).await.status,
        StatusCode::FORBIDDEN
    );

    let mut olga = app.signed_in(&operator).await;
    // From the operator console's account list to the account's page.
    olga.get("/operator?list=accounts&q=nora")
        .await
        .assert_contains(&format!("href=\"{page_path}\""));
    olga.get(&page_path).await.assert_contains(&link_path);
    let empty = olga.post(&link_path, &[("subject", "  ")]).await;
    assert_eq!(empty.status, StatusCode::UNPROCESSABLE_ENTITY);
    empty.assert_contains("Enter the subject");
    let linked = olga.post(&link_path, &[("subject", "sub-nora")]).await;
    assert_eq!(linked.status, StatusCode::SEE_OTHER);
    olga.get(&page_path).await.assert_contains("sub-nora");
    // The same identity cannot go to a second account.
    let paul = app.create_user("paul", PlatformRole::None).await;
    let taken = olga
        .post(
            &format!("/operator/accounts/{}/sso", paul.id.0),
            &[("subject", "sub-nora")],
        )
        .await;
    assert_eq!(taken.status, StatusCode::UNPROCESSABLE_ENTITY);
    taken.assert_contains("is linked to another Member Center account already");

    let mut browser = app.client();
    sso_sign_in(&mut browser, "nora").await;
    signed_in_as(&mut browser, "nora").await;

    olga.get(&page_path).await;
    let removed = olga.post(&format!("{link_path}/remove"), &[]).await;
    assert_eq!(removed.status, StatusCode::SEE_OTHER);
    assert_eq!(identities(&app, "nora").await, 0);
    assert_eq!(
        app.count("SELECT COUNT(*) FROM notices WHERE kind = 'security.sso_unlinked'")
            .await,
        1
    );
    let mut browser = app.client();
    let (target, _) = sso_sign_in(&mut browser, "nora").await;
    assert_eq!(target, "/sign-in/sso/failed/unknown");
}

#[tokio::test]
async fn signing_out_offers_the_providers_own_sign_out() {
    let (app, oidc) = spawn_app_with_sso(|config| {
        config.sso.as_mut().unwrap().create_accounts = true;
    })
    .await;
    let mut browser = app.client();
    sso_sign_in(&mut browser, "quinn").await;
    let out = browser.post("/sign-out", &[]).await;
    assert_eq!(out.location(), Some("/sign-in?signed_out=sso"));
    let page = browser.get("/sign-in?signed_out=sso").await;
    page.assert_contains("You are signed out of Member Center.");
    page.assert_contains("/sign-in/sso/sign-out");
    let provider = browser.get("/sign-in/sso/sign-out").await;
    assert_eq!(provider.status, StatusCode::SEE_OTHER);
    let end = provider.location().unwrap();
    assert!(end.starts_with(&format!("{}/session/end?", oidc.issuer)), "{end}");
    assert!(end.contains("client_id=member-center"), "{end}");
    assert!(end.contains("post_logout_redirect_uri="), "{end}");
    signed_out(&mut browser).await;
    let _ = Oidc::settings(&oidc);
}

#[tokio::test]
async fn an_account_with_a_second_factor_is_asked_for_it_after_the_provider_too() {
    let (app, _oidc) = spawn_app_with_sso(|_| {}).await;
    let rita = app.create_user("rita", PlatformRole::None).await;
    let mut browser = app.signed_in(&rita).await;
    let secret = crate::two_factor::enrol(&mut browser).await;
    let start = browser.post("/account/sso/link", &[]).await;
    let callback = at_provider(&browser, &start, "rita").await;
    back_at_portal(&mut browser, &callback).await;
    assert_eq!(identities(&app, "rita").await, 1);

    let mut elsewhere = app.client();
    elsewhere.get("/sign-in").await;
    let start = elsewhere.post("/sign-in/sso", &[("next", "/")]).await;
    let callback = at_provider(&elsewhere, &start, "rita").await;
    let (target, page) = back_at_portal(&mut elsewhere, &callback).await;
    assert_eq!(target, "/sign-in/code");
    page.assert_contains("Second factor");
    signed_out(&mut elsewhere).await;
    // The code from the next time step (the enrolment used this one).
    let code = member_center::auth::totp::code_at(&secret, member_center::db::now() + 30).unwrap();
    elsewhere.get("/sign-in/code").await;
    let done = elsewhere.post("/sign-in/code", &[("code", &code)]).await;
    assert_eq!(done.status, StatusCode::SEE_OTHER, "{}", done.body);
    signed_in_as(&mut elsewhere, "rita").await;
}
