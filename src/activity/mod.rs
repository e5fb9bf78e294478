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

/// Prunes activity past the retention now and then once a day, for as long
/// as the runtime lives.
pub fn keep_pruning(db: crate::db::Db, retention_days: i64) {
    tokio::spawn(async move {
        let mut daily = tokio::time::interval(std::time::Duration::from_secs(24 * 3600));
        loop {
            daily.tick().await;
            let before = crate::db::now() - retention_days * 86_400;
            match store::prune(&db, before).await {
                Ok(0) => {}
                Ok(n) => tracing::info!(rows = n, "pruned old activity"),
                Err(err) => tracing::error!(error = %err, "could not prune activity"),
            }
        }
    });
}
