//! Everything the server can be told, in one place. Values come from the
//! command line or the matching `MC_` environment variable (see `main.rs`).

use std::path::PathBuf;

use crate::{db::Location, roles::PlatformRole};

/// The defaults, used by `Config::new` and shown by `member-center --help`.
pub const DEFAULT_DB: &str = "./member-center.db";
pub const DEFAULT_BIND: &str = "127.0.0.1:8080";
pub const DEFAULT_MAX_KEY_DAYS: i64 = 365;
pub const DEFAULT_MAX_KEYS: i64 = 20;
pub const DEFAULT_ACTIVITY_RETENTION_DAYS: i64 = 400;
pub const DEFAULT_API_ACTIVITY_RAW_DAYS: i64 = 7;
pub const DEFAULT_SESSION_IDLE_MINUTES: i64 = 120;
pub const DEFAULT_SESSION_HOURS: i64 = 12;

#[derive(Debug, Clone)]
pub struct Config {
    /// Address to listen on; port 0 picks a free port (tests).
    pub bind: String,
    /// The SQLite file (created and migrated on first start) or the
    /// PostgreSQL server (`postgres://…`, migrated on start).
    pub db: Location,
    /// Send cookies without the `Secure` flag, for plain-HTTP local use.
    pub insecure_cookies: bool,
    /// The longest an API key may stay valid, counted from now.
    pub max_key_days: i64,
    /// How many keys one member may hold in one project.
    pub max_keys: i64,
    /// Activity older than this many days is deleted (changes, and the
    /// API's use per key and hour or day).
    pub activity_retention_days: i64,
    /// API calls are kept one by one for this many days.
    pub api_activity_raw_days: i64,
    /// The portal's address as its users reach it (`https://portal.example.org`),
    /// for the links it hands out; without it, no link is issued.
    pub public_url: Option<String>,
    /// Proxies whose `X-Forwarded-For` names the client; otherwise the
    /// socket's peer is the client.
    pub trusted_proxies: Vec<std::net::IpAddr>,
    /// A session unused for this long is over (seconds).
    pub session_idle_seconds: i64,
    /// A session is over this long after sign-in, however used (seconds).
    pub session_lifetime_seconds: i64,
    /// The file of instance secrets (session cookies, object-storage keys);
    /// `None`: `member-center.secret` beside a SQLite database (required
    /// with PostgreSQL: every instance must be given the same file).
    pub secret_file: Option<PathBuf>,
    /// Where Prometheus metrics are served (`GET /metrics`); none without it.
    /// Keep it off the public network.
    pub metrics_bind: Option<String>,
    /// Where notices are emailed from: `smtp://host:port` (plain, or
    /// `?tls=required` for STARTTLS) or `smtps://host:port` (TLS); none:
    /// notices stay in the portal.
    pub smtp_url: Option<String>,
    /// A file holding the SMTP user name and password, one a line.
    pub smtp_credentials_file: Option<PathBuf>,
    /// The sender of notice emails (`Member Center <portal@example.org>`).
    pub mail_from: Option<String>,
    /// Platform roles that must have a second factor before reaching any
    /// page but its enrolment.
    pub require_two_factor_for: Vec<PlatformRole>,
    /// Sign-in through the institution's OpenID provider; none without
    /// `--oidc-issuer`.
    pub sso: Option<Sso>,
    /// The Slurm cluster whose accounts Member Center keeps in step
    /// (`crate::slurm`); none without `--slurm-cluster`.
    pub slurm: Option<Slurm>,
}

/// The Slurm cluster Member Center manages (`--slurm-…`).
#[derive(Debug, Clone)]
pub struct Slurm {
    /// The cluster's name in slurmdbd.
    pub cluster: String,
    /// The one account under which everything Member Center manages lives.
    pub parent: String,
    /// Seconds between full passes (changes in the portal start one at once).
    pub sync_seconds: i64,
    /// The `slurm.conf` Slurm's commands read (`SLURM_CONF`); none: theirs.
    pub conf: Option<PathBuf>,
}

pub const DEFAULT_SLURM_PARENT: &str = "member-center";
pub const DEFAULT_SLURM_SYNC_SECONDS: i64 = 60;

impl Slurm {
    /// The settings, if Slurm can take the names (lowercase letters,
    /// digits, `-` and `_`).
    pub fn new(cluster: &str, parent: &str, sync_seconds: i64) -> anyhow::Result<Slurm> {
        let fits = |name: &str| {
            (1..=64).contains(&name.len())
                && name.starts_with(|c: char| c.is_ascii_lowercase() || c.is_ascii_digit())
                && name
                    .chars()
                    .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-' || c == '_')
        };
        if !fits(cluster) {
            anyhow::bail!(
                "--slurm-cluster: {cluster:?} is not a Slurm cluster name (lowercase letters, digits, - and _)"
            );
        }
        if !fits(parent) {
            anyhow::bail!(
                "--slurm-parent: {parent:?} is not a Slurm account name (lowercase letters, digits, - and _)"
            );
        }
        Ok(Slurm {
            cluster: cluster.to_string(),
            parent: parent.to_string(),
            sync_seconds,
            conf: None,
        })
    }
}

