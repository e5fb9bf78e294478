//! The activity log: every JSON API call and every change made through the
//! portal or the command line. Secrets never reach it.

pub mod calls;
pub mod recorder;
pub mod routes;
pub mod service;
pub mod store;
pub mod usage;
pub mod views;

use crate::web::router::Routes;

pub use recorder::{ApiCall, LastUse, Recorder};
pub use store::Change;

pub fn configure(r: &mut Routes) {
    r.get("/activity", routes::page).get("/activity.csv", routes::csv);
}

/// Keeps activity within its retention (`service::maintain`) for as long
/// as the runtime lives: every instance looks hourly, and the one that
/// claims the hour's run (`Db::claim_run`) does it.
pub fn keep_maintaining(db: crate::db::Db, retention: service::Retention) {
    tokio::spawn(async move {
        let mut hourly = tokio::time::interval(std::time::Duration::from_secs(3600));
        loop {
            hourly.tick().await;
            let at = crate::db::now();
            match db.claim_run("activity-maintenance", 3600, at).await {
                Ok(true) => {}
                Ok(false) => continue,
                Err(err) => {
                    tracing::error!(error = %err, "could not claim the activity maintenance");
                    continue;
                }
            }
            match service::maintain(&db, retention, at).await {
                Ok(done) if done == service::Maintained::default() => {}
                Ok(done) => tracing::info!(
                    calls_pruned = done.calls_pruned,
                    hours_pruned = done.hours_pruned,
                    sums_pruned = done.sums_pruned,
                    changes_pruned = done.changes_pruned,
                    "maintained activity"
                ),
                Err(err) => tracing::error!(error = %err, "could not maintain activity"),
            }
        }
    });
}
