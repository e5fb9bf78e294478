//! `member-center serve`: the portal's settings (each flag also an
//! environment variable) and starting it.

use std::path::PathBuf;

use super::explain;
use crate::{
    Application,
    config::{self, Config},
    db, demo,
    roles::PlatformRole,
};

/// The settings `serve` takes.
#[derive(clap::Args)]
pub(super) struct ServeArgs {
    /// A TOML file of these settings, each flag a key of the same name
    /// (max-key-days = 30); a flag or environment variable overrides it.
    #[arg(long, env = "MC_CONFIG")]
    config: Option<PathBuf>,
    /// Address to listen on.
    #[arg(long, env = "MC_BIND", default_value = config::DEFAULT_BIND)]
    bind: String,
    /// Load demo accounts and projects into an empty database; implies --insecure-cookies.
    #[arg(long, env = "MC_DEMO")]
    demo: bool,
    /// Send the session cookie without the Secure flag, for plain-HTTP local use.
    #[arg(long, env = "MC_INSECURE_COOKIES")]
    insecure_cookies: bool,
    /// The longest an API key may be valid, in days from now.
    #[arg(long, env = "MC_MAX_KEY_DAYS", default_value_t = config::DEFAULT_MAX_KEY_DAYS, value_parser = clap::value_parser!(i64).range(1..=3650))]
    max_key_days: i64,
    /// How many API keys one member may hold in one project.
    #[arg(long, env = "MC_MAX_KEYS", default_value_t = config::DEFAULT_MAX_KEYS, value_parser = clap::value_parser!(i64).range(1..=1000))]
    max_keys: i64,
    /// Days of activity to keep (changes, and the API's use per key and hour or day); older rows are deleted.
    #[arg(long, env = "MC_ACTIVITY_RETENTION_DAYS", default_value_t = config::DEFAULT_ACTIVITY_RETENTION_DAYS, value_parser = clap::value_parser!(i64).range(1..=36500))]
    activity_retention_days: i64,
    /// Days to keep every API call in detail (time, key, route, status, latency, client).
    #[arg(long, env = "MC_API_ACTIVITY_RAW_DAYS", default_value_t = config::DEFAULT_API_ACTIVITY_RAW_DAYS, value_parser = clap::value_parser!(i64).range(1..=36500))]
    api_activity_raw_days: i64,
    /// Services new members may use, comma-separated (default: all of ccs,vcs,hpc,cos,registry).
    #[arg(long, env = "MC_DEFAULT_SERVICES", value_delimiter = ',')]
    default_services: Option<Vec<String>>,
    /// The portal's address as its users reach it, for the links it hands
    /// out (reset and first-password links); without it none are issued.
    #[arg(long, env = "MC_PUBLIC_URL")]
    public_url: Option<String>,
    /// Proxies (IP addresses, comma-separated) whose X-Forwarded-For names the client.
    #[arg(long = "trusted-proxy", env = "MC_TRUSTED_PROXIES", value_delimiter = ',')]
    trusted_proxies: Vec<std::net::IpAddr>,
    /// Minutes a session may go unused before it ends.
    #[arg(long, env = "MC_SESSION_IDLE_MINUTES", default_value_t = config::DEFAULT_SESSION_IDLE_MINUTES, value_parser = clap::value_parser!(i64).range(1..=10080))]
    session_idle_minutes: i64,
    /// Hours after sign-in that a session ends, however used.
    #[arg(long, env = "MC_SESSION_HOURS", default_value_t = config::DEFAULT_SESSION_HOURS, value_parser = clap::value_parser!(i64).range(1..=720))]
    session_hours: i64,
    /// The file of instance secrets (made with 0600 permissions if missing);
    /// default: member-center.secret beside the database.
    #[arg(long, env = "MC_SECRET_FILE")]
    secret_file: Option<PathBuf>,
    /// Serve Prometheus metrics at http://ADDRESS/metrics (e.g. 127.0.0.1:9100);
    /// off without it. Keep it off the public network.
    #[arg(long, env = "MC_METRICS_BIND")]
    metrics_bind: Option<String>,
    /// Email notices through this SMTP server: smtp://HOST:PORT (add ?tls=required for
    /// STARTTLS) or smtps://HOST:PORT (TLS). Without it, notices stay in the portal.
    /// Needs --mail-from and --public-url.
    #[arg(long, env = "MC_SMTP_URL")]
    smtp_url: Option<String>,
    /// A file with the SMTP user name on its first line and the password on its second.
    #[arg(long, env = "MC_SMTP_CREDENTIALS_FILE")]
    smtp_credentials_file: Option<PathBuf>,
    /// The sender of notice emails, e.g. "Member Center <portal@example.org>".
    #[arg(long, env = "MC_MAIL_FROM")]
    mail_from: Option<String>,
    /// Platform roles that must turn on two-factor sign-in before reaching any other
    /// page: support, operator (comma-separated), or none.
    #[arg(
        long = "require-2fa-for",
        env = "MC_REQUIRE_2FA_FOR",
        value_delimiter = ',',
        default_value = "support,operator"
    )]
    require_2fa_for: Vec<String>,
    #[command(flatten)]
    sso: Box<SsoArgs>,
    #[command(flatten)]
    slurm: super::slurm::SlurmArgs,
}

