//! The `member-center` command line: its grammar (clap) and what each
//! command does. Operator tasks call the same service functions as the web
//! console (`operator::service`), so the checks and the activity records are
//! the same; errors become lines naming the field.

use std::{io::BufRead, path::PathBuf};

use clap::{Parser, Subcommand};

use crate::{
    Application,
    accounts::{Username, check_new_password},
    config::{self, Config},
    db::{self, Db},
    demo,
    error::AppError,
    operator::service::{self, Actor},
    token,
    web::i18n::Lang,
};

#[derive(Parser)]
#[command(
    name = "member-center",
    version,
    about = "Accounts, projects, API keys and quotas for a compute cloud"
)]
pub struct Cli {
    /// The database: a SQLite file (created and migrated if missing) or a
    /// PostgreSQL server, postgres://USER:PASSWORD@HOST/DATABASE.
    #[arg(long, global = true, env = "MC_DB", default_value = config::DEFAULT_DB)]
    db: db::Location,
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Run the portal.
    Serve {
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
    },
    /// Manage accounts.
    User {
        #[command(subcommand)]
        command: UserCommand,
    },
    /// Manage projects.
    Project {
        #[command(subcommand)]
        command: ProjectCommand,
    },
    /// Manage project members.
    Member {
        #[command(subcommand)]
        command: MemberCommand,
    },
    /// Manage project quotas.
    Quota {
        #[command(subcommand)]
        command: QuotaCommand,
    },
    /// List and decide quota requests (project quota and renewals are the operators' to decide).
    QuotaRequest {
        #[command(subcommand)]
        command: QuotaRequestCommand,
    },
    /// Record and advance credit orders.
    Order {
        #[command(subcommand)]
        command: OrderCommand,
    },
    /// Fill an empty database with benchmark data.
    Seed {
        #[arg(long, default_value_t = 100_000)]
        accounts: usize,
        #[arg(long, default_value_t = 10_000)]
        projects: usize,
        #[arg(long, default_value_t = 1_000_000)]
        keys: usize,
        #[arg(long, default_value_t = 500)]
        members_per_project: usize,
        /// Keys given API use: hourly sums for the last 31 days, daily ones for --usage-days.
        #[arg(long, default_value_t = 0)]
        usage_keys: usize,
        /// Days of API use the usage keys get.
        #[arg(long, default_value_t = 400)]
        usage_days: i64,
        /// API calls in detail over the last 7 days, spread over the usage keys.
        #[arg(long, default_value_t = 0)]
        raw_calls: usize,
    },
    /// Manage API keys.
    Key {
        #[command(subcommand)]
        command: KeyCommand,
    },
    /// Apply the schema migrations this build knows (for rolling upgrades:
    /// migrate, then start the new build); applying them again does nothing.
    Migrate,
    /// Move an install from its SQLite file to an empty PostgreSQL database
    /// (stop the portal first), checking row counts and wallet balances.
    Copy {
        /// The SQLite file to copy.
        #[arg(long)]
        from: PathBuf,
        /// The PostgreSQL database, postgres://USER:PASSWORD@HOST/DATABASE (migrated first).
        #[arg(long)]
        to: db::Location,
    },
    /// Copy the database, while it is in use, to a new file.
    Backup {
        /// The file to write (must not exist).
        #[arg(long)]
        to: PathBuf,
    },
}

#[derive(Subcommand)]
enum QuotaCommand {
    /// Set a project's quota of a service (-1: unlimited).
    Set {
        #[arg(long)]
        project: String,
        /// ccs or vcs.
        #[arg(long)]
        service: String,
        #[arg(long, allow_hyphen_values = true)]
        cpu: Option<String>,
        #[arg(long, allow_hyphen_values = true)]
        gpu: Option<String>,
        /// GiB.
        #[arg(long, allow_hyphen_values = true)]
        memory: Option<String>,
        /// vcs only.
        #[arg(long, allow_hyphen_values = true)]
        floating_ip: Option<String>,
    },
}

