//! The foundation, as a person meets it: signing in and out, the top bar,
//! switching project and language, CSRF, security headers, error pages.

use crate::common::{PASSWORD, spawn_app, spawn_app_with};
use member_center::accounts::{PlatformRole, store as accounts_store};
use reqwest::StatusCode;

#[tokio::test]
async fn signing_in_shows_the_top_bar_with_project_and_username() {
    let app = spawn_app().await;
    let alice = app.create_user("alice", PlatformRole::None).await;
    app.create_project("MST110001", "Deep Learning Lab").await;
    app.add_member("MST110001", &alice, "tenant_admin").await;

    let mut client = app.client();
    let page = client.sign_in("alice", PASSWORD).await;
    assert_eq!(page.status, StatusCode::SEE_OTHER);
    assert_eq!(page.location(), Some("/"));

    let home = client.get("/account").await;
    assert_eq!(home.status, StatusCode::OK);
    home.assert_contains("Deep Learning Lab");
    home.assert_contains("MST110001");
    home.assert_contains("<summary aria-label=\"Account menu\">alice</summary>");
    home.assert_contains("Sign out");
}

const SIGN_IN_FAILED: &str =
    "The username or password is incorrect, or the account is locked. If it is locked, contact support.";

#[tokio::test]
async fn wrong_password_and_unknown_user_get_the_same_answer() {
    let app = spawn_app().await;
    app.create_user("alice", PlatformRole::None).await;

    let wrong = app.client().sign_in("alice", "not the password").await;
    let unknown = app.client().sign_in("nobody", "not the password").await;
    assert_eq!(wrong.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(unknown.status, wrong.status);
    wrong.assert_contains(SIGN_IN_FAILED);
    unknown.assert_contains(SIGN_IN_FAILED);
    let strip = |body: &str| {
        body.replace(&crate::common::csrf_in(body).unwrap(), "")
            .replace("nobody", "alice")
    };
    assert_eq!(strip(&wrong.body), strip(&unknown.body));
}

#[tokio::test]
async fn failures_slow_one_address_down_but_never_lock_the_person_out() {
    let app = spawn_app().await;
    app.create_user("alice", PlatformRole::None).await;
    // The attacker, from 127.0.0.2.
    let mut attacker = app.client_from([127, 0, 0, 2]);
    for _ in 0..5 {
        let page = attacker.sign_in("alice", "wrong password").await;
        assert_eq!(page.status, StatusCode::UNPROCESSABLE_ENTITY);
        page.assert_contains(SIGN_IN_FAILED);
    }
    // From there, even the right password now waits.
    let page = attacker.sign_in("alice", PASSWORD).await;
    assert_eq!(page.status, StatusCode::TOO_MANY_REQUESTS);
    // 30 seconds from the fifth failure (29 if a second has turned since).
    page.assert_contains("Too many sign-in attempts from here. Try again in ");
    assert!(
        page.body.contains(" 30 seconds.") || page.body.contains(" 29 seconds."),
        "{}",
        page.body
    );
    // Alice herself, from another address, signs in.
    let page = app.client_from([127, 0, 0, 3]).sign_in("alice", PASSWORD).await;
    assert_eq!(page.status, StatusCode::SEE_OTHER);
    // Another username from the attacker's address is not held up either.
    app.create_user("bob", PlatformRole::None).await;
    assert_eq!(attacker.sign_in("bob", PASSWORD).await.status, StatusCode::SEE_OTHER);
}

#[tokio::test]
async fn parallel_guesses_verify_at_most_the_allowed_number() {
    let app = spawn_app().await;
    app.create_user("alice", PlatformRole::None).await;
    let guesses = (0..32).map(|n| {
        let mut client = app.client_from([127, 0, 0, 9]);
        async move {
            client.get("/sign-in").await;
            let password = format!("guess number {n}");
            let fields = [("username", "alice"), ("password", password.as_str()), ("next", "/")];
            client.post("/sign-in", &fields).await.status
        }
    });
    let statuses = futures_util::future::join_all(guesses).await;
    let verified = statuses
        .iter()
        .filter(|s| **s == StatusCode::UNPROCESSABLE_ENTITY)
        .count();
    let throttled = statuses.iter().filter(|s| **s == StatusCode::TOO_MANY_REQUESTS).count();
    assert_eq!(verified + throttled, 32, "{statuses:?}");
    assert!(verified <= 5, "{verified} passwords verified of 32 parallel guesses");
}

#[tokio::test]
async fn the_client_address_comes_from_a_trusted_proxy_only() {
    let app = spawn_app_with(|config| config.trusted_proxies = vec!["127.0.0.5".parse().unwrap()]).await;
    app.create_user("alice", PlatformRole::None).await;
    async fn forwarded(client: &crate::common::Client, from: &str) -> StatusCode {
        let fields = [
            ("username", "alice"),
            ("password", "wrong password"),
            ("next", "/"),
            ("csrf_token", client.csrf.as_str()),
        ];
        let request = client.http.post(client.url("/sign-in")).header("x-forwarded-for", from);
        request.form(&fields).send().await.unwrap().status()
    }
    // Through the trusted proxy, each forwarded address has its own count.
    let mut proxy = app.client_from([127, 0, 0, 5]);
    proxy.get("/sign-in").await;
    for _ in 0..5 {
        assert_eq!(
            forwarded(&proxy, "198.51.100.7").await,
            StatusCode::UNPROCESSABLE_ENTITY
        );
    }
    assert_eq!(forwarded(&proxy, "198.51.100.7").await, StatusCode::TOO_MANY_REQUESTS);
    assert_eq!(
        forwarded(&proxy, "198.51.100.8").await,
        StatusCode::UNPROCESSABLE_ENTITY
    );
    // From anyone else the header is ignored: the socket's address counts.
    let mut direct = app.client_from([127, 0, 0, 6]);
    direct.get("/sign-in").await;
    for n in 0..5 {
        let from = format!("203.0.113.{n}");
        assert_eq!(forwarded(&direct, &from).await, StatusCode::UNPROCESSABLE_ENTITY);
    }
    assert_eq!(forwarded(&direct, "203.0.113.99").await, StatusCode::TOO_MANY_REQUESTS);
}

#[tokio::test]
async fn a_locked_account_answers_a_right_password_as_a_wrong_one_and_its_session_ends() {
    let app = spawn_app().await;
    let alice = app.create_user("alice", PlatformRole::None).await;
    let mut open_session = app.signed_in(&alice).await;
    accounts_store::set_locked(&app.db, alice.id, true).await.unwrap();

    let right = app.client().sign_in("alice", PASSWORD).await;
    let wrong = app.client().sign_in("alice", "not the password").await;
    assert_eq!(right.status, StatusCode::UNPROCESSABLE_ENTITY);
    right.assert_contains(SIGN_IN_FAILED);
    let strip = |body: &str| body.replace(&crate::common::csrf_in(body).unwrap(), "");
    assert_eq!(strip(&right.body), strip(&wrong.body));

    let home = open_session.get("/account").await;
    assert_eq!(home.status, StatusCode::SEE_OTHER);
    assert!(home.location().unwrap().starts_with("/sign-in"));
}

#[tokio::test]
async fn a_signed_out_person_is_sent_to_sign_in_and_returned_after() {
    let app = spawn_app().await;
    app.create_user("alice", PlatformRole::None).await;
    let mut client = app.client();

    let page = client.get("/projects/switch").await;
    assert_eq!(page.status, StatusCode::SEE_OTHER);
    assert_eq!(page.location(), Some("/sign-in?next=%2Fprojects%2Fswitch"));

    let form = client.get("/sign-in?next=%2Fprojects%2Fswitch").await;
    form.assert_contains("name=\"next\" value=\"/projects/switch\"");
    let signed_in = client
        .post(
            "/sign-in",
            &[
                ("username", "alice"),
                ("password", PASSWORD),
                ("next", "/projects/switch"),
            ],
        )
        .await;
    assert_eq!(signed_in.location(), Some("/projects/switch"));

    // Never to another site.
    let mut other = app.client();
    other.get("/sign-in").await;
    let page = other
        .post(
            "/sign-in",
            &[
                ("username", "alice"),
                ("password", PASSWORD),
                ("next", "//evil.example/"),
            ],
        )
        .await;
    assert_eq!(page.location(), Some("/"));
}

#[tokio::test]
async fn htmx_requests_of_a_signed_out_person_are_redirected_by_header() {
    let app = spawn_app().await;
    let page = app
        .client()
        .get_with("/projects/switch", &[("HX-Request", "true")])
        .await;
    assert_eq!(
        page.headers.get("HX-Redirect").unwrap(),
        "/sign-in?next=%2Fprojects%2Fswitch"
    );
}

#[tokio::test]
async fn signing_out_ends_the_session() {
    let app = spawn_app().await;
    let alice = app.create_user("alice", PlatformRole::None).await;
    let mut client = app.signed_in(&alice).await;
    let page = client.post("/sign-out", &[]).await;
    assert_eq!(page.status, StatusCode::SEE_OTHER);
    assert_eq!(page.location(), Some("/sign-in"));
    assert_eq!(client.get("/account").await.status, StatusCode::SEE_OTHER);
}

#[tokio::test]
async fn the_session_cookie_is_http_only_strict_and_secure_unless_configured() {
    for insecure in [false, true] {
        let app = spawn_app_with(|config| config.insecure_cookies = insecure).await;
        let response = app
            .client()
            .http
            .get(format!("{}/sign-in", app.base))
            .send()
            .await
            .unwrap();
        let cookie = response
            .headers()
            .get("set-cookie")
            .unwrap()
            .to_str()
            .unwrap()
            .to_string();
        assert!(cookie.starts_with("mc_session="), "{cookie}");
        assert!(cookie.contains("HttpOnly"), "{cookie}");
        assert!(cookie.contains("SameSite=Strict"), "{cookie}");
        assert_eq!(cookie.contains("Secure"), !insecure, "{cookie}");
    }
}

#[tokio::test]
async fn the_session_is_renewed_at_sign_in() {
    let app = spawn_app().await;
    let alice = app.create_user("alice", PlatformRole::None).await;
    let mut client = app.client();
    let before = client.http.get(client.url("/sign-in")).send().await.unwrap();
    let before_cookie = before
        .headers()
        .get("set-cookie")
        .unwrap()
        .to_str()
        .unwrap()
        .to_string();
    client.csrf = crate::common::csrf_in(&before.text().await.unwrap()).unwrap();
    let signed_in = client
        .http
        .post(client.url("/sign-in"))
        .form(&[
            ("username", "alice"),
            ("password", PASSWORD),
            ("csrf_token", &client.csrf),
        ])
        .send()
        .await
        .unwrap();
    let after_cookie = signed_in
        .headers()
        .get("set-cookie")
        .unwrap()
        .to_str()
        .unwrap()
        .to_string();
    assert_ne!(before_cookie, after_cookie);
    // The pre-sign-in cookie does not carry the signed-in session.
    let stale = reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .unwrap();
    let cookie_value = before_cookie.split(';').next().unwrap().to_string();
    let page = stale
        .get(format!("{}/", app.base))
        .header("cookie", cookie_value)
        .send()
        .await
        .unwrap();
    assert_eq!(page.status(), StatusCode::SEE_OTHER);
    let _ = alice;
}

#[tokio::test]
async fn posts_without_the_right_csrf_token_are_refused_and_change_nothing() {
    let app = spawn_app().await;
    let alice = app.create_user("alice", PlatformRole::None).await;
    app.create_project("MST110001", "Deep Learning Lab").await;
    app.create_project("MST110002", "Climate Sim").await;
    app.add_member("MST110001", &alice, "tenant_admin").await;
    app.add_member("MST110002", &alice, "tenant_user").await;
    let mut client = app.signed_in(&alice).await;

    for token in [None, Some("wrong"), Some("")] {
        let mut fields = vec![("lang", "zh-TW"), ("next", "/")];
        if let Some(token) = token {
            fields.push(("csrf_token", token));
        }
        let page = client.post_raw("/language", &fields, &[]).await;
        assert_eq!(page.status, StatusCode::FORBIDDEN, "token {token:?}");
        page.assert_contains("This form has expired.");

        let page = client
            .post_raw(
                "/projects/switch",
                &[("project", "MST110002")],
                &[("x-csrf-token", "nope")],
            )
            .await;
        assert_eq!(page.status, StatusCode::FORBIDDEN);
    }
    let account = member_center::accounts::service::by_id(&app.db, alice.id)
        .await
        .unwrap()
        .unwrap();
    assert_eq!(account.language.code(), "en");
    client.get("/account").await.assert_contains("Deep Learning Lab</h2>");

    // The header form works, as htmx sends it.
    let token = client.csrf.clone();
    let page = client
        .post_raw(
            "/projects/switch",
            &[("project", "MST110002")],
            &[("x-csrf-token", &token)],
        )
        .await;
    assert_eq!(page.status, StatusCode::SEE_OTHER);
}

#[tokio::test]
async fn switching_to_an_own_project_works_and_to_another_is_refused() {
    let app = spawn_app().await;
    let alice = app.create_user("alice", PlatformRole::None).await;
    let carol = app.create_user("carol", PlatformRole::None).await;
    app.create_project("MST110001", "Deep Learning Lab").await;
    app.create_project("MST110002", "Climate Sim").await;
    app.create_project("MST110003", "Secret Project").await;
    app.add_member("MST110001", &alice, "tenant_admin").await;
    app.add_member("MST110002", &alice, "tenant_user").await;
    app.add_member("MST110003", &carol, "tenant_admin").await;
    let mut client = app.signed_in(&alice).await;

    let dialog = client.get_with("/projects/switch", &[("HX-Request", "true")]).await;
    assert!(!dialog.body.contains("<html"), "htmx gets only the dialog");
    dialog.assert_contains("Climate Sim");
    assert!(!dialog.body.contains("Secret Project"));

    let page = client.post("/projects/switch", &[("project", "MST110002")]).await;
    assert_eq!(page.status, StatusCode::SEE_OTHER);
    let home = client.get("/account").await;
    home.assert_contains("<h2>Climate Sim</h2>");
    home.assert_contains("You are now working in Climate Sim.");

    for code in ["MST110003", "NOPE999", ""] {
        let page = client.post("/projects/switch", &[("project", code)]).await;
        assert_eq!(page.status, StatusCode::NOT_FOUND, "{code}");
    }
    client.get("/account").await.assert_contains("<h2>Climate Sim</h2>");
}

#[tokio::test]
async fn language_follows_the_browser_before_sign_in_and_the_account_after() {
    let app = spawn_app().await;
    let alice = app.create_user("alice", PlatformRole::None).await;
    let mut client = app.client();

    let page = client
        .get_with("/sign-in", &[("Accept-Language", "zh-TW,zh;q=0.9,en;q=0.8")])
        .await;
    page.assert_contains("<html lang=\"zh-TW\">");
    page.assert_contains("登入");
    let page = client
        .get_with("/sign-in", &[("Accept-Language", "fr, en;q=0.5")])
        .await;
    page.assert_contains("<html lang=\"en\">");

    // The switch before sign-in holds for the session, whatever the browser says.
    client
        .post("/language", &[("lang", "zh-TW"), ("next", "/sign-in")])
        .await;
    client
        .get_with("/sign-in", &[("Accept-Language", "en")])
        .await
        .assert_contains("<html lang=\"zh-TW\">");

    // After sign-in the account's preference rules, and the switch saves it.
    let mut client = app.signed_in(&alice).await;
    client.get("/account").await.assert_contains("<html lang=\"en\">");
    let page = client.post("/language", &[("lang", "zh-TW"), ("next", "/")]).await;
    assert_eq!(page.location(), Some("/"));
    client.get("/account").await.assert_contains("帳戶與計畫");
    let mut later = app.signed_in(&alice).await;
    later
        .get_with("/account", &[("Accept-Language", "en")])
        .await
        .assert_contains("<html lang=\"zh-TW\">");

    let page = client.post("/language", &[("lang", "klingon"), ("next", "/")]).await;
    assert_eq!(page.status, StatusCode::BAD_REQUEST);
}

/// A client whose browser asks for `languages` on every request.
fn browser_speaking(app: &crate::common::TestApp, languages: &'static str) -> crate::common::Client {
    let mut headers = reqwest::header::HeaderMap::new();
    headers.insert("accept-language", reqwest::header::HeaderValue::from_static(languages));
    crate::common::Client {
        http: reqwest::Client::builder()
            .cookie_store(true)
            .redirect(reqwest::redirect::Policy::none())
            .default_headers(headers)
            .build()
            .unwrap(),
        base: app.base.clone(),
        csrf: String::new(),
    }
}

#[tokio::test]
async fn an_account_that_never_chose_a_language_keeps_the_one_used_at_sign_in() {
    let app = spawn_app().await;
    let language_of = |username: &str| format!("SELECT language FROM accounts WHERE username = '{username}'");
    let stored = async |username: &str| -> String {
        sqlx::query_scalar(sqlx::AssertSqlSafe(language_of(username)))
            .fetch_one(app.db.read())
            .await
            .unwrap()
    };

    // A zh-TW browser: the pages stay in Chinese after sign-in, and after.
    let mei = app.create_user("mei", PlatformRole::None).await;
    let mut client = browser_speaking(&app, "zh-TW,zh;q=0.9,en;q=0.8");
    client.sign_in(&mei.username, &mei.password).await;
    client.get("/account").await.assert_contains("<html lang=\"zh-TW\">");
    assert_eq!(stored("mei").await, "zh-TW");
    let mut english = browser_speaking(&app, "en");
    english.sign_in(&mei.username, &mei.password).await;
    english.get("/account").await.assert_contains("<html lang=\"zh-TW\">");

    // Switched on the sign-in page of an English browser: that one.
    let ken = app.create_user("ken", PlatformRole::None).await;
    let mut client = browser_speaking(&app, "en-US,en;q=0.9");
    client.get("/sign-in").await;
    client
        .post("/language", &[("lang", "zh-TW"), ("next", "/sign-in")])
        .await;
    client.sign_in(&ken.username, &ken.password).await;
    client.get("/account").await.assert_contains("帳戶與計畫");
    assert_eq!(stored("ken").await, "zh-TW");

    // An explicit choice wins over any browser.
    let ann = app.create_user("ann", PlatformRole::None).await;
    let mut client = browser_speaking(&app, "zh-TW");
    client.sign_in(&ann.username, &ann.password).await;
    client.post("/language", &[("lang", "en"), ("next", "/")]).await;
    let mut again = browser_speaking(&app, "zh-TW");
    again.sign_in(&ann.username, &ann.password).await;
    again.get("/account").await.assert_contains("<html lang=\"en\">");
    assert_eq!(stored("ann").await, "en");
}

#[tokio::test]
async fn every_response_carries_the_security_headers() {
    let app = spawn_app().await;
    let mut client = app.client();
    let home = client.get("/sign-in").await;
    let css = home
        .body
        .split("href=\"")
        .find_map(|s| s.split('"').next().filter(|h| h.ends_with("app.css")))
        .unwrap()
        .to_string();
    for path in ["/sign-in", "/", "/healthz", "/no-such-page", css.as_str()] {
        let page = client.get(path).await;
        let csp = page.headers.get("content-security-policy").unwrap().to_str().unwrap();
        assert!(csp.contains("frame-ancestors 'none'"), "{path}: {csp}");
        assert!(
            csp.contains("script-src 'self'") && !csp.contains("unsafe-inline"),
            "{path}: {csp}"
        );
        assert_eq!(page.headers.get("x-content-type-options").unwrap(), "nosniff", "{path}");
        assert_eq!(page.headers.get("referrer-policy").unwrap(), "same-origin", "{path}");
    }
}

#[tokio::test]
async fn static_files_are_content_addressed_and_cached_for_long() {
    let app = spawn_app().await;
    let mut client = app.client();
    let page = client.get("/sign-in").await;
    let src = page
        .body
        .split("src=\"")
        .nth(1)
        .unwrap()
        .split('"')
        .next()
        .unwrap()
        .to_string();
    assert!(src.starts_with("/static/") && src.ends_with("/htmx.min.js"), "{src}");
    let asset = client.get(&src).await;
    assert_eq!(asset.status, StatusCode::OK);
    assert!(
        asset
            .headers
            .get("cache-control")
            .unwrap()
            .to_str()
            .unwrap()
            .contains("immutable")
    );
    assert_eq!(
        client.get("/static/0000/htmx.min.js").await.status,
        StatusCode::NOT_FOUND
    );
}

#[tokio::test]
async fn errors_are_pages_toasts_or_json_as_the_asker_needs() {
    let app = spawn_app().await;
    let alice = app.create_user("alice", PlatformRole::None).await;
    let mut client = app.signed_in(&alice).await;

    let page = client.get("/no-such-page").await;
    assert_eq!(page.status, StatusCode::NOT_FOUND);
    page.assert_contains("<html");
    page.assert_contains("Not found");
    page.assert_contains("alice</summary>");

    let toast = client.get_with("/no-such-page", &[("HX-Request", "true")]).await;
    assert_eq!(toast.status, StatusCode::NOT_FOUND);
    assert_eq!(toast.headers.get("HX-Retarget").unwrap(), "#toasts");
    toast.assert_contains("class=\"toast toast-error\"");
    assert!(!toast.body.contains("<html"));

    let json = client.get("/api/v1/nothing-here").await;
    assert_eq!(json.status, StatusCode::NOT_FOUND);
    let value: serde_json::Value = serde_json::from_str(&json.body).unwrap();
    assert_eq!(value["error"]["code"], "not_found");
}

#[tokio::test]
async fn healthz_answers_plain_ok() {
    let app = spawn_app().await;
    let page = app.client().get("/healthz").await;
    assert_eq!(page.status, StatusCode::OK);
    assert_eq!(page.body, "OK");
}

#[tokio::test]
async fn a_person_without_projects_is_told_so() {
    let app = spawn_app().await;
    let dave = app.create_user("dave", PlatformRole::None).await;
    let mut client = app.signed_in(&dave).await;
    let page = client.get("/account").await;
    // Once, not in the heading as well.
    assert_eq!(
        page.body.matches("You are not a member of any project yet.").count(),
        1,
        "{}",
        page.body
    );
}

#[tokio::test]
async fn both_catalogs_have_every_message_the_code_uses() {
    let keys = |text: &str| -> std::collections::BTreeSet<String> {
        text.lines()
            .filter_map(|line| line.split_once(" = ").map(|(k, _)| k.trim().to_string()))
            .filter(|k| !k.starts_with('#') && !k.is_empty())
            .collect()
    };
    let en = keys(include_str!("../../locales/en/main.ftl"));
    let zh = keys(include_str!("../../locales/zh-TW/main.ftl"));
    assert_eq!(en, zh, "the two catalogs differ");

    // Every literal key used in templates and code.
    let mut used = std::collections::BTreeSet::new();
    let mut files = Vec::new();
    for dir in ["templates", "src"] {
        let mut stack = vec![std::path::PathBuf::from(env!("CARGO_MANIFEST_DIR")).join(dir)];
        while let Some(path) = stack.pop() {
            for entry in std::fs::read_dir(&path).unwrap() {
                let path = entry.unwrap().path();
                if path.is_dir() {
                    stack.push(path)
                } else {
                    files.push(path)
                }
            }
        }
    }
    for file in files {
        let text = std::fs::read_to_string(&file).unwrap();
        // (marker, which quoted string after it is the key)
        for (marker, nth) in [
            ("l.t(\"", 0),
            ("l.t1(\"", 0),
            ("Msg::new(\"", 0),
            ("lang.t(\"", 0),
            ("invalid(\"", 2),
        ] {
            for piece in text.split(marker).skip(1) {
                let key = piece.split('"').nth(nth).unwrap();
                used.insert((key.to_string(), file.display().to_string()));
            }
        }
    }
    for (key, file) in used {
        assert!(
            en.contains(&key),
            "{key:?} (used in {file}) is missing from the catalogs"
        );
    }
}

#[tokio::test]
async fn every_icon_a_page_draws_is_in_the_served_sprite() {
    let app = spawn_app().await;
    let mut alice = app.member("alice", "MST110001", "tenant_admin").await;
    let page = alice.client.get("/account").await;
    // Each icon is `<use href="/static/<hash>/icons.svg#<name>">`.
    let mut icons = std::collections::BTreeMap::new();
    for piece in page.body.split("<use href=\"").skip(1) {
        let reference = piece.split('"').next().unwrap();
        let (sprite, name) = reference.split_once('#').expect("an icon names its symbol");
        icons.insert(name.to_string(), sprite.to_string());
    }
    // The Account & Project sections and the user menu's entries.
    for name in [
        "layout-dashboard",
        "users",
        "wallet",
        "receipt",
        "key-round",
        "gauge",
        "log-out",
    ] {
        assert!(icons.contains_key(name), "{name} is not drawn on /account: {icons:?}");
    }
    let sprites: std::collections::BTreeSet<_> = icons.values().collect();
    assert_eq!(sprites.len(), 1, "one sprite for every icon: {sprites:?}");
    let sprite = app.client().get(sprites.first().unwrap()).await;
    assert_eq!(sprite.status, StatusCode::OK);
    assert_eq!(sprite.headers["content-type"], "image/svg+xml");
    for name in icons.keys() {
        sprite.assert_contains(&format!("<symbol id=\"{name}\""));
    }
}

/// Signs in with a client that keeps no cookies; returns the session cookie
/// (`mc_session=…`), as an attacker who copied it would hold it.
async fn signed_in_cookie(app: &crate::common::TestApp, username: &str, agent: &str) -> String {
    let http = reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .user_agent(agent)
        .build()
        .unwrap();
    let cookie_of = |response: &reqwest::Response| -> String {
        let header = response.headers().get("set-cookie").unwrap().to_str().unwrap();
        header.split(';').next().unwrap().to_string()
    };
    let page = http.get(format!("{}/sign-in", app.base)).send().await.unwrap();
    let cookie = cookie_of(&page);
    let csrf = crate::common::csrf_in(&page.text().await.unwrap()).unwrap();
    let fields = [
        ("username", username),
        ("password", PASSWORD),
        ("next", "/"),
        ("csrf_token", csrf.as_str()),
    ];
    let signed_in = http
        .post(format!("{}/sign-in", app.base))
        .header("cookie", cookie)
        .form(&fields)
        .send()
        .await
        .unwrap();
    assert_eq!(signed_in.status(), StatusCode::SEE_OTHER);
    cookie_of(&signed_in)
}

/// GETs `path` with exactly this cookie; the status and the body.
async fn get_with_cookie(app: &crate::common::TestApp, path: &str, cookie: &str) -> (StatusCode, String) {
    let http = reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .unwrap();
    let response = http
        .get(format!("{}{path}", app.base))
        .header("cookie", cookie)
        .send()
        .await
        .unwrap();
    (response.status(), response.text().await.unwrap())
}

#[tokio::test]
async fn a_cookie_copied_before_sign_out_is_worthless_after() {
    let app = spawn_app().await;
    app.create_user("alice", PlatformRole::None).await;
    let cookie = signed_in_cookie(&app, "alice", "Mozilla/5.0 (X11; Linux x86_64) Firefox/140.0").await;
    let (status, body) = get_with_cookie(&app, "/account/profile", &cookie).await;
    assert_eq!(status, StatusCode::OK);
    let csrf = crate::common::csrf_in(&body).unwrap();
    // Signing out with that very cookie...
    let http = reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .unwrap();
    let out = http
        .post(format!("{}/sign-out", app.base))
        .header("cookie", &cookie)
        .form(&[("csrf_token", csrf.as_str())])
        .send()
        .await
        .unwrap();
    assert_eq!(out.status(), StatusCode::SEE_OTHER);
    // ...and the copy no longer signs anyone in.
    let (status, _) = get_with_cookie(&app, "/account/profile", &cookie).await;
    assert_eq!(status, StatusCode::SEE_OTHER);
    assert_eq!(app.count("SELECT COUNT(*) FROM sessions").await, 0);
}

#[tokio::test]
async fn the_server_enforces_idle_and_absolute_session_lifetimes() {
    let app = spawn_app().await;
    app.create_user("alice", PlatformRole::None).await;
    for (column, seconds) in [("last_seen_at", 2 * 3600), ("created_at", 12 * 3600)] {
        let cookie = signed_in_cookie(&app, "alice", "test").await;
        assert_eq!(
            get_with_cookie(&app, "/account/profile", &cookie).await.0,
            StatusCode::OK
        );
        // Time passes (as far as the session record can tell).
        sqlx::query(sqlx::AssertSqlSafe(format!(
            "UPDATE sessions SET {column} = {column} - {seconds}"
        )))
        .execute(app.db.read())
        .await
        .unwrap();
        app.db.generation().advance();
        let (status, _) = get_with_cookie(&app, "/account/profile", &cookie).await;
        assert_eq!(status, StatusCode::SEE_OTHER, "{column}");
        assert_eq!(app.count("SELECT COUNT(*) FROM sessions").await, 0, "{column}");
    }
    // Just inside both limits, a session goes on.
    let cookie = signed_in_cookie(&app, "alice", "test").await;
    sqlx::query("UPDATE sessions SET last_seen_at = last_seen_at - 7000, created_at = created_at - 43000")
        .execute(app.db.read())
        .await
        .unwrap();
    app.db.generation().advance();
    assert_eq!(
        get_with_cookie(&app, "/account/profile", &cookie).await.0,
        StatusCode::OK
    );
}

#[tokio::test]
async fn the_profile_lists_sessions_and_signs_them_out() {
    let app = spawn_app().await;
    let alice = app.create_user("alice", PlatformRole::None).await;
    let phone = signed_in_cookie(&app, "alice", "Mozilla/5.0 (Linux; Android 15) Chrome/140.0 Mobile").await;
    let laptop = signed_in_cookie(&app, "alice", "Mozilla/5.0 (Windows NT 10.0) Firefox/140.0").await;
    let mut client = app.signed_in(&alice).await;
    let profile = client.get("/account/profile").await;
    profile.assert_contains("Where you are signed in");
    profile.assert_contains("Chrome on Android");
    profile.assert_contains("Firefox on Windows");
    profile.assert_contains("(this browser)");
    profile.assert_contains("<code>127.0.0.1</code>");

    // Sign out the phone alone.
    let phone_id = app
        .count("SELECT id FROM sessions WHERE user_agent LIKE '%Android%'")
        .await;
    let page = client
        .post(&format!("/account/sessions/{phone_id}/sign-out"), &[])
        .await;
    assert_eq!(page.status, StatusCode::SEE_OTHER);
    assert_eq!(get_with_cookie(&app, "/account", &phone).await.0, StatusCode::SEE_OTHER);
    assert_eq!(
        get_with_cookie(&app, "/account/profile", &laptop).await.0,
        StatusCode::OK
    );

    // Another person's session is not found, and stays on.
    app.create_user("bob", PlatformRole::None).await;
    let bobs = signed_in_cookie(&app, "bob", "test").await;
    let bob_session = app
        .count("SELECT s.id FROM sessions s JOIN accounts a ON a.id = s.account_id WHERE a.username = 'bob'")
        .await;
    let page = client
        .post(&format!("/account/sessions/{bob_session}/sign-out"), &[])
        .await;
    assert_eq!(page.status, StatusCode::NOT_FOUND);
    assert_eq!(get_with_cookie(&app, "/account/profile", &bobs).await.0, StatusCode::OK);

    // Everywhere else: the laptop goes, this browser stays.
    let page = client.post("/account/sessions/sign-out-others", &[]).await;
    assert_eq!(page.status, StatusCode::SEE_OTHER);
    assert_eq!(
        get_with_cookie(&app, "/account/profile", &laptop).await.0,
        StatusCode::SEE_OTHER
    );
    let profile = client.get("/account/profile").await;
    assert_eq!(profile.status, StatusCode::OK);
    profile.assert_contains("One other session is signed out.");
    assert!(!profile.body.contains("Firefox on Windows"));
}

#[tokio::test]
async fn pages_are_not_stored_and_https_is_insisted_on_when_cookies_are_secure() {
    for insecure in [false, true] {
        let app = spawn_app_with(|config| config.insecure_cookies = insecure).await;
        let alice = app.create_user("alice", PlatformRole::None).await;
        let mut client = app.signed_in(&alice).await;
        for path in ["/sign-in", "/account/profile", "/no-such-page", "/api/v1/whoami"] {
            let page = client.get(path).await;
            assert_eq!(page.headers.get("cache-control").unwrap(), "no-store", "{path}");
            let hsts = page.headers.get("strict-transport-security");
            assert_eq!(hsts.is_some(), !insecure, "{path} with insecure cookies {insecure}");
        }
    }
}

#[tokio::test]
async fn oversized_requests_get_414_or_413_with_the_normal_error_answer() {
    let app = spawn_app().await;
    let alice = app.create_user("alice", PlatformRole::None).await;
    let mut client = app.signed_in(&alice).await;
    // A long query string: the error page, in the layout.
    let long = format!("/activity?member={}", "x".repeat(20_000));
    let page = client.get(&long).await;
    assert_eq!(page.status, StatusCode::URI_TOO_LONG);
    page.assert_contains("The address of this request is too long.");
    page.assert_contains("<html");
    // The API's: JSON.
    let (status, body) = app
        .api_get(&format!("/api/v1/whoami?x={}", "y".repeat(20_000)), None)
        .await;
    assert_eq!(status, StatusCode::URI_TOO_LONG);
    assert_eq!(body["error"]["code"], "uri_too_long");
    // The audit's 70 KB (more than a URI can hold, so sent by hand):
    // answered, not dropped.
    let answer = raw_http(
        &app,
        &format!("GET /account?q={} HTTP/1.1\r\nHost: x\r\n\r\n", "z".repeat(70_000)),
    )
    .await;
    let status_line = answer.lines().next().unwrap_or("").to_string();
    assert!(
        status_line.starts_with("HTTP/1.1 414") || status_line.starts_with("HTTP/1.1 400"),
        "{status_line:?}"
    );
    // A form body over 64 KiB, and a JSON body over 256 KiB.
    let big = "x".repeat(70 * 1024);
    let page = client.post("/account/profile", &[("display_name", big.as_str())]).await;
    assert_eq!(page.status, StatusCode::PAYLOAD_TOO_LARGE);
    page.assert_contains("What was sent is too large.");
    let bob = app.member("bob", "MST110001", "tenant_user").await;
    let (_, key) = app.key_for("MST110001", &bob.user, 30).await;
    let response = reqwest::Client::new()
        .post(format!("{}/api/v1/usage", app.base))
        .header("x-api-key", key)
        .header("content-type", "application/json")
        .body(format!("{{\"pad\": \"{}\"}}", "p".repeat(300 * 1024)))
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), StatusCode::PAYLOAD_TOO_LARGE);
    let body: serde_json::Value = response.json().await.unwrap();
    assert_eq!(body["error"]["code"], "payload_too_large");
    assert_eq!(
        app.count("SELECT COUNT(*) FROM accounts WHERE length(display_name) > 100")
            .await,
        0
    );
}

/// Sends `request` as is over a new connection; the whole answer.
async fn raw_http(app: &crate::common::TestApp, request: &str) -> String {
    use tokio::io::{AsyncReadExt, AsyncWriteExt};
    let address = app.base.trim_start_matches("http://");
    let mut stream = tokio::net::TcpStream::connect(address).await.unwrap();
    stream.write_all(request.as_bytes()).await.unwrap();
    let mut answer = Vec::new();
    let _ = tokio::time::timeout(std::time::Duration::from_secs(5), stream.read_to_end(&mut answer)).await;
    String::from_utf8_lossy(&answer).into_owned()
}
