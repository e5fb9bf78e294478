//! The test harness: a real server on port 0 with a fresh database, and a
//! client that keeps cookies and does not follow redirects.
//!
//! The suite runs twice (`scripts/test`): on SQLite files, and with
//! `MC_TEST_DB=postgres` on PostgreSQL, where `MC_TEST_POSTGRES_URL` names a
//! server on which every test gets a database of its own.

use std::path::PathBuf;

use member_center::{
    Application, Config,
    accounts::{self, DisplayName, Email, PlatformRole, Username, store::NewAccount},
    db::{self, Backend, Db, Location},
};
use reqwest::{StatusCode, redirect::Policy};
use sqlx::Connection;

pub const PASSWORD: &str = "correct horse battery staple";

/// Whether this run of the suite is on PostgreSQL.
pub fn on_postgres() -> bool {
    match std::env::var("MC_TEST_DB").as_deref() {
        Ok("postgres") => true,
        Ok("sqlite") | Err(_) => false,
        Ok(other) => panic!("MC_TEST_DB is {other:?}: sqlite or postgres"),
    }
}

/// The server every PostgreSQL test makes its database on.
fn postgres_server() -> String {
    std::env::var("MC_TEST_POSTGRES_URL")
        .expect("the PostgreSQL tests need MC_TEST_POSTGRES_URL (scripts/test starts a throwaway server and sets it)")
}

/// A fresh, empty database for one test: a file in a temporary directory,
/// or on PostgreSQL a database of its own, dropped when the test ends. The
/// directory holds the instance secrets either way.
pub struct Scratch {
    pub dir: tempfile::TempDir,
    pub location: Location,
    /// The PostgreSQL database's name, to drop.
    postgres: Option<String>,
}

impl Scratch {
    /// A fresh database on this pass's backend.
    pub async fn new() -> Scratch {
        Scratch::on(if on_postgres() {
            Backend::Postgres
        } else {
            Backend::Sqlite
        })
        .await
    }

    /// A fresh database on `backend`, whichever pass this is (PostgreSQL
    /// needs `MC_TEST_POSTGRES_URL`, which `scripts/test` sets for both).
    pub async fn on(backend: Backend) -> Scratch {
        let dir = tempfile::tempdir().expect("temp dir");
        if backend == Backend::Sqlite {
            let location = Location::File(dir.path().join("member-center.db"));
            return Scratch {
                dir,
                location,
                postgres: None,
            };
        }
        let server = postgres_server();
        let name = format!("mc_test_{}", uuid::Uuid::new_v4().simple());
        let mut admin = sqlx::postgres::PgConnection::connect(&server)
            .await
            .expect("the test PostgreSQL server answers");
        sqlx::query(sqlx::AssertSqlSafe(format!("CREATE DATABASE {name}")))
            .execute(&mut admin)
            .await
            .expect("a test database is made");
        let (base, _) = server.rsplit_once('/').expect("the server URL names a database");
        Scratch {
            dir,
            location: Location::Postgres(format!("{base}/{name}")),
            postgres: Some(name),
        }
    }

    /// A database made elsewhere (the failover test's), left as it is at the end.
    pub fn existing(location: Location) -> Scratch {
        Scratch {
            dir: tempfile::tempdir().expect("temp dir"),
            location,
            postgres: None,
        }
    }

    /// The instance secrets every instance on this database shares.
    pub fn secret_file(&self) -> PathBuf {
        self.dir.path().join("member-center.secret")
    }
}

impl Drop for Scratch {
    fn drop(&mut self) {
        let Some(name) = self.postgres.take() else {
            return;
        };
        // Drop cannot wait for a future on the test's runtime: a thread
        // and a runtime of its own do it.
        let dropped = std::thread::spawn(move || {
            let runtime = tokio::runtime::Builder::new_current_thread().enable_all().build()?;
            runtime.block_on(async {
                let mut admin = sqlx::postgres::PgConnection::connect(&postgres_server()).await?;
                sqlx::query(sqlx::AssertSqlSafe(format!(
                    "DROP DATABASE IF EXISTS {name} WITH (FORCE)"
                )))
                .execute(&mut admin)
                .await?;
                Ok::<_, anyhow::Error>(())
            })
        })
        .join();
        if let Ok(Err(err)) = dropped {
            eprintln!("could not drop a test database: {err}");
        }
    }
}

