//! Random tokens and digests. All randomness comes from the OS CSPRNG.

use sha2::{Digest, Sha256};

/// `n` random bytes, hex-encoded (2n characters).
pub fn random_hex(n: usize) -> String {
    let mut bytes = vec![0u8; n];
    getrandom::fill(&mut bytes).expect("the OS random source is available");
    hex::encode(bytes)
}

/// An 8-character ID for error reports and the like.
pub fn short_id() -> String {
    random_hex(4)
}

/// A random UUIDv4 string, the secret format of API keys and reset links.
pub fn uuid_secret() -> String {
    uuid::Uuid::new_v4().to_string()
}

/// The SHA-256 digest under which a secret is stored.
pub fn digest(secret: &str) -> Vec<u8> {
    Sha256::digest(secret.as_bytes()).to_vec()
}

/// Compares two strings in time independent of where they differ.
pub fn constant_time_eq(a: &str, b: &str) -> bool {
    let (a, b) = (a.as_bytes(), b.as_bytes());
    a.len() == b.len() && a.iter().zip(b).fold(0u8, |acc, (x, y)| acc | (x ^ y)) == 0
}

/// The SHA-256 digest of raw bytes.
pub fn digest_bytes(bytes: &[u8]) -> [u8; 32] {
    Sha256::digest(bytes).into()
}