#[derive(Subcommand)]
enum QuotaRequestCommand {
    /// List requests, open ones first.
    List {
        /// open, approved, declined, withdrawn or closed (default: every status).
        #[arg(long)]
        status: Option<String>,
    },
    /// Approve a request, as asked or with the figures given (a change needs --comment).
    Approve {
        id: i64,
        /// The operator deciding (their username).
        #[arg(long = "as")]
        operator: String,
        #[arg(long, allow_hyphen_values = true)]
        cpu: Option<String>,
        #[arg(long, allow_hyphen_values = true)]
        gpu: Option<String>,
        /// GiB.
        #[arg(long, allow_hyphen_values = true)]
        memory: Option<String>,
        #[arg(long, allow_hyphen_values = true)]
        floating_ip: Option<String>,
        /// A renewal's end date, when not as asked (YYYY-MM-DD).
        #[arg(long)]
        ends_on: Option<String>,
        #[arg(long, default_value = "")]
        comment: String,
    },
    /// Decline a request, saying why.
    Decline {
        id: i64,
        /// The operator deciding (their username).
        #[arg(long = "as")]
        operator: String,
        #[arg(long)]
        comment: String,
    },
}

#[derive(Subcommand)]
enum OrderCommand {
    /// Record an order as a quotation.
    Add {
        #[arg(long)]
        project: String,
        /// The order number, e.g. PO-2026-0042.
        number: String,
        /// Credits, up to four decimals.
        #[arg(long)]
        amount: String,
        #[arg(long, default_value = "")]
        note: String,
    },
    /// Mark a quotation paid.
    Pay { number: String },
    /// Credit a paid order to the project's wallet.
    Credit { number: String },
    /// Cancel a quotation or paid order.
    Cancel { number: String },
}

#[derive(Subcommand)]
enum KeyCommand {
    /// Create an API key for a member; prints the secret once.
    Create {
        #[arg(long)]
        project: String,
        #[arg(long)]
        user: String,
        /// Days of validity (1-365).
        #[arg(long, default_value_t = 30)]
        days: i64,
        #[arg(long)]
        name: Option<String>,
    },
}

#[derive(Subcommand)]
enum UserCommand {
    /// Create an account; prints a one-time password unless --password-stdin.
    Add {
        username: String,
        #[arg(long)]
        email: String,
        /// Display name (defaults to the username).
        #[arg(long)]
        name: Option<String>,
        /// Platform role: operator or support.
        #[arg(long)]
        role: Option<String>,
        /// Read the password (one line) from standard input.
        #[arg(long)]
        password_stdin: bool,
    },
    /// Print a one-time password reset link (valid 24 hours).
    ResetLink {
        username: String,
        /// The portal's address as its users reach it, e.g. https://portal.example.org.
        #[arg(long, env = "MC_PUBLIC_URL")]
        public_url: String,
    },
    /// Set an account's platform role: none, support or operator. Operators
    /// are made and unmade only here, never in the web console.
    SetRole { username: String, role: String },
}

#[derive(Subcommand)]
enum ProjectCommand {
    /// Create a project.
    Add {
        /// Project code, e.g. MST110001.
        code: String,
        #[arg(long)]
        name: String,
        /// First day (YYYY-MM-DD, default today).
        #[arg(long)]
        starts: Option<String>,
        /// Last day (YYYY-MM-DD, default a year from today).
        #[arg(long)]
        ends: Option<String>,
    },
}

