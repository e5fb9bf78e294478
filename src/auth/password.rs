//! Argon2id password hashing, run on the blocking thread pool so that a
//! sign-in never stalls the async workers.

use std::sync::LazyLock;

use argon2::{
    Argon2, PasswordHash, PasswordHasher, PasswordVerifier,
    password_hash::{SaltString, rand_core::OsRng},
};

use crate::error::AppError;

/// A hash of a password nobody has, verified against when the username is
/// unknown so that both cases cost the same work.
static DUMMY_HASH: LazyLock<String> =
    LazyLock::new(|| hash_now("no account has this password").expect("hashing works"));

fn hash_now(password: &str) -> anyhow::Result<String> {
    let salt = SaltString::generate(&mut OsRng);
    let hash = Argon2::default()
        .hash_password(password.as_bytes(), &salt)
        .map_err(|e| anyhow::anyhow!("hashing failed: {e}"))?;
    Ok(hash.to_string())
}

fn verify_now(password: &str, hash: &str) -> bool {
    PasswordHash::new(hash)
        .map(|parsed| Argon2::default().verify_password(password.as_bytes(), &parsed).is_ok())
        .unwrap_or(false)
}

/// Hashes a password with argon2id and a random salt.
pub async fn hash(password: String) -> Result<String, AppError> {
    actix_web::web::block(move || hash_now(&password))
        .await
        .map_err(|e| AppError::Internal(e.into()))?
        .map_err(AppError::Internal)
}

/// Checks a password against a stored hash, or against the dummy hash when
/// there is none (no account, or an account without a password: '').
pub async fn verify(password: String, hash: Option<String>) -> Result<bool, AppError> {
    let hash = hash.filter(|h| !h.is_empty());
    actix_web::web::block(move || {
        let ok = verify_now(&password, hash.as_deref().unwrap_or(&DUMMY_HASH));
        ok && hash.is_some()
    })
    .await
    .map_err(|e| AppError::Internal(e.into()))
}

/// Hashes on the calling thread, for the CLI and demo data.
pub fn hash_blocking(password: &str) -> anyhow::Result<String> {
    hash_now(password)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hashes_are_argon2id_and_verify() {
        let hash = hash_now("correct horse battery").unwrap();
        assert!(hash.starts_with("$argon2id$"));
        assert!(verify_now("correct horse battery", &hash));
        assert!(!verify_now("wrong", &hash));
        assert!(!verify_now("x", "not a hash"));
    }
}