pub struct TestApp {
    pub base: String,
    /// `http://…` of the metrics address, when it was configured.
    pub metrics: Option<String>,
    pub db: Db,
    /// Last, so that the database is dropped after the pool is.
    pub scratch: Scratch,
}

/// Starts the portal on a free port with an empty database.
pub async fn spawn_app() -> TestApp {
    spawn_app_with(|_| {}).await
}

/// Starts the portal after `adjust` has changed its configuration.
pub async fn spawn_app_with(adjust: impl FnOnce(&mut Config)) -> TestApp {
    spawn_app_in(Scratch::new().await, adjust).await
}

/// The configuration a test instance on `scratch` starts from.
pub fn test_config(scratch: &Scratch) -> Config {
    let mut config = Config::new("127.0.0.1:0", scratch.location.clone());
    config.insecure_cookies = true; // the test client speaks plain HTTP
    config.public_url = Some("https://portal.example.org".to_string());
    config.secret_file = Some(scratch.secret_file());
    // The tests of consoles sign in as support and operators without a
    // second factor; `two_factor.rs` tests the requirement itself.
    config.require_two_factor_for = Vec::new();
    config
}

/// Starts the portal on `scratch`, which may hold data already.
pub async fn spawn_app_in(scratch: Scratch, adjust: impl FnOnce(&mut Config)) -> TestApp {
    let mut config = test_config(&scratch);
    adjust(&mut config);
    let db = db::open(&scratch.location).await.expect("database opens");
    let app = Application::build_with_db(config, db.clone())
        .await
        .expect("server builds");
    let base = format!("http://127.0.0.1:{}", app.port());
    let metrics = app.metrics_port().map(|port| format!("http://127.0.0.1:{port}"));
    tokio::spawn(app.run_until_stopped());
    TestApp {
        base,
        metrics,
        db,
        scratch,
    }
}

/// Another instance of the portal on a test app's database, as a load
/// balancer would run it beside the first.
pub struct Instance {
    pub base: String,
    pub db: Db,
}

impl TestApp {
    /// Starts another instance on this app's database and instance secrets.
    pub async fn another_instance(&self) -> Instance {
        self.another_instance_with(|_| {}).await
    }

    /// The same, after `adjust` has changed its configuration.
    pub async fn another_instance_with(&self, adjust: impl FnOnce(&mut Config)) -> Instance {
        let db = db::open(&self.scratch.location).await.expect("database opens");
        let mut config = test_config(&self.scratch);
        adjust(&mut config);
        let app = Application::build_with_db(config, db.clone())
            .await
            .expect("server builds");
        let base = format!("http://127.0.0.1:{}", app.port());
        tokio::spawn(app.run_until_stopped());
        Instance { base, db }
    }
}

pub struct TestUser {
    pub id: member_center::auth::identity::AccountId,
    pub username: String,
    pub password: String,
}

impl TestApp {
    /// A fresh cookie-keeping client that does not follow redirects.
    pub fn client(&self) -> Client {
        self.client_from([127, 0, 0, 1])
    }

    /// A client whose connections come from another loopback address (a
    /// person elsewhere, as far as the server can tell).
    pub fn client_from(&self, address: [u8; 4]) -> Client {
        self.client_as(address, "member-center-tests")
    }

    /// A client from `address` whose browser calls itself `agent`.
    pub fn client_as(&self, address: [u8; 4], agent: &str) -> Client {
        let http = reqwest::Client::builder()
            .user_agent(agent.to_string())
            .cookie_store(true)
            .redirect(Policy::none())
            .local_address(std::net::IpAddr::from(address))
            .build()
            .expect("client builds");
        Client {
            http,
            base: self.base.clone(),
            csrf: String::new(),
        }
    }

