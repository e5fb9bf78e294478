//! Losing the database server (#35): one etcd, two Patroni-managed
//! PostgreSQL nodes (synchronous) and HAProxy, started in a temporary
//! directory from the very files in `deploy/` (ports and directories
//! substituted), and two Member Center processes started by the systemd
//! unit's own command lines, under a load of debits and admissions through
//! HAProxy. The leader is killed, the old leader rejoins, a planned
//! switchover follows, and the new leader is killed too; then the database
//! is backed up and restored into a fresh server. Run once per test run
//! (not in the SQLite pass: it is PostgreSQL's own).

use std::{
    collections::{BTreeMap, BTreeSet},
    os::unix::process::CommandExt,
    path::{Path, PathBuf},
    process::{Child, Command, Stdio},
    sync::{
        Arc, Mutex,
        atomic::{AtomicBool, Ordering},
    },
    time::{Duration, Instant},
};

use crate::common::{Scratch, TestApp, free_port};
use member_center::{
    db::{self, Location},
    roles::PlatformRole,
};
use reqwest::StatusCode;
use serde_json::{Value, json};

/// The longest any step may take before the test says it never happened.
const NEVER: Duration = Duration::from_secs(90);
/// The project's CPU quota: the load asks for more, one core at a time.
const CPU_QUOTA: i64 = 400;
const SUPERUSER_PASSWORD: &str = "CHANGE-ME-superuser-password";

/// The repository's `deploy/NAME` with each `(from, to)` replaced, written
/// into `dir`; a `from` the file no longer has fails the test (the files
/// cannot drift from what is tested).
fn from_deploy(name: &str, dir: &Path, substitutions: &[(&str, String)]) -> PathBuf {
    let source = Path::new(env!("CARGO_MANIFEST_DIR")).join("deploy").join(name);
    let mut text = std::fs::read_to_string(&source).unwrap_or_else(|e| panic!("{}: {e}", source.display()));
    for (from, to) in substitutions {
        assert!(text.contains(from), "deploy/{name} no longer says {from:?}");
        text = text.replace(from, to);
    }
    let path = dir.join(name.replace('/', "-"));
    std::fs::write(&path, text).unwrap();
    path
}

fn postgres_ids() -> (u32, u32) {
    let id = |flag: &str| -> u32 {
        let out = Command::new("id").args([flag, "postgres"]).output().expect("id runs");
        String::from_utf8_lossy(&out.stdout)
            .trim()
            .parse()
            .expect("the postgres user exists (Debian's postgresql package makes it)")
    };
    (id("-u"), id("-g"))
}

fn chown_postgres(path: &Path) {
    let status = Command::new("chown")
        .args(["-R", "postgres:postgres"])
        .arg(path)
        .status()
        .unwrap();
    assert!(status.success());
}

fn pg_bin() -> PathBuf {
    let mut versions: Vec<PathBuf> = std::fs::read_dir("/usr/lib/postgresql")
        .expect("Debian's PostgreSQL is installed")
        .filter_map(|e| e.ok().map(|e| e.path().join("bin")))
        .filter(|bin| bin.join("postgres").exists())
        .collect();
    versions.sort();
    versions.pop().expect("a PostgreSQL server is installed")
}

/// One PostgreSQL node under Patroni.
struct Node {
    name: &'static str,
    config: PathBuf,
    dir: PathBuf,
    rest: u16,
    patroni: Option<Child>,
}

impl Node {
    fn start(&mut self) {
        let (uid, gid) = postgres_ids();
        let log = std::fs::File::create(self.dir.join(format!("patroni-{}.log", now_millis()))).unwrap();
        let child = Command::new("patroni")
            .arg(&self.config)
            .uid(uid)
            .gid(gid)
            .env("HOME", &self.dir)
            .stdout(log.try_clone().unwrap())
            .stderr(log)
            .spawn()
            .expect("patroni starts (Debian's patroni package; scripts/test installs it)");
        self.patroni = Some(child);
    }

    /// SIGKILL of Patroni and of its PostgreSQL: the machine is lost.
    fn kill(&mut self) {
        if let Some(mut child) = self.patroni.take() {
            let _ = child.kill();
            let _ = child.wait();
        }
        if let Ok(pid) = std::fs::read_to_string(self.dir.join("data/postmaster.pid")) {
            if let Some(pid) = pid.lines().next().and_then(|l| l.trim().parse::<i32>().ok()) {
                // SAFETY: a plain signal to a process ID read from the file.
                unsafe {
                    libc::kill(pid, libc::SIGKILL);
                }
            }
        }
    }
}

fn now_millis() -> u128 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_millis()
}

