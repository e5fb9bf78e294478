//! A short-lived in-memory cache of API keys' owners, so that a busy
//! service's calls do not each look the key up in the database.
//!
//! Every recorded change (key edits, locks, membership and permission
//! changes — anything that goes through `activity::store::record_change`)
//! moves a global generation on, which empties the cache at once; a few
//! seconds' lifetime bounds what another process (the CLI) could change
//! unseen.

use std::{
    collections::HashMap,
    sync::{
        Mutex,
        atomic::{AtomicU64, Ordering},
    },
    time::{Duration, Instant},
};

use crate::api_keys::store::KeyOwner;

static GENERATION: AtomicU64 = AtomicU64::new(0);
const LIFETIME: Duration = Duration::from_secs(5);
const CAPACITY: usize = 50_000;

/// Forgets every cached key owner (something they depend on changed).
pub fn invalidate_all() {
    GENERATION.fetch_add(1, Ordering::SeqCst);
}

#[derive(Clone)]
pub struct Cached {
    pub owner: KeyOwner,
    pub services: Vec<String>,
    generation: u64,
    at: Instant,
}

#[derive(Default)]
pub struct KeyCache {
    entries: Mutex<HashMap<Vec<u8>, Cached>>,
}

impl KeyCache {
    pub fn get(&self, digest: &[u8]) -> Option<Cached> {
        let generation = GENERATION.load(Ordering::SeqCst);
        let entries = self.entries.lock().ok()?;
        entries
            .get(digest)
            .filter(|c| c.generation == generation && c.at.elapsed() < LIFETIME)
            .cloned()
    }

    /// Caches what was read when the generation was `generation`.
    pub fn put(&self, digest: Vec<u8>, owner: KeyOwner, services: Vec<String>, generation: u64) {
        if let Ok(mut entries) = self.entries.lock() {
            if entries.len() >= CAPACITY {
                entries.clear();
            }
            entries.insert(
                digest,
                Cached {
                    owner,
                    services,
                    generation,
                    at: Instant::now(),
                },
            );
        }
    }

    /// The generation to read under (read before the database).
    pub fn generation() -> u64 {
        GENERATION.load(Ordering::SeqCst)
    }
}