    /// Creates an account with a platform role (`None` for an ordinary person).
    pub async fn create_user(&self, username: &str, role: PlatformRole) -> TestUser {
        let hash = member_center::auth::password::hash_blocking(PASSWORD).unwrap();
        let id = accounts::service::create(
            &self.db,
            NewAccount {
                username: &Username::parse(username).unwrap(),
                display_name: &DisplayName::parse(&format!("{username} Test")).unwrap(),
                email: &Email::parse(&format!("{username}@example.org")).unwrap(),
                password_hash: &hash,
                platform_role: role,
            },
        )
        .await
        .unwrap();
        TestUser {
            id,
            username: username.to_string(),
            password: PASSWORD.to_string(),
        }
    }

    pub async fn create_project(&self, code: &str, name: &str) -> member_center::auth::identity::ProjectId {
        member_center::operator::service::create_project(&self.db, None, code, name, None, None)
            .await
            .unwrap();
        member_center::projects::store::by_code(&self.db, code)
            .await
            .unwrap()
            .unwrap()
            .id
    }

    /// Credits `amount` to project `code` through an order `number`, paid and
    /// credited, as an operator would.
    pub async fn credit(&self, code: &str, number: &str, amount: &str) {
        member_center::operator::service::add_order(&self.db, None, code, number, amount, "")
            .await
            .unwrap();
        for to in ["paid", "credited"] {
            member_center::operator::service::advance_order(&self.db, None, number, to)
                .await
                .unwrap();
        }
    }

    /// Adds `count` new tenant users, `user000`, `user001`…, to `code`.
    pub async fn add_users(&self, code: &str, count: usize) {
        for n in 0..count {
            let user = self.create_user(&format!("user{n:03}"), PlatformRole::None).await;
            self.add_member(code, &user, "tenant_user").await;
        }
    }

    /// `role`: `tenant_admin` or `tenant_user`.
    pub async fn add_member(&self, code: &str, user: &TestUser, role: &str) {
        member_center::operator::service::add_member(&self.db, None, code, &user.username, role)
            .await
            .unwrap();
    }

    /// A signed-in client for a new member of a new or existing project.
    pub async fn signed_in(&self, user: &TestUser) -> Client {
        let mut client = self.client();
        let response = client.sign_in(&user.username, &user.password).await;
        assert_eq!(response.status, StatusCode::SEE_OTHER, "sign-in of {}", user.username);
        client
    }

    pub async fn count(&self, sql: &str) -> i64 {
        sqlx::query_scalar(sqlx::AssertSqlSafe(sql.to_string()))
            .fetch_one(self.db.read())
            .await
            .unwrap()
    }
}

pub struct Client {
    pub http: reqwest::Client,
    pub base: String,
    /// The CSRF token of the last page read.
    pub csrf: String,
}

pub struct Page {
    pub status: StatusCode,
    pub headers: reqwest::header::HeaderMap,
    pub body: String,
}

impl Page {
    pub fn location(&self) -> Option<&str> {
        self.headers.get("location").and_then(|v| v.to_str().ok())
    }

    pub fn assert_contains(&self, needle: &str) {
        assert!(self.body.contains(needle), "expected {needle:?} in:\n{}", self.body);
    }
}

/// The value of the first `csrf_token` field in `html`.
pub fn csrf_in(html: &str) -> Option<String> {
    let start = html.find("name=\"csrf_token\" value=\"")? + "name=\"csrf_token\" value=\"".len();
    let end = html[start..].find('"')? + start;
    Some(html[start..end].to_string())
}

impl Client {
    pub fn url(&self, path: &str) -> String {
        format!("{}{}", self.base, path)
    }

    /// GETs a page and remembers its CSRF token.
    pub async fn get(&mut self, path: &str) -> Page {
        self.get_with(path, &[]).await
    }

    pub async fn get_with(&mut self, path: &str, headers: &[(&str, &str)]) -> Page {
        let mut request = self.http.get(self.url(path));
        for (name, value) in headers {
            request = request.header(*name, *value);
        }
        self.read(request.send().await.expect("request sent")).await
    }