/// What `serve` runs with, once its flags were checked.
struct Settings {
    config: Config,
    demo: bool,
    default_services: Option<Vec<String>>,
}

impl ServeArgs {
    /// Checks the settings and runs the portal on the database at `location`.
    pub(super) async fn run(self, location: db::Location) -> anyhow::Result<()> {
        let settings = self.settings(location)?;
        serve(settings.config, settings.demo, settings.default_services).await
    }

    /// `config check`: prints the settings in effect and whether they can
    /// work; an error when they cannot.
    pub(super) async fn check(
        self,
        location: db::Location,
        matches: &clap::ArgMatches,
        from_file: &super::config_file::FileKeys,
    ) -> anyhow::Result<()> {
        use super::config_file::{check_arguments, describe, readable};
        match &from_file.file {
            Some(file) => println!("# The settings of serve, from {} and the command line", file.display()),
            None => println!("# The settings of serve, from the command line"),
        }
        print!("{}", describe(matches, &check_arguments(), from_file));
        let Settings {
            config,
            default_services,
            ..
        } = self.settings(location)?;
        let mut problems = Vec::new();
        for code in default_services.iter().flatten() {
            if crate::permissions::Service::parse(code).is_none() {
                problems.push(format!("default-services: {code:?} is not a service"));
            }
        }
        if let Err(why) = crate::notices::mail::Mailer::from_config(&config) {
            problems.push(format!("{why:#}"));
        }
        let files = [
            ("the SMTP credentials file", config.smtp_credentials_file.as_ref()),
            (
                "the OpenID client secret file",
                config.sso.as_ref().map(|sso| &sso.client_secret_file),
            ),
            (
                "slurm.conf",
                config.slurm.as_ref().and_then(|slurm| slurm.conf.as_ref()),
            ),
        ];
        for (what, path) in files {
            if let Some(path) = path {
                problems.extend(readable(what, path).err());
            }
        }
        match config.secret_path() {
            // Made at the first start when missing: its directory must exist.
            Ok(path) if path.exists() => problems.extend(readable("the secret file", &path).err()),
            Ok(path)
                if !path
                    .parent()
                    .is_none_or(|dir| dir.as_os_str().is_empty() || dir.is_dir()) =>
            {
                problems.push(format!(
                    "the secret file's directory of {} does not exist",
                    path.display()
                ));
            }
            Ok(_) => {}
            Err(why) => problems.push(format!("{why:#}")),
        }
        match db::schema_version_at(&config.db).await {
            Ok(Some(version)) => println!("# The database answers; its schema is version {version}."),
            Ok(None) => println!("# The database is made and migrated at the first start."),
            Err(why) => problems.push(format!("{why:#}")),
        }
        if problems.is_empty() {
            println!("# These settings can work.");
            Ok(())
        } else {
            anyhow::bail!("these settings cannot work:\n  {}", problems.join("\n  "))
        }
    }

