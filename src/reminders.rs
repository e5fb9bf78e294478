//! The checks that send notices before things bite: keys about to expire,
//! quotas filling up, wallets running low. Once a minute, by one instance
//! (`Db::claim_run`). Each check remembers what it told (a key's step, a
//! quota's or wallet's level), so nothing is told twice; `run` takes the
//! time, so that tests set the clock instead of waiting.

use crate::{api_keys, db::Db, quotas, wallets};

/// What one run told of.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Told {
    pub keys: usize,
    pub quotas: usize,
    pub wallets: usize,
}

/// Runs every check as of `now`.
pub async fn run(db: &Db, now: i64) -> sqlx::Result<Told> {
    Ok(Told {
        keys: api_keys::service::notify_expiring(db, now).await?,
        quotas: quotas::service::notify_thresholds(db).await?,
        wallets: wallets::service::notify_balances(db).await?,
    })
}

/// Runs the checks once a minute, on one instance at a time.
pub fn keep_running(db: Db) {
    tokio::spawn(async move {
        let mut every_minute = tokio::time::interval(std::time::Duration::from_secs(60));
        loop {
            every_minute.tick().await;
            let at = crate::db::now();
            match db.claim_run("reminders", 60, at).await {
                Ok(true) => match run(&db, at).await {
                    Ok(told) if told == Told::default() => {}
                    Ok(told) => tracing::info!(
                        keys = told.keys,
                        quotas = told.quotas,
                        wallets = told.wallets,
                        "sent reminders"
                    ),
                    Err(err) => tracing::error!(error = %err, "could not run the reminders"),
                },
                Ok(false) => {}
                Err(err) => tracing::error!(error = %err, "could not claim the reminders"),
            }
        }
    });
}
