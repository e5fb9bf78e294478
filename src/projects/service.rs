//! What the other capabilities may ask of projects: finding one by code,
//! and an account's tenancies (which projects it is in, in which role).

pub use super::store::{Project, by_code, first_tenant, insert, tenant, tenants_of};