    /// The response as a page, remembering its CSRF token.
    async fn read(&mut self, response: reqwest::Response) -> Page {
        let page = Page {
            status: response.status(),
            headers: response.headers().clone(),
            body: response.text().await.unwrap_or_default(),
        };
        if let Some(token) = csrf_in(&page.body) {
            self.csrf = token;
        }
        page
    }

    /// POSTs a form with the remembered CSRF token added.
    pub async fn post(&mut self, path: &str, fields: &[(&str, &str)]) -> Page {
        if self.csrf.is_empty() {
            self.get("/sign-in").await;
        }
        let mut form: Vec<(&str, &str)> = fields.to_vec();
        let token = self.csrf.clone();
        form.push(("csrf_token", &token));
        self.post_raw(path, &form, &[]).await
    }

    /// POSTs exactly these fields and headers.
    pub async fn post_raw(&mut self, path: &str, fields: &[(&str, &str)], headers: &[(&str, &str)]) -> Page {
        let mut request = self.http.post(self.url(path)).form(fields);
        for (name, value) in headers {
            request = request.header(*name, *value);
        }
        self.read(request.send().await.expect("request sent")).await
    }

    pub async fn sign_in(&mut self, username: &str, password: &str) -> Page {
        self.get("/sign-in").await;
        let page = self
            .post(
                "/sign-in",
                &[("username", username), ("password", password), ("next", "/")],
            )
            .await;
        if page.status == StatusCode::SEE_OTHER {
            // The session (and its token) is new after sign-in.
            self.get("/account").await;
        }
        page
    }
}

/// A member of a project, with a signed-in client.
pub struct Member {
    pub user: TestUser,
    pub client: Client,
}

impl TestApp {
    /// Creates `username`, adds them to `code` (created if new) with `role`,
    /// and signs them in.
    pub async fn member(&self, username: &str, code: &str, role: &str) -> Member {
        if member_center::projects::store::by_code(&self.db, code)
            .await
            .unwrap()
            .is_none()
        {
            self.create_project(code, &format!("Project {code}")).await;
        }
        let user = self.create_user(username, PlatformRole::None).await;
        self.add_member(code, &user, role).await;
        let client = self.signed_in(&user).await;
        Member { user, client }
    }

    /// A key made with the CLI's code path: (key ID, secret).
    pub async fn key_for(&self, code: &str, user: &TestUser, days: i64) -> (String, String) {
        let created =
            member_center::operator::service::create_key(&self.db, code, &user.username, days, Some("test key"))
                .await
                .unwrap();
        (created.key_id, created.secret)
    }

    /// GETs an API path with a key.
    pub async fn api_get(&self, path: &str, key: Option<&str>) -> (StatusCode, serde_json::Value) {
        let mut request = reqwest::Client::new().get(format!("{}{path}", self.base));
        if let Some(key) = key {
            request = request.header("x-api-key", key);
        }
        let response = request.send().await.unwrap();
        let status = response.status();
        (status, response.json().await.unwrap_or(serde_json::Value::Null))
    }
}

/// A real SMTP server for one test: aiosmtpd (from PyPI, installed by
/// `scripts/test`), delivering every message to a Maildir that the test
/// reads through Python's own email parser.
pub struct Smtp {
    pub port: u16,
    dir: tempfile::TempDir,
    child: std::process::Child,
}

/// A received email, decoded.
#[derive(Debug, Clone, serde::Deserialize)]
pub struct Mail {
    pub to: String,
    pub subject: String,
    pub text: String,
    pub html: String,
}

impl Mail {
    /// The portal link in the text, with the test server's address for the public one.
    pub fn link(&self, base: &str) -> String {
        let start = self
            .text
            .find("https://portal.example.org")
            .expect("the email has a link");
        let link: String = self.text[start..].chars().take_while(|c| !c.is_whitespace()).collect();
        link.replace("https://portal.example.org", base)
    }
}

