//! What the database said, remembered in memory for a few seconds so that
//! busy requests (an API key's owner, the signed-in viewer) do not each read
//! it again: every statement is a round trip to SQLite's own thread.
//!
//! Every committed write moves its database's generation on
//! (`db::Tx::commit`; there is no other way to write), which makes
//! everything remembered before it stale at once: a deleted key, a locked
//! account or a removed member is seen on the very next request. A change
//! committed by another process (another instance, the command line) moves
//! the database's shared count of changes on, which every instance watches
//! (`db::Db::watch_changes`, four times a second). The lifetime bounds what
//! time alone changes (a key coming within a week of its expiry).

use std::{
    hash::Hash,
    sync::{
        Arc, Mutex,
        atomic::{AtomicU64, Ordering},
    },
    time::{Duration, Instant},
};

const LIFETIME: Duration = Duration::from_secs(5);

/// A count of committed changes, moved on by every write the database
/// commits (`db::Tx::commit`): whatever was remembered under an older count
/// is stale. One per database (`db::Db`), so two apps in one process forget
/// nothing of each other's.
#[derive(Debug, Clone, Default)]
pub struct Generation(Arc<AtomicU64>);

impl Generation {
    /// The count to read under: take it *before* reading the database, so
    /// that a change committed meanwhile makes what was read stale.
    pub fn current(&self) -> u64 {
        self.0.load(Ordering::SeqCst)
    }

    /// Forgets everything remembered (something it may depend on changed).
    pub fn advance(&self) {
        self.0.fetch_add(1, Ordering::SeqCst);
    }
}

struct Entry<V> {
    value: V,
    generation: u64,
    at: Instant,
}

/// A bounded map of remembered reads (emptied when full: the entries are
/// cheap to read again).
pub struct Remembered<K, V> {
    entries: Mutex<foldhash::HashMap<K, Entry<V>>>,
    capacity: usize,
    generation: Generation,
    /// Lookups answered from memory and not, for the metrics.
    hits: AtomicU64,
    misses: AtomicU64,
}

impl<K: Eq + Hash, V: Clone> Remembered<K, V> {
    /// Remembers reads of the database whose changes `generation` counts.
    pub fn new(capacity: usize, generation: Generation) -> Self {
        Remembered {
            entries: Mutex::new(foldhash::HashMap::default()),
            capacity,
            generation,
            hits: AtomicU64::new(0),
            misses: AtomicU64::new(0),
        }
    }

    /// How many lookups were answered from memory, and how many were not.
    pub fn hits_and_misses(&self) -> (u64, u64) {
        (self.hits.load(Ordering::Relaxed), self.misses.load(Ordering::Relaxed))
    }

    /// The count to read under (see `Generation::current`).
    pub fn generation(&self) -> u64 {
        self.generation.current()
    }

    /// The value remembered for `key`, if nothing has changed since and it
    /// is younger than the lifetime.
    pub fn get(&self, key: &K) -> Option<V> {
        let generation = self.generation.current();
        let entries = self.entries.lock().ok()?;
        let found = entries
            .get(key)
            .filter(|e| e.generation == generation && e.at.elapsed() < LIFETIME)
            .map(|e| e.value.clone());
        let counter = if found.is_some() { &self.hits } else { &self.misses };
        counter.fetch_add(1, Ordering::Relaxed);
        found
    }

    /// Remembers what was read under `generation`.
    pub fn put(&self, key: K, value: V, generation: u64) {
        if let Ok(mut entries) = self.entries.lock() {
            if entries.len() >= self.capacity {
                entries.clear();
            }
            entries.insert(
                key,
                Entry {
                    value,
                    generation,
                    at: Instant::now(),
                },
            );
        }
    }
}