/// Everything the test started, stopped and removed when it ends.
struct Cluster {
    dir: tempfile::TempDir,
    nodes: Vec<Node>,
    others: Vec<Child>,
    portals: Vec<Child>,
    haproxy_postgres: u16,
    haproxy_portal: u16,
    portal_ports: [u16; 2],
}

impl Drop for Cluster {
    fn drop(&mut self) {
        if std::thread::panicking() {
            // What the programs said, for whoever reads the failure.
            for log in ["portal-0.log", "portal-1.log", "migrate.log", "haproxy.log"] {
                let text = std::fs::read_to_string(self.dir.path().join(log)).unwrap_or_default();
                let errors: Vec<&str> = text.lines().filter(|line| line.contains("ERROR")).collect();
                let tail: Vec<&str> = text.lines().rev().take(10).collect();
                eprintln!("--- {log}: its errors, then its last lines");
                for line in errors.into_iter().chain(tail.into_iter().rev()) {
                    eprintln!("{line}");
                }
            }
        }
        for child in self.portals.iter_mut().chain(self.others.iter_mut()) {
            let _ = child.kill();
            let _ = child.wait();
        }
        for node in &mut self.nodes {
            node.kill();
        }
    }
}

impl Cluster {
    fn start() -> Cluster {
        let dir = tempfile::tempdir().unwrap();
        // Patroni and PostgreSQL run as postgres, under this directory.
        std::fs::set_permissions(dir.path(), std::os::unix::fs::PermissionsExt::from_mode(0o755)).unwrap();
        let port = || free_port([127, 0, 0, 1]);
        let (etcd_client, etcd_peer) = (port(), port());
        let etcd_dir = dir.path().join("etcd");
        let etcd_config = from_deploy(
            "etcd.yml",
            dir.path(),
            &[
                ("10.0.0.20:2379", format!("127.0.0.1:{etcd_client}")),
                ("10.0.0.20:2380", format!("127.0.0.1:{etcd_peer}")),
                ("/var/lib/etcd/member-center", etcd_dir.display().to_string()),
            ],
        );
        let etcd = Command::new("etcd")
            .arg("--config-file")
            .arg(&etcd_config)
            .stdout(Stdio::null())
            .stderr(std::fs::File::create(dir.path().join("etcd.log")).unwrap())
            .spawn()
            .expect("etcd starts (Debian's etcd-server; scripts/test installs it)");
        let mut cluster = Cluster {
            dir,
            nodes: Vec::new(),
            others: vec![etcd],
            portals: Vec::new(),
            haproxy_postgres: port(),
            haproxy_portal: port(),
            portal_ports: [port(), port()],
        };
        wait_until("etcd answers", || {
            http_status(&format!("http://127.0.0.1:{etcd_client}/version")) == Some(200)
        });

        let archive = cluster.dir.path().join("wal-archive");
        std::fs::create_dir_all(&archive).unwrap();
        chown_postgres(&archive);
        let mut servers = Vec::new();
        for (name, address) in [("pg1", "10.0.0.21"), ("pg2", "10.0.0.22")] {
            let (rest, postgres) = (port(), port());
            let node_dir = cluster.dir.path().join(name);
            std::fs::create_dir_all(&node_dir).unwrap();
            std::fs::set_permissions(&node_dir, std::os::unix::fs::PermissionsExt::from_mode(0o700)).unwrap();
            let config = from_deploy(
                &format!("patroni/{name}.yml"),
                cluster.dir.path(),
                &[
                    (&format!("{address}:8008"), format!("127.0.0.1:{rest}")),
                    (&format!("{address}:5432"), format!("127.0.0.1:{postgres}")),
                    ("10.0.0.20:2379", format!("127.0.0.1:{etcd_client}")),
                    ("10.0.0.0/24", "127.0.0.1/32".to_string()),
                    (
                        "/var/lib/postgresql/15/member-center",
                        node_dir.join("data").display().to_string(),
                    ),
                    (
                        "/var/lib/postgresql/15/pgpass-member-center",
                        node_dir.join("pgpass").display().to_string(),
                    ),
                    ("/var/lib/postgresql/wal-archive", archive.display().to_string()),
                    ("/var/run/postgresql", node_dir.display().to_string()),
                    ("/usr/lib/postgresql/15/bin", pg_bin().display().to_string()),
                ],
            );
            chown_postgres(&node_dir);
            let mut node = Node {
                name,
                config,
                dir: node_dir,
                rest,
                patroni: None,
            };
            node.start();
            cluster.nodes.push(node);
            servers.push((address, postgres, rest));
        }
        let started = Instant::now();
        wait_until("Patroni makes a leader and a synchronous standby", || {
            let roles = cluster.roles();
            roles.values().any(|r| r == "leader") && roles.values().any(|r| r == "sync_standby")
        });
        println!(
            "Patroni: leader and synchronous standby after {:.1} s",
            started.elapsed().as_secs_f64()
        );

        let [mc1, mc2] = cluster.portal_ports;
        let mut haproxy_substitutions = vec![
            ("10.0.0.10:5000", format!("127.0.0.1:{}", cluster.haproxy_postgres)),
            (
                "10.0.0.10:443 ssl crt /etc/haproxy/certs/portal.pem",
                format!("127.0.0.1:{}", cluster.haproxy_portal),
            ),
            ("10.0.0.31:8080", format!("127.0.0.1:{mc1}")),
            ("10.0.0.32:8080", format!("127.0.0.1:{mc2}")),
        ];
        for (address, postgres, rest) in &servers {
            haproxy_substitutions.push((
                if *address == "10.0.0.21" {
                    "10.0.0.21:5432 maxconn 300 check port 8008"
                } else {
                    "10.0.0.22:5432 maxconn 300 check port 8008"
                },
                format!("127.0.0.1:{postgres} maxconn 300 check port {rest}"),
            ));
        }
        let haproxy_config = from_deploy("haproxy.cfg", cluster.dir.path(), &haproxy_substitutions);
        let haproxy = Command::new("haproxy")
            .arg("-db")
            .arg("-f")
            .arg(&haproxy_config)
            .stdout(Stdio::null())
            .stderr(std::fs::File::create(cluster.dir.path().join("haproxy.log")).unwrap())
            .spawn()
            .expect("haproxy starts (Debian's haproxy; scripts/test installs it)");
        cluster.others.push(haproxy);
        cluster
    }

