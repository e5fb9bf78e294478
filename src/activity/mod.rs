//! The activity log: every JSON API call and every change made through the
//! portal or the command line. Secrets never reach it.

pub mod recorder;
pub mod store;

pub use recorder::{ApiCall, Recorder};
pub use store::Change;
