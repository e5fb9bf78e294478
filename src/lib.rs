//! Member Center: accounts, projects, API keys and quotas for a compute cloud.
//!
//! `Application::build` opens the database and binds the server; `main.rs`
//! only parses the command line. Each capability lives in its own module
//! and registers its own routes.

pub mod access;
pub mod accounts;
pub mod activity;
pub mod api;
pub mod api_keys;
pub mod auth;
pub mod cache;
pub mod cli;
pub mod config;
pub mod db;
pub mod demo;
pub mod error;
pub mod format;
pub mod ids;
#[cfg(test)]
mod layout_rules;
pub mod members;
pub mod notices;
pub mod object_storage;
pub mod operator;
pub mod permissions;
pub mod projects;
pub mod quota_requests;
pub mod quotas;
pub mod reminders;
pub mod roles;
pub mod secrets;
pub mod seed;
pub mod slurm;
pub mod sso;
pub mod support;
pub mod telemetry;
pub mod token;
pub mod twcc;
pub mod wallets;
pub mod web;

use std::{net::TcpListener, sync::Arc};

use actix_session::{
    SessionMiddleware,
    config::{CookieContentSecurity, PersistentSession},
    storage::CookieSessionStore,
};
use actix_web::{
    App, HttpServer,
    cookie::{SameSite, time::Duration},
    dev::Server,
    middleware::from_fn,
    web as aweb,
};

pub use config::Config;
use db::Db;
use error::AppError;

/// What every handler can reach.
pub struct AppState {
    pub db: Db,
    pub config: Config,
    pub recorder: activity::Recorder,
    pub allocations: quotas::writer::AllocationWriter,
    /// API keys' owners and their services, by the key's digest.
    pub keys: cache::Remembered<Vec<u8>, (api_keys::service::KeyOwner, Vec<permissions::Service>)>,
    /// Pages of owners' key lists (`api_keys::service::list`).
    pub key_lists: cache::Remembered<api_keys::service::ListAsked, Arc<api_keys::service::ListRead>>,
    /// Pages of projects' member lists (`projects::service::remembered_member_page`).
    pub member_pages: cache::Remembered<projects::service::MemberPageAsked, Arc<projects::service::MemberPage>>,
    /// Signed-in viewers, by their session token's digest and the chosen project.
    pub viewers: cache::Remembered<(Vec<u8>, Option<i64>), auth::session::SignedIn>,
    /// Instance secrets, from the secret file.
    pub secrets: secrets::Secrets,
    /// The identity provider, when single sign-on is configured.
    pub sso: Option<sso::provider::Provider>,
}

/// A bound, not yet running, server.
pub struct Application {
    port: u16,
    server: Server,
    recorder: activity::Recorder,
    /// The metrics server on `--metrics-bind`, and its port.
    metrics: Option<(u16, Server)>,
}

impl Application {
    pub async fn build(config: Config) -> anyhow::Result<Self> {
        let db = db::open(&config.db).await?;
        Self::build_with_db(config, db).await
    }

