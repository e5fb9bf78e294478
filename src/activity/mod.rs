//! The activity log: every JSON API call and every change made through the
//! portal or the command line. Secrets never reach it.

pub mod recorder;
pub mod routes;
pub mod service;
pub mod store;
pub mod views;

use crate::web::router::Routes;

pub use recorder::{ApiCall, Recorder};
pub use store::Change;

pub fn configure(r: &mut Routes) {
    r.get("/activity", routes::page).get("/activity.csv", routes::csv);
}

/// Prunes activity past the retention once a day, for as long as the
/// runtime lives: every instance looks hourly, and the one that claims the
/// day's run (`Db::claim_run`) prunes.
pub fn keep_pruning(db: crate::db::Db, retention_days: i64) {
    tokio::spawn(async move {
        let mut hourly = tokio::time::interval(std::time::Duration::from_secs(3600));
        loop {
            hourly.tick().await;
            let at = crate::db::now();
            match db.claim_run("activity-retention", 86_400, at).await {
                Ok(true) => {}
                Ok(false) => continue,
                Err(err) => {
                    tracing::error!(error = %err, "could not claim the activity pruning");
                    continue;
                }
            }
            match store::prune(&db, at - retention_days * 86_400).await {
                Ok(0) => {}
                Ok(n) => tracing::info!(rows = n, "pruned old activity"),
                Err(err) => tracing::error!(error = %err, "could not prune activity"),
            }
        }
    });
}