    /// Each node's role by name, as Patroni's REST API says (from any node that answers).
    fn roles(&self) -> BTreeMap<String, String> {
        for node in &self.nodes {
            let Some(body) = http_json(&format!("http://127.0.0.1:{}/cluster", node.rest)) else {
                continue;
            };
            return body["members"]
                .as_array()
                .into_iter()
                .flatten()
                .filter(|m| m["state"] == "running" || m["state"] == "streaming")
                .map(|m| {
                    (
                        m["name"].as_str().unwrap_or_default().to_string(),
                        m["role"].as_str().unwrap_or_default().to_string(),
                    )
                })
                .collect();
        }
        BTreeMap::new()
    }

    fn leader(&self) -> String {
        let roles = self.roles();
        roles
            .iter()
            .find(|(_, role)| *role == "leader")
            .map(|(name, _)| name.clone())
            .expect("a leader")
    }

    fn node(&mut self, name: &str) -> &mut Node {
        self.nodes.iter_mut().find(|n| n.name == name).unwrap()
    }

    fn superuser_url(&self) -> String {
        format!(
            "postgres://postgres:{SUPERUSER_PASSWORD}@127.0.0.1:{}/postgres",
            self.haproxy_postgres
        )
    }

    /// MC_DB from `deploy/database.env`, pointed at the test's HAProxy.
    fn database_env(&self) -> Vec<(String, String)> {
        let file = from_deploy(
            "database.env",
            self.dir.path(),
            &[("10.0.0.10:5000", format!("127.0.0.1:{}", self.haproxy_postgres))],
        );
        std::fs::read_to_string(file)
            .unwrap()
            .lines()
            .filter(|l| !l.starts_with('#') && l.contains('='))
            .map(|l| {
                let (k, v) = l.split_once('=').unwrap();
                (k.to_string(), v.to_string())
            })
            .collect()
    }

    /// The application's role and database, as the README has the operator make them.
    async fn make_database(&self) -> Location {
        use sqlx::Connection;
        let env = self.database_env();
        let url = env.iter().find(|(k, _)| k == "MC_DB").map(|(_, v)| v.clone()).unwrap();
        let password = url.split_once("member_center:").unwrap().1.split_once('@').unwrap().0;
        // HAProxy sends connections on once its first check found the leader.
        let started = Instant::now();
        let mut admin = loop {
            match sqlx::postgres::PgConnection::connect(&self.superuser_url()).await {
                Ok(admin) => break admin,
                Err(err) => assert!(started.elapsed() < NEVER, "no PostgreSQL behind HAProxy: {err}"),
            }
            tokio::time::sleep(Duration::from_millis(250)).await;
        };
        for statement in [
            format!("CREATE ROLE member_center LOGIN PASSWORD '{password}'"),
            "CREATE DATABASE member_center OWNER member_center".to_string(),
        ] {
            sqlx::query(sqlx::AssertSqlSafe(statement))
                .execute(&mut admin)
                .await
                .unwrap();
        }
        Location::Postgres(url)
    }