    pub async fn build_with_db(config: Config, db: Db) -> anyhow::Result<Self> {
        access::check_every_route_decided(&route_table())?;
        // A mail setting that cannot work stops the start before anything else.
        let mailer = notices::mail::Mailer::from_config(&config)?;
        let sso = match (&config.sso, &config.public_url) {
            (Some(settings), Some(public_url)) => Some(sso::provider::Provider::new(settings, public_url)?),
            (Some(_), None) => anyhow::bail!("single sign-on needs the portal's public address (--public-url)"),
            (None, _) => None,
        };
        let sso_origin = config.sso.as_ref().and_then(|sso| web::origin_of(&sso.issuer));
        let listener = TcpListener::bind(&config.bind)?;
        let port = listener.local_addr()?.port();
        let secrets = secrets::Secrets::load_or_create(&config.secret_path()?)?;
        let key = secrets.session_key();
        let secure = !config.insecure_cookies;
        // What another instance or the command line changes is seen here
        // within a quarter of a second.
        db.watch_changes(std::time::Duration::from_millis(250));
        let recorder = activity::Recorder::start(db.clone());
        activity::keep_maintaining(
            db.clone(),
            activity::service::Retention {
                raw_days: config.api_activity_raw_days,
                days: config.activity_retention_days,
            },
        );
        notices::keep_pruning(db.clone());
        reminders::keep_running(db.clone());
        if let (Some(runner), Some(slurm)) = (slurm::Runner::of(&config), &config.slurm) {
            slurm::service::keep_syncing(db.clone(), runner.clone(), slurm.sync_seconds);
            slurm::billing::keep_importing(db.clone(), runner, slurm.sync_seconds);
        }
        // Notices by email: on when an SMTP server is named (for every
        // instance: the choice is kept in the database, and each notice is
        // queued for email or not as it is written).
        notices::service::set_email_delivery(&db, mailer.is_some()).await?;
        if let Some(mailer) = mailer {
            notices::sender::start(db.clone(), std::sync::Arc::new(mailer));
        }
        let allocations = quotas::writer::AllocationWriter::start(db.clone());
        let generation = db.generation();
        let readiness = aweb::Data::new(db.clone());
        let metrics_listener = match &config.metrics_bind {
            Some(address) => Some(TcpListener::bind(address)?),
            None => None,
        };
        let telemetry = aweb::Data::new(match metrics_listener {
            Some(_) => telemetry::Telemetry::collecting()?,
            None => telemetry::Telemetry::off(),
        });
        let state = aweb::Data::new(AppState {
            db,
            config,
            recorder: recorder.clone(),
            allocations,
            keys: cache::Remembered::new(50_000, generation.clone()),
            // Pages of 50 rows (10–15 KB each): a thousand, at most, in memory.
            key_lists: cache::Remembered::new(1_000, generation.clone()),
            member_pages: cache::Remembered::new(1_000, generation.clone()),
            viewers: cache::Remembered::new(10_000, generation),
            secrets,
            sso,
        });

        let metrics = match metrics_listener {
            Some(listener) => Some((
                listener.local_addr()?.port(),
                metrics_server(listener, &state, &telemetry)?,
            )),
            None => None,
        };
        let server = HttpServer::new(move || {
            let sessions = SessionMiddleware::builder(CookieSessionStore::default(), key.clone())
                .cookie_name("mc_session".to_string())
                .cookie_secure(secure)
                .cookie_http_only(true)
                .cookie_same_site(SameSite::Strict)
                .cookie_content_security(CookieContentSecurity::Private)
                .session_lifecycle(PersistentSession::default().session_ttl(Duration::hours(12)))
                .build();
            App::new()
                .app_data(state.clone())
                .app_data(readiness.clone())
                .app_data(telemetry.clone())
                .app_data(form_config())
                .app_data(query_config())
                .app_data(path_config())
                .app_data(payload_config())
                .app_data(web::errors::ErrorFrame(auth::session::error_frame))
                .configure(|cfg| {
                    routes(&mut web::router::Routes::new(cfg, &mut Vec::new()));
                })
                .default_service(aweb::to(web::errors::not_found))
                .wrap(from_fn(web::csrf::check))
                .wrap(from_fn(web::limits::check_uri))
                .wrap(from_fn(web::errors::render))
                .wrap(sessions)
                .wrap(web::security_headers(secure, sso_origin.as_deref()))
                .wrap(from_fn(telemetry::observe))
        })
        .listen(listener)?
        .run();
        Ok(Application {
            port,
            server,
            recorder,
            metrics,
        })
    }

    pub fn port(&self) -> u16 {
        self.port
    }

    /// The port of the metrics address, when `--metrics-bind` was given.
    pub fn metrics_port(&self) -> Option<u16> {
        self.metrics.as_ref().map(|(port, _)| *port)
    }

    /// A handle to stop the server (gracefully or not) from elsewhere.
    pub fn handle(&self) -> actix_web::dev::ServerHandle {
        self.server.handle()
    }

    /// Serves until stopped (by a signal or the handle), then writes out the
    /// activity still in flight.
    pub async fn run_until_stopped(self) -> std::io::Result<()> {
        let metrics = self.metrics.map(|(_, server)| {
            let handle = server.handle();
            (tokio::spawn(server), handle)
        });
        let result = self.server.await;
        if let Some((running, handle)) = metrics {
            handle.stop(true).await;
            let _ = running.await;
        }
        self.recorder.flush().await;
        result
    }
}

/// The server of `GET /metrics` on its own address, so that the portal's
/// address (public) never shows it.
fn metrics_server(
    listener: TcpListener,
    state: &aweb::Data<AppState>,
    telemetry: &aweb::Data<telemetry::Telemetry>,
) -> std::io::Result<Server> {
    let (state, telemetry) = (state.clone(), telemetry.clone());
    Ok(HttpServer::new(move || {
        App::new()
            .app_data(state.clone())
            .app_data(telemetry.clone())
            .route("/metrics", aweb::get().to(metrics))
    })
    .workers(1)
    .listen(listener)?
    .run())
}

