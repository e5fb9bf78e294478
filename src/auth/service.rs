//! What the other capabilities may ask of signing in: who an account is,
//! its tenancies, its sessions (and ending them).

pub use super::store::{SessionRow, by_id, credentials, end_sessions, first_tenant, frame_counts, sessions_of, tenant};
