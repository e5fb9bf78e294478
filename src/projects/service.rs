//! What the other capabilities may ask of projects: finding one by code,
//! an account's tenancies (which projects it is in, in which role), and a
//! project's members (a page of them remembered while nothing changes).

pub use super::store::{
    Member, Project, ProjectSummary, by_code, directory, insert, member, member_page, members, members_after, summary,
    tenants_of,
};
pub use crate::auth::service::{first_tenant, tenant};

use std::sync::Arc;

use crate::{AppState, auth::identity::ProjectId, error::AppError};

/// A page of a project's members, as `member_page` reads it: whose
/// project, which search, which rows.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct MemberPageAsked {
    pub project_id: ProjectId,
    pub search: String,
    pub limit: i64,
    pub offset: i64,
}

/// A page of members and how many match the search.
pub struct MemberPage {
    pub members: Vec<Member>,
    pub matching: i64,
}

/// A page of a project's members by name, remembered while nothing changes
/// (`AppState::member_pages`, `crate::cache`): ordering a large project's
/// members by name is the costliest read of the Members and Quota pages,
/// and a membership, role or name changes far less often than those pages
/// are shown. Every such change is a committed write, which forgets it.
pub async fn remembered_member_page(state: &AppState, asked: MemberPageAsked) -> Result<Arc<MemberPage>, AppError> {
    let load = || async {
        let (members, matching) =
            member_page(&state.db, asked.project_id, &asked.search, asked.limit, asked.offset).await?;
        Ok::<_, AppError>(Arc::new(MemberPage { members, matching }))
    };
    state.member_pages.get_or_load(asked.clone(), load).await
}
