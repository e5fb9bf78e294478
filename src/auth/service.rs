//! What the other capabilities may ask of signing in: the account's
//! sessions, and ending them.

pub use super::store::{SessionRow, end_sessions, sessions_of};