    /// The systemd unit's `ExecStartPre` (once) and `ExecStart` (for each
    /// instance), with the binary and the configuration directory of the test.
    fn start_portals(&mut self, smtp_url: &str) {
        let unit = std::fs::read_to_string(Path::new(env!("CARGO_MANIFEST_DIR")).join("deploy/member-center.service"))
            .unwrap();
        let line = |key: &str| -> Vec<String> {
            let found = unit
                .lines()
                .find_map(|l| l.strip_prefix(key))
                .unwrap_or_else(|| panic!("the unit has {key}"));
            found
                .split_whitespace()
                .map(|word| {
                    word.replace("/usr/local/bin/member-center", env!("CARGO_BIN_EXE_member-center"))
                        .replace("/etc/member-center/", &format!("{}/", self.dir.path().display()))
                })
                .collect()
        };
        let config_dir = self.dir.path();
        from_deploy(
            "member-center.toml",
            config_dir,
            &[
                (
                    "/etc/member-center/secret",
                    config_dir.join("secret").display().to_string(),
                ),
                ("[\"10.0.0.10\"]", "[\"127.0.0.1\"]".to_string()),
            ],
        );
        let env = self.database_env();
        let run = |words: &[String], bind: Option<u16>, log: &str| {
            let mut command = Command::new(&words[0]);
            command
                .args(&words[1..])
                .envs(env.iter().map(|(k, v)| (k.as_str(), v.as_str())))
                .env("MC_LOG", "warn")
                // The test's browser speaks plain HTTP to HAProxy (TLS aside).
                .env("MC_INSECURE_COOKIES", "true")
                .env("MC_SMTP_URL", smtp_url)
                .env("MC_MAIL_FROM", "Member Center <portal@example.org>")
                .stdout(Stdio::null())
                .stderr(std::fs::File::create(config_dir.join(log)).unwrap());
            if let Some(port) = bind {
                // The one setting that differs between instances, from the environment.
                command.env("MC_BIND", format!("127.0.0.1:{port}"));
            }
            command
        };
        let migrated = run(&line("ExecStartPre="), None, "migrate.log").status().unwrap();
        assert!(migrated.success(), "ExecStartPre (migrate) failed");
        for (i, port) in self.portal_ports.into_iter().enumerate() {
            let child = run(&line("ExecStart="), Some(port), &format!("portal-{i}.log"))
                .spawn()
                .unwrap();
            self.portals.push(child);
            // The first makes the secret file; the second reads it.
            wait_until("the instance is ready", || {
                http_status(&format!("http://127.0.0.1:{port}/readyz")) == Some(200)
            });
        }
    }
}

/// A plain HTTP/1.0 GET (the checks run on threads outside the runtime):
/// the status and body, or nothing when no answer came within 3 s.
fn http_get(url: &str) -> Option<(u16, String)> {
    use std::io::{Read, Write};
    let rest = url.strip_prefix("http://")?;
    let (host, path) = rest
        .split_once('/')
        .map_or((rest, "/".to_string()), |(h, p)| (h, format!("/{p}")));
    let address: std::net::SocketAddr = host.parse().ok()?;
    let mut stream = std::net::TcpStream::connect_timeout(&address, Duration::from_secs(3)).ok()?;
    stream.set_read_timeout(Some(Duration::from_secs(3))).ok()?;
    write!(stream, "GET {path} HTTP/1.0\r\nHost: {host}\r\n\r\n").ok()?;
    let mut response = String::new();
    stream.read_to_string(&mut response).ok()?;
    let status = response.split_whitespace().nth(1)?.parse().ok()?;
    let body = response.split_once("\r\n\r\n").map_or("", |(_, body)| body).to_string();
    Some((status, body))
}

fn http_status(url: &str) -> Option<u16> {
    http_get(url).map(|(status, _)| status)
}

fn http_json(url: &str) -> Option<Value> {
    http_get(url).and_then(|(_, body)| serde_json::from_str(&body).ok())
}

fn wait_until(what: &str, mut done: impl FnMut() -> bool) {
    let start = Instant::now();
    while !done() {
        assert!(start.elapsed() < NEVER, "{what}: not after {} s", NEVER.as_secs());
        std::thread::sleep(Duration::from_millis(250));
    }
}

/// What the load met.
#[derive(Default)]
struct Tally {
    /// When each answer (a 2xx or a 4xx: the request was decided) or
    /// refusal (503, or no connection) came.
    answers: Vec<(Instant, bool)>,
    /// Anything else: a 500, a 502… (must stay empty).
    bad: Vec<String>,
    /// Idempotency keys of debits acknowledged (201 or 200).
    debits: BTreeSet<String>,
    /// Allocation IDs acknowledged, by idempotency key.
    admissions: BTreeMap<String, i64>,
    /// Allocation IDs whose release was acknowledged.
    released: BTreeSet<i64>,
    /// Admissions refused for the quota.
    over_quota: usize,
}

