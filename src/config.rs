//! Everything the server can be told, in one place. Values come from the
//! command line or the matching `MC_` environment variable (see `main.rs`).

use std::path::PathBuf;

#[derive(Debug, Clone)]
pub struct Config {
    /// Address to listen on; port 0 picks a free port (tests).
    pub bind: String,
    /// The SQLite file; created and migrated on first start.
    pub db: PathBuf,
    /// Send cookies without the `Secure` flag, for plain-HTTP local use.
    pub insecure_cookies: bool,
    /// The longest an API key may stay valid, counted from now.
    pub max_key_days: i64,
    /// How many keys one member may hold in one project.
    pub max_keys: i64,
    /// Activity older than this many days is deleted.
    pub activity_retention_days: i64,
}

impl Config {
    pub fn new(bind: impl Into<String>, db: impl Into<PathBuf>) -> Self {
        Config {
            bind: bind.into(),
            db: db.into(),
            insecure_cookies: false,
            max_key_days: 365,
            max_keys: 20,
            activity_retention_days: 400,
        }
    }
}