fn smtp_python() -> String {
    std::env::var("MC_TEST_SMTP_PYTHON")
        .expect("the email tests need MC_TEST_SMTP_PYTHON, a Python with aiosmtpd (scripts/test installs it)")
}

impl Smtp {
    pub async fn start() -> Smtp {
        let port = std::net::TcpListener::bind("127.0.0.1:0")
            .unwrap()
            .local_addr()
            .unwrap()
            .port();
        Smtp::start_on(port).await
    }

    /// On a given port (to start a server again where one was named).
    pub async fn start_on(port: u16) -> Smtp {
        let dir = tempfile::tempdir().unwrap();
        let mut child = std::process::Command::new(smtp_python())
            .args([
                "-m",
                "aiosmtpd",
                "-n",
                "-l",
                &format!("127.0.0.1:{port}"),
                "-c",
                "aiosmtpd.handlers.Mailbox",
            ])
            .arg(dir.path().join("mail"))
            .stdout(std::process::Stdio::null())
            .stderr(std::process::Stdio::null())
            .spawn()
            .expect("aiosmtpd starts");
        for _ in 0..100 {
            if tokio::net::TcpStream::connect(("127.0.0.1", port)).await.is_ok() {
                return Smtp { port, dir, child };
            }
            tokio::time::sleep(std::time::Duration::from_millis(100)).await;
        }
        let _ = child.kill();
        let _ = child.wait();
        panic!("aiosmtpd did not listen on {port}");
    }

    pub fn url(&self) -> String {
        format!("smtp://127.0.0.1:{}", self.port)
    }

    /// Every message received so far, oldest first.
    pub fn messages(&self) -> Vec<Mail> {
        const READ: &str = r#"
import email, email.policy, json, os, sys
root = sys.argv[1]
files = [os.path.join(root, d, f) for d in ("new", "cur") if os.path.isdir(os.path.join(root, d))
         for f in os.listdir(os.path.join(root, d))]
out = []
for path in sorted(files, key=os.path.getmtime):
    with open(path, "rb") as f:
        m = email.message_from_binary_file(f, policy=email.policy.default)
    text = m.get_body(("plain",))
    html = m.get_body(("html",))
    out.append({"to": str(m["To"]), "subject": str(m["Subject"]),
                "text": text.get_content() if text else "", "html": html.get_content() if html else ""})
print(json.dumps(out))
"#;
        let output = std::process::Command::new(smtp_python())
            .args(["-c", READ])
            .arg(self.dir.path().join("mail"))
            .output()
            .expect("python runs");
        assert!(output.status.success(), "{}", String::from_utf8_lossy(&output.stderr));
        serde_json::from_slice(&output.stdout).expect("JSON of the messages")
    }

    /// Waits (up to 45 s: a retry may be 10 s away, and the whole suite
    /// shares two cores) until `count` messages have arrived; all of them.
    pub async fn wait_for(&self, count: usize) -> Vec<Mail> {
        let deadline = std::time::Instant::now() + std::time::Duration::from_secs(45);
        while std::time::Instant::now() < deadline {
            let messages = self.messages();
            if messages.len() >= count {
                return messages;
            }
            tokio::time::sleep(std::time::Duration::from_millis(100)).await;
        }
        panic!("expected {count} emails, got {:#?}", self.messages());
    }

    /// The messages to `address`.
    pub fn to(&self, address: &str) -> Vec<Mail> {
        self.messages().into_iter().filter(|m| m.to.contains(address)).collect()
    }
}