/// The identity provider the portal trusts (`--oidc-…`).
#[derive(Debug, Clone)]
pub struct Sso {
    /// Its issuer URL; `/.well-known/openid-configuration` below it says the rest.
    pub issuer: String,
    pub client_id: String,
    /// A file holding the client secret (never on the command line).
    pub client_secret_file: PathBuf,
    /// The sign-in button's words (the provider's name, as people know
    /// it), in English and in Traditional Chinese; a translated default
    /// without them.
    pub button_label: Option<String>,
    pub button_label_zh_tw: Option<String>,
    /// Whether the first sign-in of an identity no account is linked to
    /// makes an account from its verified claims (otherwise it is refused).
    pub create_accounts: bool,
    /// The claim a new account's username comes from.
    pub username_claim: String,
    /// Whether an account linked to the provider may still sign in with a
    /// password (accounts not linked always may).
    pub passwords_for_linked: bool,
}

impl Sso {
    /// The sign-in button's words in `lang`.
    pub fn label(&self, lang: crate::web::i18n::Lang) -> String {
        let given = match lang {
            crate::web::i18n::Lang::ZhTw => self.button_label_zh_tw.as_ref().or(self.button_label.as_ref()),
            crate::web::i18n::Lang::En => self.button_label.as_ref(),
        };
        given
            .cloned()
            .unwrap_or_else(|| lang.t("signin-sso-default").to_string())
    }

    /// A provider at `issuer` with the defaults for the rest.
    pub fn new(issuer: impl Into<String>, client_id: impl Into<String>, client_secret_file: PathBuf) -> Self {
        Sso {
            issuer: issuer.into(),
            client_id: client_id.into(),
            client_secret_file,
            button_label: None,
            button_label_zh_tw: None,
            create_accounts: false,
            username_claim: "preferred_username".to_string(),
            passwords_for_linked: true,
        }
    }
}

impl Config {
    pub fn new(bind: impl Into<String>, db: impl Into<Location>) -> Self {
        Config {
            bind: bind.into(),
            db: db.into(),
            insecure_cookies: false,
            max_key_days: DEFAULT_MAX_KEY_DAYS,
            max_keys: DEFAULT_MAX_KEYS,
            activity_retention_days: DEFAULT_ACTIVITY_RETENTION_DAYS,
            api_activity_raw_days: DEFAULT_API_ACTIVITY_RAW_DAYS,
            public_url: None,
            trusted_proxies: Vec::new(),
            session_idle_seconds: DEFAULT_SESSION_IDLE_MINUTES * 60,
            session_lifetime_seconds: DEFAULT_SESSION_HOURS * 3600,
            secret_file: None,
            metrics_bind: None,
            smtp_url: None,
            smtp_credentials_file: None,
            mail_from: None,
            require_two_factor_for: vec![PlatformRole::Support, PlatformRole::Operator],
            sso: None,
            slurm: None,
        }
    }

    /// Where the instance secrets are kept.
    pub fn secret_path(&self) -> anyhow::Result<PathBuf> {
        match (&self.secret_file, self.db.file()) {
            (Some(file), _) => Ok(file.clone()),
            (None, Some(db)) => Ok(db.with_file_name("member-center.secret")),
            (None, None) => anyhow::bail!(
                "with a PostgreSQL database, name the instance secrets with --secret-file \
                 (the same file on every instance)"
            ),
        }
    }

    /// A link to `path` (`/reset/…`) on the public address, or `None` when
    /// no public address is configured.
    pub fn public_link(&self, path: &str) -> Option<String> {
        self.public_url
            .as_deref()
            .map(|base| format!("{}{path}", base.trim_end_matches('/')))
    }
}

#[cfg(test)]
mod tests {
    use super::Config;
    use crate::db::Location;

    #[test]
    fn the_secret_file_sits_beside_a_sqlite_file_and_must_be_named_for_postgresql() {
        let sqlite = Config::new("127.0.0.1:0", std::path::PathBuf::from("/srv/mc/member-center.db"));
        assert_eq!(
            sqlite.secret_path().unwrap(),
            std::path::PathBuf::from("/srv/mc/member-center.secret")
        );
        let mut postgres = Config::new("127.0.0.1:0", Location::Postgres("postgres://mc@db/mc".into()));
        let refused = postgres.secret_path().unwrap_err().to_string();
        assert!(refused.contains("--secret-file"), "{refused}");
        postgres.secret_file = Some("/etc/mc/secret".into());
        assert_eq!(
            postgres.secret_path().unwrap(),
            std::path::PathBuf::from("/etc/mc/secret")
        );
    }
}