    /// The portal's configuration, or the first setting that cannot work.
    fn settings(self, location: db::Location) -> anyhow::Result<Settings> {
        let ServeArgs {
            config: _,
            bind,
            demo,
            insecure_cookies,
            max_key_days,
            max_keys,
            activity_retention_days,
            api_activity_raw_days,
            default_services,
            public_url,
            trusted_proxies,
            session_idle_minutes,
            session_hours,
            secret_file,
            metrics_bind,
            smtp_url,
            smtp_credentials_file,
            mail_from,
            require_2fa_for,
            sso,
            slurm,
        } = self;
        if let Some(url) = &public_url
            && !(url.starts_with("https://") || url.starts_with("http://"))
        {
            anyhow::bail!("--public-url must start with https:// or http://, e.g. https://portal.example.org");
        }
        let mut config = Config::new(bind, location);
        config.insecure_cookies = insecure_cookies || demo;
        config.max_key_days = max_key_days;
        config.max_keys = max_keys;
        config.activity_retention_days = activity_retention_days;
        config.api_activity_raw_days = api_activity_raw_days;
        config.trusted_proxies = trusted_proxies;
        config.session_idle_seconds = session_idle_minutes * 60;
        config.session_lifetime_seconds = session_hours * 3600;
        config.secret_file = secret_file;
        config.metrics_bind = metrics_bind;
        config.smtp_url = smtp_url;
        config.smtp_credentials_file = smtp_credentials_file;
        config.mail_from = mail_from;
        config.require_two_factor_for = Vec::new();
        for role in require_2fa_for.iter().map(|r| r.trim()) {
            match role {
                "none" | "" => {}
                "support" => config.require_two_factor_for.push(PlatformRole::Support),
                "operator" => config.require_two_factor_for.push(PlatformRole::Operator),
                other => anyhow::bail!("--require-2fa-for: {other:?} is not support, operator or none"),
            }
        }
        // The demo is reached where it listens.
        config.public_url = public_url.or_else(|| demo.then(|| format!("http://{}", config.bind)));
        config.sso = sso.into_config(config.public_url.as_deref())?;
        config.slurm = slurm.into_config()?;
        Ok(Settings {
            config,
            demo,
            default_services,
        })
    }
}

/// Sign-in through the institution's OpenID provider.
#[derive(clap::Args)]
struct SsoArgs {
    /// Offer sign-in through this OpenID provider (its issuer URL; its discovery
    /// document is read at each sign-in). Needs --oidc-client-id,
    /// --oidc-client-secret-file and --public-url; the provider sends people back
    /// to PUBLIC_URL/sign-in/sso/callback.
    #[arg(long, env = "MC_OIDC_ISSUER")]
    oidc_issuer: Option<String>,
    /// The portal's client ID at the provider.
    #[arg(long, env = "MC_OIDC_CLIENT_ID")]
    oidc_client_id: Option<String>,
    /// A file holding the portal's client secret at the provider.
    #[arg(long, env = "MC_OIDC_CLIENT_SECRET_FILE")]
    oidc_client_secret_file: Option<PathBuf>,
    /// The sign-in button's words, e.g. "NCHC iService" (default: "Sign in with your institution").
    #[arg(long, env = "MC_OIDC_BUTTON_LABEL")]
    oidc_button_label: Option<String>,
    /// The same in Traditional Chinese (default: --oidc-button-label, or a translation).
    #[arg(long, env = "MC_OIDC_BUTTON_LABEL_ZH_TW")]
    oidc_button_label_zh_tw: Option<String>,
    /// Make an account at the first sign-in of an identity no account is linked to
    /// (username from --oidc-username-claim, email only when the provider verified it);
    /// without it such a sign-in is refused with a page that says whom to ask.
    #[arg(long, env = "MC_OIDC_CREATE_ACCOUNTS")]
    oidc_create_accounts: bool,
    /// The ID token's claim that a new account's username comes from.
    #[arg(long, env = "MC_OIDC_USERNAME_CLAIM", default_value = "preferred_username")]
    oidc_username_claim: String,
    /// Who may still sign in with a password: all, or unlinked (an account linked to
    /// the provider signs in through it only).
    #[arg(long, env = "MC_PASSWORD_SIGN_IN", default_value = "all")]
    password_sign_in: String,
}