impl Drop for Smtp {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// Starts the portal emailing notices through `smtp`.
pub async fn spawn_app_mailing(smtp: &Smtp) -> TestApp {
    let url = smtp.url();
    spawn_app_with(move |config| mailing_through(config, url)).await
}

/// Has a configuration email notices through the SMTP server at `url`.
pub fn mailing_through(config: &mut Config, url: String) {
    config.smtp_url = Some(url);
    config.mail_from = Some("Member Center <portal@example.org>".to_string());
}

/// A real OpenID provider for one test: `oidc-provider` from npm (installed
/// by `scripts/test`) running `tests/oidc/provider.mjs` on 127.0.0.2 (another
/// site than the portal on 127.0.0.1, as a real provider is, so browsers
/// treat its redirects as cross-site), with the portal as its one client.
pub struct Oidc {
    pub port: u16,
    pub issuer: String,
    dir: tempfile::TempDir,
    child: std::process::Child,
}

pub const OIDC_CLIENT_ID: &str = "member-center";

/// A port nobody listens on now.
/// GETs `url` with an API key: its status and JSON body.
pub async fn get_json(url: &str, key: &str) -> (StatusCode, serde_json::Value) {
    let response = reqwest::Client::new()
        .get(url)
        .header("x-api-key", key)
        .send()
        .await
        .unwrap();
    let status = response.status();
    (status, response.json().await.unwrap_or(serde_json::Value::Null))
}

pub fn free_port(host: [u8; 4]) -> u16 {
    std::net::TcpListener::bind((std::net::Ipv4Addr::from(host), 0))
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}

impl Oidc {
    /// A provider that sends people back to the portal at `portal` (its base URL).
    pub async fn start(portal: &str) -> Oidc {
        let modules = std::env::var("OIDC_PROVIDER_MODULES").expect(
            "the single sign-on tests need OIDC_PROVIDER_MODULES, the node_modules with oidc-provider \
             (scripts/test installs it)",
        );
        let port = free_port([127, 0, 0, 2]);
        let issuer = format!("http://127.0.0.2:{port}");
        let dir = tempfile::tempdir().unwrap();
        std::fs::write(dir.path().join("client-secret"), "a client secret of the tests\n").unwrap();
        let script = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/oidc/provider.mjs");
        let mut child = std::process::Command::new("node")
            .arg(script)
            .arg(&issuer)
            .arg(OIDC_CLIENT_ID)
            .arg("a client secret of the tests")
            .arg(format!("{portal}/sign-in/sso/callback"))
            .arg(format!("{portal}/sign-in"))
            .env("OIDC_PROVIDER_MODULES", modules)
            .stdout(std::process::Stdio::null())
            .stderr(std::process::Stdio::null())
            .spawn()
            .expect("node starts");
        for _ in 0..100 {
            if tokio::net::TcpStream::connect(("127.0.0.2", port)).await.is_ok() {
                return Oidc {
                    port,
                    issuer,
                    dir,
                    child,
                };
            }
            tokio::time::sleep(std::time::Duration::from_millis(100)).await;
        }
        let _ = child.kill();
        let _ = child.wait();
        panic!("the OpenID provider did not listen on {port}");
    }

    /// The portal's settings for this provider.
    pub fn settings(&self) -> member_center::config::Sso {
        member_center::config::Sso::new(
            self.issuer.clone(),
            OIDC_CLIENT_ID,
            self.dir.path().join("client-secret"),
        )
    }

    /// Makes the next ID token it issues carry another nonce (`nonce`,
    /// signed with its own key) or a broken signature (`signature`).
    pub async fn tamper(&self, how: &str) {
        let response = reqwest::Client::new()
            .post(format!("{}/test/tamper", self.issuer))
            .body(how.to_string())
            .send()
            .await
            .unwrap();
        assert!(response.status().is_success());
    }

    /// Stops it (the provider is down).
    pub fn stop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

impl Drop for Oidc {
    fn drop(&mut self) {
        self.stop();
    }
}

/// Starts the portal with single sign-on through a provider started for
/// it; `adjust` may change both settings.
pub async fn spawn_app_with_sso(adjust: impl FnOnce(&mut Config)) -> (TestApp, Oidc) {
    let port = free_port([127, 0, 0, 1]);
    let base = format!("http://127.0.0.1:{port}");
    let oidc = Oidc::start(&base).await;
    let settings = oidc.settings();
    let app = spawn_app_with(move |config| {
        config.bind = format!("127.0.0.1:{port}");
        config.public_url = Some(base);
        config.sso = Some(settings);
        adjust(config);
    })
    .await;
    (app, oidc)
}