#[derive(Subcommand)]
enum MemberCommand {
    /// Add an account to a project.
    Add {
        #[arg(long)]
        project: String,
        username: String,
        /// tenant_admin or tenant_user.
        #[arg(long)]
        role: String,
    },
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

/// Runs the command the line asked for.
pub async fn run(cli: Cli) -> anyhow::Result<()> {
    match cli.command {
        Command::Serve {
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
        } => {
            if let Some(url) = &public_url
                && !(url.starts_with("https://") || url.starts_with("http://"))
            {
                anyhow::bail!("--public-url must start with https:// or http://, e.g. https://portal.example.org");
            }
            let mut config = Config::new(bind, cli.db.clone());
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
                    "support" => config
                        .require_two_factor_for
                        .push(crate::accounts::PlatformRole::Support),
                    "operator" => config
                        .require_two_factor_for
                        .push(crate::accounts::PlatformRole::Operator),
                    other => anyhow::bail!("--require-2fa-for: {other:?} is not support, operator or none"),
                }
            }
            // The demo is reached where it listens.
            config.public_url = public_url.or_else(|| demo.then(|| format!("http://{}", config.bind)));
            config.sso = sso.into_config(config.public_url.as_deref())?;
            serve(config, demo, default_services).await
        }
        Command::User {
            command:
                UserCommand::Add {
                    username,
                    email,
                    name,
                    role,
                    password_stdin,
                },
        } => {
            let db = db::open(&cli.db).await?;
            let args = AddUser {
                username: username.clone(),
                email,
                name,
                role,
                password_stdin,
            };
            match add_user(&db, args).await? {
                Some(password) => println!("Created {username}. One-time password: {password}"),
                None => println!("Created {username}."),
            }
            Ok(())
        }
        Command::User {
            command: UserCommand::ResetLink { username, public_url },
        } => {
            let db = db::open(&cli.db).await?;
            let path = service::reset_link(&db, &username).await.map_err(explain)?;
            println!("{}{path}", public_url.trim_end_matches('/'));
            Ok(())
        }
        Command::User {
            command: UserCommand::SetRole { username, role },
        } => {
            let db = db::open(&cli.db).await?;
            service::set_platform_role(&db, Actor::CommandLine, &username, &role)
                .await
                .map_err(explain)?;
            println!("{username} is now {role}.");
            Ok(())
        }
        Command::Project {
            command:
                ProjectCommand::Add {
                    code,
                    name,
                    starts,
                    ends,
                },
        } => {
            let db = db::open(&cli.db).await?;
            service::create_project(&db, None, &code, &name, starts.as_deref(), ends.as_deref())
                .await
                .map_err(explain)?;
            println!("Created project {}.", code.trim().to_ascii_uppercase());
            Ok(())
        }
        Command::Quota {
            command:
                QuotaCommand::Set {
                    project,
                    service,
                    cpu,
                    gpu,
                    memory,
                    floating_ip,
                },
        } => {
            let db = db::open(&cli.db).await?;
            let values = [
                ("cpu", cpu.as_deref()),
                ("gpu", gpu.as_deref()),
                ("memory", memory.as_deref()),
                ("floating_ip", floating_ip.as_deref()),
            ];
            service::set_project_quota(&db, None, &project, &service, &values)
                .await
                .map_err(explain)?;
            println!("Set the {service} quota of {project}.");
            Ok(())
        }
        Command::QuotaRequest { command } => quota_request(&db::open(&cli.db).await?, command).await,
        Command::Order { command } => {
            let db = db::open(&cli.db).await?;
            let (number, done) = match command {
                OrderCommand::Add {
                    project,
                    number,
                    amount,
                    note,
                } => {
                    service::add_order(&db, None, &project, &number, &amount, &note)
                        .await
                        .map_err(explain)?;
                    (number, "recorded as a quotation")
                }
                OrderCommand::Pay { number } => {
                    advance_order(&db, &number, "paid").await?;
                    (number, "marked paid")
                }
                OrderCommand::Credit { number } => {
                    advance_order(&db, &number, "credited").await?;
                    (number, "credited to the project wallet")
                }
                OrderCommand::Cancel { number } => {
                    advance_order(&db, &number, "cancelled").await?;
                    (number, "cancelled")
                }
            };
            println!("Order {number} {done}.");
            Ok(())
        }
        Command::Seed {
            accounts,
            projects,
            keys,
            members_per_project,
            usage_keys,
            usage_days,
            raw_calls,
        } => {
            let db = db::open_for_bulk_load(&cli.db).await?;
            let plan = crate::seed::SeedPlan {
                accounts,
                projects,
                keys,
                members_per_project,
                usage_keys: usage_keys.min(keys),
                usage_days,
                raw_calls,
            };
            let seeded = crate::seed::seed(&db, &plan).await?;
            eprintln!(
                "Seeded {} rows in {:.1} s ({:.0} rows/s).",
                seeded.rows,
                seeded.seconds,
                seeded.rows as f64 / seeded.seconds
            );
            // For scripts: what to sign in with and which key to call with.
            println!("password={}", crate::seed::PASSWORD);
            println!("admin_user={}", crate::seed::username(1));
            println!("keys_user={}", crate::seed::username(2));
            println!("project={}", crate::seed::project_code(1));
            println!("whoami_key={}", seeded.whoami_key);
            Ok(())
        }
        Command::Migrate => {
            let before = {
                let db = db::open_without_migrating(&cli.db).await?;
                db.applied_schema_version().await?
            };
            db::open(&cli.db).await?;
            let known = db::known_schema_version();
            if before == known {
                println!("The schema is current (version {known}): nothing to apply.");
            } else {
                println!("Migrated the schema from version {before} to {known}.");
            }
            Ok(())
        }
        Command::Copy { from, to } => {
            anyhow::ensure!(from.exists(), "{} does not exist", from.display());
            let source = db::open(&db::Location::File(from.clone())).await?;
            let target = db::open(&to).await?;
            let copied = db::copy::copy(&source, &target).await?;
            println!(
                "Copied {} rows of {} tables from {} to {to}; verified: every table's row count and \
                 the balances of {} wallets ({} credits in all).",
                copied.rows,
                copied.tables,
                from.display(),
                copied.wallets,
                crate::wallets::CreditSum(copied.balance_total),
            );
            Ok(())
        }
        Command::Backup { to } => {
            let db = db::open(&cli.db).await?;
            db.backup(&to).await?;
            println!("Backed up {} to {}.", cli.db, to.display());
            Ok(())
        }
        Command::Key {
            command:
                KeyCommand::Create {
                    project,
                    user,
                    days,
                    name,
                },
        } => {
            let db = db::open(&cli.db).await?;
            let created = service::create_key(&db, &project, &user, days, name.as_deref())
                .await
                .map_err(explain)?;
            eprintln!(
                "Created key {} for {user} in {project}. The secret is shown only now:",
                created.key_id
            );
            println!("{}", created.secret);
            Ok(())
        }
        Command::Member {
            command:
                MemberCommand::Add {
                    project,
                    username,
                    role,
                },
        } => {
            let db = db::open(&cli.db).await?;
            service::add_member(&db, None, &project, &username, &role)
                .await
                .map_err(explain)?;
            println!("Added {username} to {project} as {role}.");
            Ok(())
        }
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

/// `quota-request list|approve|decline`: the operators' side of quota
/// requests, through the same service functions as the console.
async fn quota_request(db: &Db, command: QuotaRequestCommand) -> anyhow::Result<()> {
    use crate::quota_requests::{
        Fields, RequestStatus, parse_decision,
        service::{self as requests, Actor as Decider, Decided, DecidingAs, ListFilter},
    };
    let (id, operator, fields) = match command {
        QuotaRequestCommand::List { status } => {
            let status = match status.as_deref() {
                None | Some("") => None,
                Some(code) => Some(
                    RequestStatus::parse(code)
                        .ok_or_else(|| anyhow::anyhow!("status: open, approved, declined, withdrawn or closed"))?,
                ),
            };
            let filter = ListFilter {
                status,
                ..ListFilter::default()
            };
            let (list, total) = requests::list(db, &filter, 1000, 0).await?;
            for r in &list {
                let asked = match r.ends_on {
                    Some(date) => format!("ends_on={date}"),
                    None => r
                        .items
                        .iter()
                        .map(|i| format!("{}={}", i.resource.code(), i.asked))
                        .collect::<Vec<_>>()
                        .join(" "),
                };
                println!(
                    "#{}\t{}\t{}\t{}\t{}\t{}\t{}",
                    r.id,
                    r.status.code(),
                    r.project_code,
                    r.requester_username,
                    r.kind.code(),
                    r.service.map_or("-", |s| s.code()),
                    asked
                );
            }
            println!("{} of {total} requests.", list.len());
            return Ok(());
        }
        QuotaRequestCommand::Approve {
            id,
            operator,
            cpu,
            gpu,
            memory,
            floating_ip,
            ends_on,
            comment,
        } => {
            let mut fields = Fields::new();
            for (name, value) in [
                ("cpu", cpu),
                ("gpu", gpu),
                ("memory", memory),
                ("floating_ip", floating_ip),
                ("ends_on", ends_on),
            ] {
                if let Some(value) = value {
                    fields.insert(name.to_string(), value);
                }
            }
            fields.insert("decision".into(), "approve".into());
            fields.insert("comment".into(), comment);
            (id, operator, fields)
        }
        QuotaRequestCommand::Decline { id, operator, comment } => {
            let mut fields = Fields::new();
            fields.insert("decision".into(), "decline".into());
            fields.insert("comment".into(), comment);
            (id, operator, fields)
        }
    };
    let account = service::account(db, &operator).await.map_err(explain)?;
    if account.platform_role != crate::accounts::PlatformRole::Operator {
        anyhow::bail!("--as {operator}: not an operator");
    }
    let (request, _) = requests::any(db, id).await.map_err(|e| explain(e.into()))?;
    let (decision, comment) = parse_decision(&request, &fields).map_err(explain)?;
    let decider = Decider {
        id: account.id,
        name: &account.display_name,
    };
    let decided = requests::decide(db, decider, DecidingAs::Operator, id, &decision, &comment)
        .await
        .map_err(|e| explain(e.into()))?;
    match decided {
        Decided::Approved => println!("Request #{id} approved; the new figures apply now."),
        Decided::Declined => println!("Request #{id} declined."),
        Decided::Closed => println!("Request #{id} is no longer possible and was closed."),
    }
    Ok(())
}

/// Turns an `AppError` into a line for the terminal, naming the field.
fn explain(err: AppError) -> anyhow::Error {
    match err {
        AppError::Internal(cause) => cause,
        AppError::Invalid { field, message } => anyhow::anyhow!("{field}: {}", message.in_lang(Lang::En)),
        other => anyhow::anyhow!("{}", other.message().in_lang(Lang::En)),
    }
}

struct AddUser {
    username: String,
    email: String,
    name: Option<String>,
    role: Option<String>,
    /// Read the password from standard input instead of generating one.
    password_stdin: bool,
}

/// Creates an account. Returns the generated one-time password, if one was made.
async fn add_user(db: &Db, args: AddUser) -> anyhow::Result<Option<String>> {
    let (secret, generated) = if args.password_stdin {
        let mut line = String::new();
        std::io::stdin().lock().read_line(&mut line)?;
        let secret = line.trim_end_matches(['\r', '\n']).to_string();
        let username = Username::parse(&args.username).map_err(explain)?;
        check_new_password(&secret, username.as_str()).map_err(explain)?;
        (secret, false)
    } else {
        (token::random_hex(12), true)
    };
    service::create_account(
        db,
        Actor::CommandLine,
        &args.username,
        &args.email,
        args.name.as_deref(),
        args.role.as_deref(),
        &secret,
    )
    .await
    .map_err(explain)?;
    Ok(generated.then_some(secret))
}

/// Moves an order on: `paid`, `credited` or `cancelled`.
async fn advance_order(db: &Db, number: &str, to: &str) -> anyhow::Result<()> {
    service::advance_order(db, None, number, to)
        .await
        .map_err(|err| match err {
            AppError::NotFound => anyhow::anyhow!("no order {number:?}"),
            other => explain(other),
        })
}

#[cfg(test)]
mod tests {
    use super::{Cli, Command};
    use clap::Parser;

    /// The single sign-on settings `serve` is given, or why they are refused.
    fn sso(args: &[&str], public_url: Option<&str>) -> Result<Option<crate::config::Sso>, String> {
        let cli = Cli::try_parse_from(["member-center", "serve"].iter().chain(args)).map_err(|e| e.to_string())?;
        let Command::Serve { sso, .. } = cli.command else {
            unreachable!("serve parses as serve")
        };
        sso.into_config(public_url).map_err(|e| e.to_string())
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