impl SsoArgs {
    /// The provider's settings, or none; a setting that cannot work stops the start.
    fn into_config(self, public_url: Option<&str>) -> anyhow::Result<Option<crate::config::Sso>> {
        let passwords_for_linked = match self.password_sign_in.as_str() {
            "all" => true,
            "unlinked" => false,
            other => anyhow::bail!("--password-sign-in: {other:?} is not all or unlinked"),
        };
        let Some(issuer) = self.oidc_issuer else {
            if self.oidc_client_id.is_some() || self.oidc_client_secret_file.is_some() || !passwords_for_linked {
                anyhow::bail!("--oidc-client-id, --oidc-client-secret-file and --password-sign-in need --oidc-issuer");
            }
            return Ok(None);
        };
        if !(issuer.starts_with("https://") || issuer.starts_with("http://")) {
            anyhow::bail!("--oidc-issuer must be a URL, e.g. https://login.example.edu/realms/main");
        }
        let (Some(client_id), Some(secret_file)) = (self.oidc_client_id, self.oidc_client_secret_file) else {
            anyhow::bail!("--oidc-issuer needs --oidc-client-id and --oidc-client-secret-file");
        };
        if public_url.is_none() {
            anyhow::bail!("--oidc-issuer needs --public-url (the provider sends people back to it)");
        }
        let mut sso = crate::config::Sso::new(issuer, client_id, secret_file);
        sso.button_label = self.oidc_button_label.filter(|l| !l.trim().is_empty());
        sso.button_label_zh_tw = self.oidc_button_label_zh_tw.filter(|l| !l.trim().is_empty());
        sso.create_accounts = self.oidc_create_accounts;
        sso.username_claim = self.oidc_username_claim;
        sso.passwords_for_linked = passwords_for_linked;
        Ok(Some(sso))
    }
}

async fn serve(config: Config, demo: bool, default_services: Option<Vec<String>>) -> anyhow::Result<()> {
    let database = db::open(&config.db).await?;
    crate::permissions::service::set_default_services(&database, default_services.as_deref())
        .await
        .map_err(explain)?;
    let loaded = demo && demo::load_if_empty(&database).await?;
    let insecure = config.insecure_cookies;
    let host = config
        .bind
        .rsplit_once(':')
        .map_or("127.0.0.1", |(host, _)| host)
        .to_string();
    let app = Application::build_with_db(config, database).await?;
    let host = if host == "0.0.0.0" || host == "[::]" {
        "127.0.0.1".to_string()
    } else {
        host
    };
    println!(
        "Member Center is running: sign in at http://{host}:{}/sign-in",
        app.port()
    );
    if let Some(port) = app.metrics_port() {
        println!("Prometheus metrics: http://{host}:{port}/metrics (keep this address private)");
    }
    if demo {
        if loaded {
            println!("Demo data loaded.");
        }
        println!("Demo accounts (password: {}):", demo::PASSWORD);
        for (username, _, _, what) in demo::ACCOUNTS {
            println!("  {username:<9} {what}");
        }
    }
    if insecure {
        println!(
            "Cookies are sent without the Secure flag (plain-HTTP local use{}).",
            if demo {
                "; --demo implies --insecure-cookies"
            } else {
                ""
            }
        );
    }
    app.run_until_stopped().await?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::super::{Cli, Command};
    use clap::Parser;

    /// The single sign-on settings `serve` is given, or why they are refused.
    fn sso(args: &[&str], public_url: Option<&str>) -> Result<Option<crate::config::Sso>, String> {
        let cli = Cli::try_parse_from(["member-center", "serve"].iter().chain(args)).map_err(|e| e.to_string())?;
        let Command::Serve(args) = cli.command else {
            unreachable!("serve parses as serve")
        };
        args.sso.into_config(public_url).map_err(|e| e.to_string())
    }

    #[test]
    fn single_sign_on_needs_its_client_and_the_public_address() {
        assert!(sso(&[], None).unwrap().is_none());
        let given = [
            "--oidc-issuer",
            "https://login.example.edu/realms/main",
            "--oidc-client-id",
            "portal",
            "--oidc-client-secret-file",
            "/etc/mc/oidc-secret",
            "--oidc-button-label",
            "Sign in with NCHC iService",
            "--oidc-create-accounts",
            "--password-sign-in",
            "unlinked",
        ];
        let settings = sso(&given, Some("https://portal.example.org")).unwrap().unwrap();
        assert_eq!(settings.client_id, "portal");
        assert!(settings.create_accounts && !settings.passwords_for_linked);
        assert_eq!(settings.username_claim, "preferred_username");
        assert!(sso(&given, None).unwrap_err().contains("--public-url"));
        assert!(
            sso(&given[..4], Some("https://p"))
                .unwrap_err()
                .contains("--oidc-client-secret-file")
        );
        assert!(
            sso(&given[2..6], Some("https://p"))
                .unwrap_err()
                .contains("need --oidc-issuer")
        );
        let mut wrong = given;
        wrong[10] = "some";
        assert!(sso(&wrong, Some("https://p")).unwrap_err().contains("all or unlinked"));
    }
}
