//! The Clusters page, and Slurm's limits in words (the activity log's
//! drift sentences).

use std::collections::HashMap;

use askama::Template;

use super::{reconcile::Limits, service::ABSENT, store::Status};
use crate::{
    format::grouped,
    web::{FieldErrors, Layout, i18n::Lang},
};

#[derive(Template)]
#[template(path = "operator/clusters.html")]
pub(super) struct ClustersPage {
    pub(super) l: Layout,
    /// The cluster and parent, when Slurm is on.
    pub(super) slurm: Option<crate::config::Slurm>,
    pub(super) status: Option<Status>,
    /// When the next pass is due (a full one, or the retry after a failure).
    pub(super) next: Option<i64>,
    pub(super) cluster_users: Vec<(String, String)>,
    pub(super) values: HashMap<String, String>,
    pub(super) errors: FieldErrors,
    /// The HPC prices in force: (partition, '' for every other; rate; since).
    pub(super) rates: Vec<(String, super::billing::Rate, i64)>,
    pub(super) unattributed: Vec<super::billing::Unattributed>,
}

impl ClustersPage {
    pub(super) fn value(&self, field: &str) -> &str {
        self.values.get(field).map(String::as_str).unwrap_or("")
    }

    pub(super) fn credits(&self, units: &i64) -> String {
        crate::wallets::Credits(*units).to_string()
    }

    pub(super) fn reason_key(&self, reason: &str) -> &'static str {
        match reason {
            "unknown-user" => "hpc-reason-unknown-user",
            _ => "hpc-reason-unknown-account",
        }
    }

    pub(super) fn use_figures(&self, job: &super::billing::Unattributed) -> String {
        let hundredths = (job.elapsed_seconds * 100 + 1800) / 3600;
        self.l.lang.t_args(
            "hpc-job-use-figures",
            &[
                ("hours", format!("{}.{:02}", hundredths / 100, hundredths % 100)),
                ("cpus", job.cpus.to_string()),
                ("gpus", job.gpus.to_string()),
            ],
        )
    }
}

/// Limits as a person reads them: "8 cores, 2 GPUs, 64 GiB of memory",
/// "blocked", "no limit", "not there".
pub fn describe(stored: &str, lang: Lang) -> String {
    if stored == ABSENT {
        return lang.t("slurm-absent").to_string();
    }
    let limits = Limits::parse(stored);
    let mut parts: Vec<String> = Vec::new();
    for (name, value) in &limits.tres {
        let n = grouped(*value);
        parts.push(match name.as_str() {
            "cpu" => lang.t_args("slurm-limit-cpu", &[("n", n)]),
            "gres/gpu" => lang.t_args("slurm-limit-gpu", &[("n", n)]),
            "mem" => lang.t_args("slurm-limit-mem", &[("n", grouped(*value / 1024))]),
            other => lang.t_args("slurm-limit-other", &[("name", other.to_string()), ("n", n)]),
        });
    }
    if limits.blocked() {
        parts.push(lang.t("slurm-limit-blocked").to_string());
    }
    for (key, value) in [
        ("slurm-limit-max-jobs", limits.max_jobs),
        ("slurm-limit-max-submit", limits.max_submit),
    ] {
        if let Some(n) = value {
            parts.push(lang.t_args(key, &[("n", grouped(n))]));
        }
    }
    if parts.is_empty() {
        return lang.t("slurm-limit-none").to_string();
    }
    parts.join(lang.t("activity-list-separator"))
}
