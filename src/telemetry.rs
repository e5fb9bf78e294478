//! Prometheus metrics, for the operators' monitoring: served only on the
//! separate address `--metrics-bind` (never on the portal's own), and not
//! collected at all without it.
//!
//! Requests are counted as they finish (`observe`, a middleware). What other
//! parts already count for themselves — cache hits, admissions, the pool, the
//! activity queue — is read when Prometheus scrapes (`Telemetry::render`
//! takes those figures), so the busy paths pay for one atomic add at most.
//! Each app has its own recorder: nothing here is process-wide.

use std::{sync::Arc, time::Instant};

use actix_web::{
    Error,
    body::MessageBody,
    dev::{ServiceRequest, ServiceResponse},
    middleware::Next,
    web,
};
use metrics::{Key, Label, Level, Metadata, Recorder};
use metrics_exporter_prometheus::{PrometheusBuilder, PrometheusHandle, PrometheusRecorder};

const METADATA: Metadata<'static> = Metadata::new(module_path!(), Level::INFO, Some(module_path!()));

/// Bounds of the request latency histogram, in seconds.
const LATENCY_BUCKETS: &[f64] = &[
    0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0,
];

/// What each metric means (Prometheus's `# HELP` lines).
const DESCRIPTIONS: &[(&str, &str)] = &[
    (
        "mc_http_requests_total",
        "Requests answered, by route pattern, method and status.",
    ),
    (
        "mc_http_request_duration_seconds",
        "Time from request to response, by route pattern and method.",
    ),
    ("mc_admissions_total", "Allocation admissions decided, by outcome."),
    ("mc_cache_hits_total", "Lookups answered from memory, by cache."),
    ("mc_cache_misses_total", "Lookups that read the database, by cache."),
    (
        "mc_cache_invalidations_total",
        "Times every cache was emptied by a committed change.",
    ),
    (
        "mc_db_pool_connections",
        "Database connections of this instance, by state.",
    ),
    (
        "mc_activity_queued",
        "API calls waiting to be written to the activity log.",
    ),
    (
        "mc_slurm_pass_failures",
        "Slurm passes failed in a row (0: the last one succeeded).",
    ),
    (
        "mc_slurm_last_success_timestamp_seconds",
        "When a Slurm pass last succeeded (Unix time; 0: never).",
    ),
];

/// The app's metrics, or nothing when they are off.
#[derive(Clone, Default)]
pub struct Telemetry(Option<Arc<Exporter>>);

struct Exporter {
    recorder: PrometheusRecorder,
    handle: PrometheusHandle,
}

/// A metric's name, its labels and what was read for it.
pub type Sample<'a> = (&'static str, &'a [(&'static str, &'static str)], Reading);

/// A figure read when Prometheus scrapes.
pub enum Reading {
    /// A count that only grows (`…_total`).
    Total(u64),
    /// A level that goes up and down.
    Level(f64),
}

impl Telemetry {
    /// Metrics collected, for rendering on the metrics address.
    pub fn collecting() -> anyhow::Result<Self> {
        let recorder = PrometheusBuilder::new().set_buckets(LATENCY_BUCKETS)?.build_recorder();
        for (name, help) in DESCRIPTIONS {
            recorder.describe_counter((*name).into(), None, (*help).into());
        }
        let handle = recorder.handle();
        let exporter = Arc::new(Exporter { recorder, handle });
        keep_tidy(Arc::downgrade(&exporter));
        Ok(Telemetry(Some(exporter)))
    }

    /// No metrics: every call is a no-op.
    pub fn off() -> Self {
        Telemetry(None)
    }

    /// One finished request: its route pattern (`/api/v1/keys/{id}`, never
    /// the path with its IDs), method, status and time taken.
    pub fn request(&self, route: &str, method: &str, status: u16, seconds: f64) {
        let Some(exporter) = &self.0 else { return };
        let route = Label::new("route", route.to_owned());
        let method = Label::new("method", method.to_owned());
        let counted = Key::from_parts(
            "mc_http_requests_total",
            vec![route.clone(), method.clone(), Label::new("status", status.to_string())],
        );
        exporter.recorder.register_counter(&counted, &METADATA).increment(1);
        let timed = Key::from_parts("mc_http_request_duration_seconds", vec![route, method]);
        exporter.recorder.register_histogram(&timed, &METADATA).record(seconds);
    }

    /// The text Prometheus scrapes, after setting the figures read now.
    pub fn render(&self, readings: &[Sample]) -> Option<String> {
        let exporter = self.0.as_ref()?;
        for (name, labels, reading) in readings {
            let labels: Vec<Label> = labels.iter().map(|&(k, v)| Label::new(k, v)).collect();
            let key = Key::from_parts(*name, labels);
            match reading {
                Reading::Total(n) => exporter.recorder.register_counter(&key, &METADATA).absolute(*n),
                Reading::Level(x) => exporter.recorder.register_gauge(&key, &METADATA).set(*x),
            }
        }
        Some(exporter.handle.render())
    }
}

/// Folds the latency samples into their buckets every few seconds, so that
/// memory stays bounded however rarely Prometheus scrapes; ends with the app.
fn keep_tidy(exporter: std::sync::Weak<Exporter>) {
    tokio::spawn(async move {
        let mut every = tokio::time::interval(std::time::Duration::from_secs(5));
        loop {
            every.tick().await;
            match exporter.upgrade() {
                Some(exporter) => exporter.handle.run_upkeep(),
                None => return,
            }
        }
    });
}

/// Counts and times every request (a middleware; a no-op when metrics are off).
pub async fn observe(
    req: ServiceRequest,
    next: Next<impl MessageBody + 'static>,
) -> Result<ServiceResponse<impl MessageBody>, Error> {
    let telemetry = req.app_data::<web::Data<Telemetry>>().map(|t| t.get_ref().clone());
    let Some(telemetry) = telemetry.filter(|t| t.0.is_some()) else {
        return next.call(req).await;
    };
    let started = Instant::now();
    let method = req.method().clone();
    let route = req.match_pattern().unwrap_or_else(|| "unmatched".to_owned());
    let response = next.call(req).await;
    let status = match &response {
        Ok(response) => response.status(),
        Err(err) => err.as_response_error().status_code(),
    };
    telemetry.request(
        &route,
        method.as_str(),
        status.as_u16(),
        started.elapsed().as_secs_f64(),
    );
    response
}