/// What Prometheus scrapes: the requests counted as they finished, and the
/// figures each part keeps, read now.
async fn metrics(state: aweb::Data<AppState>, telemetry: aweb::Data<telemetry::Telemetry>) -> actix_web::HttpResponse {
    use std::sync::atomic::Ordering::Relaxed;
    use telemetry::Reading::{Level, Total};
    let (key_hits, key_misses) = state.keys.hits_and_misses();
    let (viewer_hits, viewer_misses) = state.viewers.hits_and_misses();
    let admissions = state.allocations.counts();
    let pool = state.db.read();
    let in_use = pool.size() as f64 - pool.num_idle() as f64;
    let mut readings = vec![
        ("mc_cache_hits_total", &[("cache", "api_keys")][..], Total(key_hits)),
        ("mc_cache_misses_total", &[("cache", "api_keys")], Total(key_misses)),
        ("mc_cache_hits_total", &[("cache", "viewers")], Total(viewer_hits)),
        ("mc_cache_misses_total", &[("cache", "viewers")], Total(viewer_misses)),
        (
            "mc_cache_invalidations_total",
            &[],
            // The generation counts every time the caches were emptied.
            Total(state.db.generation().current()),
        ),
        (
            "mc_admissions_total",
            &[("outcome", "admitted")],
            Total(admissions.admitted.load(Relaxed)),
        ),
        (
            "mc_admissions_total",
            &[("outcome", "repeated")],
            Total(admissions.repeated.load(Relaxed)),
        ),
        (
            "mc_admissions_total",
            &[("outcome", "refused")],
            Total(admissions.refused.load(Relaxed)),
        ),
        (
            "mc_admissions_total",
            &[("outcome", "unpaid")],
            Total(admissions.unpaid.load(Relaxed)),
        ),
        ("mc_db_pool_connections", &[("state", "in_use")], Level(in_use)),
        (
            "mc_db_pool_connections",
            &[("state", "idle")],
            Level(pool.num_idle() as f64),
        ),
        ("mc_activity_queued", &[], Level(state.recorder.queued() as f64)),
    ];
    if let Some(slurm) = &state.config.slurm {
        match slurm::service::status(&state.db, &slurm.cluster).await {
            Ok(status) => {
                let status = status.unwrap_or_default();
                readings.push(("mc_slurm_pass_failures", &[], Level(status.failures as f64)));
                let success = status.last_success.unwrap_or(0) as f64;
                readings.push(("mc_slurm_last_success_timestamp_seconds", &[], Level(success)));
            }
            Err(err) => tracing::error!(error = %err, "could not read the Slurm pass status for the metrics"),
        }
    }
    match telemetry.render(&readings) {
        Some(text) => actix_web::HttpResponse::Ok()
            .content_type("text/plain; version=0.0.4; charset=utf-8")
            .body(text),
        None => actix_web::HttpResponse::NotFound().finish(),
    }
}

/// Every route of the portal, in the order they are tried.
fn routes(r: &mut web::router::Routes) {
    web::assets::configure(r);
    web::configure(r);
    // Machines call the APIs many times a second: they are matched before
    // the portal's pages.
    api::configure(r);
    twcc::configure(r);
    auth::configure(r);
    sso::configure(r);
    projects::configure(r);
    api_keys::configure(r);
    quotas::configure(r);
    quota_requests::configure(r);
    members::configure(r);
    permissions::configure(r);
    object_storage::configure(r);
    accounts::configure(r);
    wallets::configure(r);
    operator::configure(r);
    slurm::configure(r);
    support::configure(r);
    activity::configure(r);
}

/// The method and path pattern of every route the app registers.
pub fn route_table() -> Vec<web::router::RouteId> {
    let mut seen = Vec::new();
    let _ = App::new().configure(|cfg| routes(&mut web::router::Routes::new(cfg, &mut seen)));
    seen
}

fn form_config() -> aweb::FormConfig {
    aweb::FormConfig::default()
        .limit(web::limits::MAX_FORM_BYTES)
        .error_handler(|err, _| match err {
            actix_web::error::UrlencodedError::Overflow { .. } => web::limits::too_large().into(),
            _ => AppError::BadRequest(web::i18n::Msg::new("error-bad-form")).into(),
        })
}

/// Bodies read whole (`web::Bytes`: the JSON API): at most 256 KiB, else 413.
fn payload_config() -> aweb::PayloadConfig {
    aweb::PayloadConfig::default().limit(web::limits::MAX_BODY_BYTES)
}

fn query_config() -> aweb::QueryConfig {
    aweb::QueryConfig::default()
        .error_handler(|_, _| AppError::BadRequest(web::i18n::Msg::new("error-bad-query")).into())
}

fn path_config() -> aweb::PathConfig {
    aweb::PathConfig::default().error_handler(|_, _| AppError::NotFound.into())
}