/// Sends `body` (or nothing) to `url` until it is decided: a 503 or a
/// broken connection is retried with the same body (the same idempotency
/// key).
async fn until_decided(
    client: &reqwest::Client,
    method: reqwest::Method,
    url: &str,
    key: &str,
    body: Option<&Value>,
    tally: &Mutex<Tally>,
) -> (u16, Value) {
    loop {
        let mut request = client.request(method.clone(), url).header("x-api-key", key);
        if let Some(body) = body {
            request = request.json(body);
        }
        let sent = request.send().await;
        let now = Instant::now();
        match sent {
            Ok(response) => {
                let status = response.status();
                let retry_after = response.headers().contains_key("retry-after");
                let answer: Value = response.json().await.unwrap_or(Value::Null);
                if status == StatusCode::SERVICE_UNAVAILABLE {
                    if !retry_after || answer["error"]["code"] != "unavailable" {
                        tally
                            .lock()
                            .unwrap()
                            .bad
                            .push(format!("503 without Retry-After or its code: {answer}"));
                    }
                    tally.lock().unwrap().answers.push((now, false));
                } else if status.is_success() || status.is_client_error() {
                    tally.lock().unwrap().answers.push((now, true));
                    return (status.as_u16(), answer);
                } else {
                    tally.lock().unwrap().bad.push(format!("{status}: {answer}"));
                    return (status.as_u16(), answer);
                }
            }
            Err(_) => tally.lock().unwrap().answers.push((now, false)),
        }
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
}

/// Debits, admissions and releases, one after the other, until `stop`.
async fn load(worker: usize, base: String, key: String, stop: Arc<AtomicBool>, tally: Arc<Mutex<Tally>>) {
    let client = reqwest::Client::builder()
        .timeout(Duration::from_secs(10))
        .build()
        .unwrap();
    let mut n = 0;
    let mut held = std::collections::VecDeque::new();
    let (usage, allocations) = (format!("{base}/api/v1/usage"), format!("{base}/api/v1/allocations"));
    while !stop.load(Ordering::Relaxed) {
        n += 1;
        let debit = format!("w{worker}-d{n}");
        let body = json!({"service": "ccs", "resource_id": "c-1", "seconds": 36, "rate_per_hour": "1.0000", "idempotency_key": debit});
        let (status, _) = until_decided(&client, reqwest::Method::POST, &usage, &key, Some(&body), &tally).await;
        if status == 200 || status == 201 {
            tally.lock().unwrap().debits.insert(debit);
        }
        let admission = format!("w{worker}-a{n}");
        let body = json!({"service": "ccs", "resources": {"cpu": 1}, "idempotency_key": admission});
        let (status, answer) =
            until_decided(&client, reqwest::Method::POST, &allocations, &key, Some(&body), &tally).await;
        let full = match status {
            200 | 201 => {
                let id = answer["id"].as_i64().expect("an admission's ID");
                tally.lock().unwrap().admissions.insert(admission, id);
                held.push_back(id);
                false
            }
            _ => {
                tally.lock().unwrap().over_quota += 1;
                true
            }
        };
        // The quota is full: the worker gives its oldest back, and admissions
        // go on being refused and admitted through every failover.
        if full && let Some(id) = held.pop_front() {
            let one = format!("{allocations}/{id}");
            let (status, _) = until_decided(&client, reqwest::Method::DELETE, &one, &key, None, &tally).await;
            if status == 200 {
                tally.lock().unwrap().released.insert(id);
            }
        }
    }
}

/// From `since` (the new leader leads by now): how long requests were
/// refused, once answers come steadily again (three seconds without a
/// refusal).
async fn refused_after(since: Instant, tally: &Mutex<Tally>) -> Duration {
    let start = Instant::now();
    loop {
        let (first_refusal, last_refusal, last_answer) = {
            let tally = tally.lock().unwrap();
            let after = tally.answers.iter().filter(|(at, _)| *at >= since);
            let refusals: Vec<Instant> = after.clone().filter(|(_, ok)| !ok).map(|(at, _)| *at).collect();
            let last_answer = after.filter(|(_, ok)| *ok).map(|(at, _)| *at).max();
            (refusals.first().copied(), refusals.iter().max().copied(), last_answer)
        };
        let quiet_since = last_refusal.unwrap_or(since);
        let steady = last_answer.is_some_and(|answered| answered > quiet_since)
            && Instant::now() - quiet_since > Duration::from_secs(3);
        if steady {
            return match (first_refusal, last_refusal) {
                (Some(first), Some(last)) => last - first,
                _ => Duration::ZERO,
            };
        }
        assert!(
            start.elapsed() < NEVER,
            "requests were still refused {} s on",
            NEVER.as_secs()
        );
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn a_failover_loses_nothing_acknowledged_and_a_backup_restores() {
    let mut cluster = tokio::task::block_in_place(Cluster::start);
    let location = cluster.make_database().await;
    let smtp = crate::common::Smtp::start().await;
    tokio::task::block_in_place(|| cluster.start_portals(&smtp.url()));
    let base = format!("http://127.0.0.1:{}", cluster.haproxy_portal);
    let db = db::open(&location).await.unwrap();
    let app = TestApp {
        base: base.clone(),
        metrics: None,
        db: db.clone(),
        scratch: Scratch::existing(location.clone()),
    };
    app.create_project("MST990001", "Failover").await;
    let bob = app.create_user("bob", PlatformRole::None).await;
    app.add_member("MST990001", &bob, "tenant_user").await;
    app.credit("MST990001", "PO-HA", "100000").await;
    let cpu = CPU_QUOTA.to_string();
    member_center::operator::service::set_project_quota(
        &db,
        None,
        "MST990001",
        "ccs",
        &[("cpu", Some(cpu.as_str())), ("gpu", Some("0")), ("memory", Some("-1"))],
    )
    .await
    .unwrap();
    let (_, key) = app.key_for("MST990001", &bob, 30).await;
    let (doomed_id, doomed_key) = app.key_for("MST990001", &bob, 30).await;
    // Both instances have seen (and remember) the key that is revoked later.
    for port in cluster.portal_ports {
        let (status, _) = crate::common::get_json(&format!("http://127.0.0.1:{port}/api/v1/whoami"), &doomed_key).await;
        assert_eq!(status, StatusCode::OK);
    }

    let mut person = app.signed_in(&bob).await;
    assert_eq!(person.get("/account/profile").await.status, StatusCode::OK);

    let stop = Arc::new(AtomicBool::new(false));
    let tally = Arc::new(Mutex::new(Tally::default()));
    let workers: Vec<_> = (0..4)
        .map(|w| tokio::spawn(load(w, base.clone(), key.clone(), stop.clone(), tally.clone())))
        .collect();
    tokio::time::sleep(Duration::from_secs(3)).await;

    // 1. The leader is lost.
    let first = cluster.leader();
    let lost_at = Instant::now();
    cluster.node(&first).kill();
    // A person meanwhile gets the portal's own page, which says to come back.
    let page = loop {
        let page = person.get("/account/profile").await;
        if page.status != StatusCode::OK {
            break page;
        }
        assert!(
            lost_at.elapsed() < NEVER,
            "the profile page never waited for the database"
        );
        tokio::time::sleep(Duration::from_millis(200)).await;
    };
    assert_eq!(page.status, StatusCode::SERVICE_UNAVAILABLE);
    assert_eq!(page.headers.get("retry-after").unwrap(), "5");
    page.assert_contains("<h1>Briefly unavailable</h1>");
    page.assert_contains("Nothing was changed; try again in a few seconds.");
    tokio::task::block_in_place(|| {
        wait_until("the standby takes over", || {
            cluster
                .roles()
                .iter()
                .any(|(name, role)| *name != first && role == "leader")
        })
    });
    let refused = refused_after(lost_at, &tally).await;
    println!(
        "failover (SIGKILL of {first}'s Patroni and PostgreSQL): requests refused for {:.1} s, answered again after {:.1} s",
        refused.as_secs_f64(),
        lost_at.elapsed().as_secs_f64()
    );
    let second = cluster.leader();
    assert_ne!(first, second);
    // A change committed now, right after the failover, reaches both instances' caches.
    member_center::api_keys::service::revoke(&db, bob.id, bob.id, &doomed_id, "failover test")
        .await
        .unwrap();
    for port in cluster.portal_ports {
        let started = Instant::now();
        loop {
            let (status, _) =
                crate::common::get_json(&format!("http://127.0.0.1:{port}/api/v1/whoami"), &doomed_key).await;
            if status == StatusCode::UNAUTHORIZED {
                break;
            }
            assert!(
                started.elapsed() < NEVER,
                "instance on {port} still accepts the revoked key"
            );
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
        println!(
            "the revoked key was refused by the instance on {port} after {:.2} s",
            started.elapsed().as_secs_f64()
        );
    }

    // The notice sender resumed by itself: a notice queued now is emailed.
    let carol = app.create_user("carol", PlatformRole::None).await;
    app.add_member("MST990001", &carol, "tenant_user").await;
    let started = Instant::now();
    while smtp.to("carol@example.org").is_empty() {
        assert!(started.elapsed() < NEVER, "no email reached carol after the failover");
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    println!(
        "a notice queued after the failover was emailed after {:.1} s",
        started.elapsed().as_secs_f64()
    );

    // 2. The old leader comes back as a standby (rewound).
    let rejoined_at = Instant::now();
    tokio::task::block_in_place(|| {
        cluster.node(&first).start();
        wait_until("the old leader rejoins as the synchronous standby", || {
            cluster.roles().get(&first).map(String::as_str) == Some("sync_standby")
        });
    });
    println!(
        "{first} rejoined as the synchronous standby after {:.1} s",
        rejoined_at.elapsed().as_secs_f64()
    );

    // 3. A planned switchover back to it.
    let switched_at = Instant::now();
    let config = cluster.node(&second).config.clone();
    let switched = Command::new("patronictl")
        .arg("-c")
        .arg(&config)
        .args(["switchover", "--leader", &second, "--candidate", &first, "--force"])
        .output()
        .unwrap();
    assert!(
        switched.status.success(),
        "{}",
        String::from_utf8_lossy(&switched.stderr)
    );
    tokio::task::block_in_place(|| {
        wait_until("the switchover's new leader leads", || {
            cluster.roles().get(&first).map(String::as_str) == Some("leader")
        })
    });
    let refused = refused_after(switched_at, &tally).await;
    println!(
        "switchover ({second} to {first}): requests refused for {:.1} s",
        refused.as_secs_f64()
    );

    // 4. And the new leader is lost too: back to the other node.
    tokio::task::block_in_place(|| {
        wait_until("the demoted node follows as the synchronous standby", || {
            cluster.roles().get(&second).map(String::as_str) == Some("sync_standby")
        })
    });
    let lost_at = Instant::now();
    cluster.node(&first).kill();
    tokio::task::block_in_place(|| {
        wait_until("the other node takes over again", || {
            cluster.roles().get(&second).map(String::as_str) == Some("leader")
        })
    });
    let refused = refused_after(lost_at, &tally).await;
    println!(
        "failover back (SIGKILL of {first}): requests refused for {:.1} s",
        refused.as_secs_f64()
    );
    stop.store(true, Ordering::Relaxed);
    for worker in workers {
        worker.await.unwrap();
    }

    // Nothing acknowledged was lost, nothing was applied twice, no 500.
    let tally = tally.lock().unwrap();
    assert!(
        tally.bad.is_empty(),
        "answers other than 2xx, 4xx and 503: {:?}",
        tally.bad
    );
    let recorded: Vec<String> =
        sqlx::query_scalar("SELECT idempotency_key FROM usage_records ORDER BY idempotency_key")
            .fetch_all(db.read())
            .await
            .unwrap();
    let recorded_set: BTreeSet<String> = recorded.iter().cloned().collect();
    assert_eq!(recorded.len(), recorded_set.len(), "a debit applied twice");
    assert_eq!(
        recorded_set, tally.debits,
        "acknowledged debits and recorded ones differ"
    );
    let balance: i64 = sqlx::query_scalar("SELECT balance FROM wallets WHERE account_id IS NULL")
        .fetch_one(db.read())
        .await
        .unwrap();
    // 36 s at 1.0000 an hour is 0.0100: 100 in ten-thousandths.
    assert_eq!(balance, 100_000 * 10_000 - 100 * tally.debits.len() as i64);
    let live: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM allocations WHERE released_at IS NULL")
        .fetch_one(db.read())
        .await
        .unwrap();
    assert!(
        live <= CPU_QUOTA,
        "{live} cores admitted against a quota of {CPU_QUOTA}"
    );
    assert_eq!(
        live as usize,
        tally.admissions.len() - tally.released.len(),
        "acknowledged admissions less releases and live ones differ"
    );
    let released: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM allocations WHERE released_at IS NOT NULL")
        .fetch_one(db.read())
        .await
        .unwrap();
    assert_eq!(released as usize, tally.released.len());
    let ids: BTreeSet<i64> = sqlx::query_scalar("SELECT id FROM allocations")
        .fetch_all(db.read())
        .await
        .unwrap()
        .into_iter()
        .collect();
    assert!(tally.admissions.values().all(|id| ids.contains(id)));
    let refusals = tally.answers.iter().filter(|(_, ok)| !ok).count();
    println!(
        "load: {} debits, {} admissions ({} refused for the quota), {} releases, {} answers, {refusals} refusals (503 or no connection)",
        tally.debits.len(),
        tally.admissions.len(),
        tally.over_quota,
        tally.released.len(),
        tally.answers.len()
    );
    drop(tally);
    // Both instances serve again, without a restart.
    assert_eq!(person.get("/account/profile").await.status, StatusCode::OK);
    for port in cluster.portal_ports {
        assert_eq!(http_status(&format!("http://127.0.0.1:{port}/readyz")), Some(200));
        let (status, _) = crate::common::get_json(&format!("http://127.0.0.1:{port}/api/v1/wallet"), &key).await;
        assert_eq!(status, StatusCode::OK);
    }

    restore_drill(&mut cluster, &db).await;
}

/// A base backup of the primary (`pg_basebackup`, as the README has it),
/// started as a fresh server: Member Center runs on it, with the same rows
/// and the same balances.
async fn restore_drill(cluster: &mut Cluster, live: &db::Db) {
    for mut portal in cluster.portals.drain(..) {
        let _ = portal.kill();
        let _ = portal.wait();
    }
    let restored_dir = cluster.dir.path().join("restored");
    std::fs::create_dir_all(&restored_dir).unwrap();
    chown_postgres(&restored_dir);
    let (uid, gid) = postgres_ids();
    let backup = Command::new(pg_bin().join("pg_basebackup"))
        .arg("-d")
        .arg(format!(
            "host=127.0.0.1 port={} user=replicator password=CHANGE-ME-replication-password",
            cluster.haproxy_postgres
        ))
        .arg("-D")
        .arg(restored_dir.join("data"))
        .args(["-X", "stream", "-c", "fast"])
        .uid(uid)
        .gid(gid)
        .output()
        .unwrap();
    assert!(backup.status.success(), "{}", String::from_utf8_lossy(&backup.stderr));
    let port = free_port([127, 0, 0, 1]);
    let started = Command::new(pg_bin().join("pg_ctl"))
        .arg("-D")
        .arg(restored_dir.join("data"))
        .arg("-l")
        .arg(restored_dir.join("server.log"))
        .args(["-w", "-t", "60", "-o"])
        .arg(format!(
            "-p {port} -c listen_addresses=127.0.0.1 -k {} -c archive_mode=off -c synchronous_commit=local",
            restored_dir.display()
        ))
        .arg("start")
        .uid(uid)
        .gid(gid)
        .output()
        .unwrap();
    assert!(started.status.success(), "{}", String::from_utf8_lossy(&started.stdout));
    let Location::Postgres(url) = member_center_location(cluster) else {
        unreachable!()
    };
    let restored_url = url.replace(
        &format!("127.0.0.1:{}", cluster.haproxy_postgres),
        &format!("127.0.0.1:{port}"),
    );
    let restored = Location::Postgres(restored_url);
    let counts = |db: db::Db| async move {
        let tables: Vec<String> =
            sqlx::query_scalar("SELECT tablename::text FROM pg_tables WHERE schemaname = 'public' ORDER BY tablename")
                .fetch_all(db.read())
                .await
                .unwrap();
        let mut counts = BTreeMap::new();
        for table in tables {
            let count: i64 = sqlx::query_scalar(sqlx::AssertSqlSafe(format!("SELECT COUNT(*) FROM {table}")))
                .fetch_one(db.read())
                .await
                .unwrap();
            counts.insert(table, count);
        }
        let balances: Vec<(i64, i64)> = sqlx::query_as("SELECT id, balance FROM wallets ORDER BY id")
            .fetch_all(db.read())
            .await
            .unwrap();
        (counts, balances)
    };
    let before = counts(live.clone()).await;
    let after = counts(db::open(&restored).await.unwrap()).await;
    assert!(before.0.values().sum::<i64>() > 0);
    assert_eq!(before, after, "the restored database differs");
    // Member Center starts on the restored server (migrating nothing) and serves it.
    let app = crate::common::spawn_app_in(Scratch::existing(restored.clone()), |_| {}).await;
    assert_eq!(http_status(&format!("{}/readyz", app.base)), Some(200));
    println!(
        "restore drill: {} tables, {} rows, {} wallets identical",
        after.0.len(),
        after.0.values().sum::<i64>(),
        after.1.len()
    );
    let _ = Command::new(pg_bin().join("pg_ctl"))
        .arg("-D")
        .arg(restored_dir.join("data"))
        .args(["-m", "immediate", "stop"])
        .uid(uid)
        .gid(gid)
        .output();
}

fn member_center_location(cluster: &Cluster) -> Location {
    let env = cluster.database_env();
    Location::Postgres(env.into_iter().find(|(k, _)| k == "MC_DB").unwrap().1)
}
