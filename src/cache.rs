//! What the database said, remembered in memory for a few seconds so that
//! busy requests (an API key's owner, the signed-in viewer) do not each read
//! it again: every statement is a round trip to SQLite's own thread.
//!
//! Every committed write moves its database's generation on
//! (`db::Tx::commit`; there is no other way to write), which makes
//! everything remembered before it stale at once: a deleted key, a locked
//! account or a removed member is seen on the very next request. A change
//! committed by another process (another instance, the command line) is
//! told to every instance (`db::Db::watch_changes`: PostgreSQL's notices,
//! or SQLite's shared count of changes four times a second). The lifetime
//! bounds what time alone changes (a key coming within a week of its expiry).
//!
//! `get_or_load` reads a missing entry once for all who ask at the same time:
//! after a change empties the cache, a busy key is not read by every
//! request in flight at once.

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
    /// A lock for each key being read from the database, for its waiters.
    loading: Mutex<foldhash::HashMap<K, Arc<tokio::sync::Mutex<()>>>>,
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
            loading: Mutex::new(foldhash::HashMap::default()),
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

    /// The value remembered for `key`, or else what `load` reads, which is
    /// then remembered. Callers missing the same key at the same time wait
    /// for the first one's read rather than each reading it; a failed read
    /// is not remembered (the next waiter reads again).
    pub async fn get_or_load<E, F: Future<Output = Result<V, E>>>(
        &self,
        key: K,
        load: impl FnOnce() -> F,
    ) -> Result<V, E>
    where
        K: Clone,
    {
        if let Some(found) = self.get(&key) {
            return Ok(found);
        }
        let Some(turn) = self.turn(&key) else {
            return load().await;
        };
        let held = turn.lock().await;
        // Read by the caller before this one, if it succeeded.
        let result = match self.peek(&key) {
            Some(found) => Ok(found),
            None => {
                let generation = self.generation.current();
                let value = load().await;
                if let Ok(value) = &value {
                    self.put(key.clone(), value.clone(), generation);
                }
                value
            }
        };
        drop(held);
        if let Ok(mut loading) = self.loading.lock()
            && Arc::strong_count(&turn) <= 2
        {
            // Nobody else holds this key's lock or waits for it.
            loading.remove(&key);
        }
        result
    }

    /// The lock of `key`'s read, shared with whoever else is reading it.
    fn turn(&self, key: &K) -> Option<Arc<tokio::sync::Mutex<()>>>
    where
        K: Clone,
    {
        let mut loading = self.loading.lock().ok()?;
        Some(loading.entry(key.clone()).or_default().clone())
    }

    /// `get` without counting a hit or a miss.
    fn peek(&self, key: &K) -> Option<V> {
        let generation = self.generation.current();
        let entries = self.entries.lock().ok()?;
        entries
            .get(key)
            .filter(|e| e.generation == generation && e.at.elapsed() < LIFETIME)
            .map(|e| e.value.clone())
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

#[cfg(test)]
mod tests {
    use std::sync::{
        Arc,
        atomic::{AtomicUsize, Ordering},
    };

    use super::{Generation, Remembered};

    #[tokio::test(flavor = "multi_thread", worker_threads = 4)]
    async fn a_missing_key_is_read_once_for_all_who_ask_at_once() {
        let cache: Arc<Remembered<u32, String>> = Arc::new(Remembered::new(100, Generation::default()));
        let reads = Arc::new(AtomicUsize::new(0));
        let askers: Vec<_> = (0..32)
            .map(|_| {
                let (cache, reads) = (cache.clone(), reads.clone());
                tokio::spawn(async move {
                    cache
                        .get_or_load(7, || async {
                            reads.fetch_add(1, Ordering::SeqCst);
                            tokio::time::sleep(std::time::Duration::from_millis(20)).await;
                            Ok::<_, ()>("seven".to_string())
                        })
                        .await
                })
            })
            .collect();
        for asker in askers {
            assert_eq!(asker.await.unwrap(), Ok("seven".to_string()));
        }
        assert_eq!(reads.load(Ordering::SeqCst), 1);
        assert!(cache.loading.lock().unwrap().is_empty(), "no lock is left behind");

        // A failed read is not remembered; a change makes the entry stale.
        assert_eq!(
            cache.get_or_load(8, || async { Err::<String, _>("down") }).await,
            Err("down")
        );
        assert_eq!(
            cache.get_or_load(8, || async { Ok::<_, ()>("eight".into()) }).await,
            Ok("eight".into())
        );
        cache.generation.advance();
        assert_eq!(
            cache.get_or_load(8, || async { Ok::<_, ()>("new".into()) }).await,
            Ok("new".into())
        );
    }
}
