//! The instance's secrets: one random master secret in a file named at
//! start (`--secret-file`, by default `member-center.secret` beside the
//! database), made on first start with 0600 permissions and never written to
//! the database, so that a copy of the database forges nothing. Every
//! instance behind a load balancer reads the same file. Each use gets a key
//! of its own, derived with HMAC-SHA256 under a label.

use std::{io::Write, path::Path};

use hmac::{Hmac, Mac};
use sha2::Sha256;

pub struct Secrets {
    master: Vec<u8>,
}

impl std::fmt::Debug for Secrets {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Secrets(…)")
    }
}

impl Secrets {
    /// Reads the secret file, making it first if it does not exist.
    pub fn load_or_create(path: &Path) -> anyhow::Result<Self> {
        match std::fs::read_to_string(path) {
            Ok(text) => Self::parse(text.trim())
                .ok_or_else(|| anyhow::anyhow!("{}: expected 64 or more hex digits", path.display())),
            Err(err) if err.kind() == std::io::ErrorKind::NotFound => {
                let hex_secret = crate::token::random_hex(32);
                let mut options = std::fs::OpenOptions::new();
                options.write(true).create_new(true);
                #[cfg(unix)]
                std::os::unix::fs::OpenOptionsExt::mode(&mut options, 0o600);
                match options.open(path) {
                    Ok(mut file) => {
                        writeln!(file, "{hex_secret}")?;
                        file.sync_all()?;
                        tracing::info!(file = %path.display(), "made a new instance secret file");
                        Ok(Self::parse(&hex_secret).expect("fresh hex parses"))
                    }
                    // Another instance made it meanwhile: use theirs.
                    Err(err) if err.kind() == std::io::ErrorKind::AlreadyExists => Self::load_or_create(path),
                    Err(err) => Err(anyhow::anyhow!("cannot make {}: {err}", path.display())),
                }
            }
            Err(err) => Err(anyhow::anyhow!("cannot read {}: {err}", path.display())),
        }
    }

    fn parse(text: &str) -> Option<Self> {
        let master = hex::decode(text).ok().filter(|bytes| bytes.len() >= 32)?;
        Some(Secrets { master })
    }

    fn derive(&self, label: &[u8], parts: &[&[u8]]) -> [u8; 32] {
        let mut mac = Hmac::<Sha256>::new_from_slice(&self.master).expect("HMAC takes any key length");
        mac.update(label);
        for part in parts {
            mac.update(&(part.len() as u64).to_be_bytes());
            mac.update(part);
        }
        mac.finalize().into_bytes().into()
    }

    /// The 64-byte key that signs and encrypts session cookies.
    pub fn session_key(&self) -> actix_web::cookie::Key {
        let mut key = [0u8; 64];
        key[..32].copy_from_slice(&self.derive(b"session cookie 1", &[]));
        key[32..].copy_from_slice(&self.derive(b"session cookie 2", &[]));
        actix_web::cookie::Key::from(&key)
    }

    /// The 64-byte key that signs and encrypts the cookie of a sign-in at
    /// the identity provider (`sso::flow`).
    pub fn sso_flow_key(&self) -> actix_web::cookie::Key {
        let mut key = [0u8; 64];
        key[..32].copy_from_slice(&self.derive(b"sso flow cookie 1", &[]));
        key[32..].copy_from_slice(&self.derive(b"sso flow cookie 2", &[]));
        actix_web::cookie::Key::from(&key)
    }

    /// An object-storage pair's secret key: 40 hex digits derived from its
    /// access key and its own random salt. A gateway verifying these keys
    /// needs the same secret file and derivation.
    pub fn object_storage_secret(&self, access_key: &str, salt: &str) -> String {
        let digest = self.derive(b"object storage", &[access_key.as_bytes(), salt.as_bytes()]);
        hex::encode(digest)[..40].to_string()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_file_is_made_once_private_and_read_back_alike() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("secret");
        let made = Secrets::load_or_create(&path).unwrap();
        let read = Secrets::load_or_create(&path).unwrap();
        assert_eq!(made.master, read.master);
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            assert_eq!(std::fs::metadata(&path).unwrap().permissions().mode() & 0o777, 0o600);
        }
        let a = made.object_storage_secret("AK1", "salt-1");
        assert_eq!(a.len(), 40);
        assert_ne!(a, made.object_storage_secret("AK1", "salt-2"));
        assert_eq!(a, read.object_storage_secret("AK1", "salt-1"));
        std::fs::write(&path, "not hex").unwrap();
        assert!(Secrets::load_or_create(&path).is_err());
    }
}
