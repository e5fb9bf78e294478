//! What the other capabilities may ask of projects: finding one by code,
//! and an account's tenancies (which projects it is in, in which role).

pub use super::store::{
    Member, Project, ProjectSummary, by_code, directory, insert, member, member_page, members, members_after, summary,
    tenants_of,
};
pub use crate::auth::service::{first_tenant, tenant};
