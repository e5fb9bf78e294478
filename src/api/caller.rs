//! The `ApiCaller` extractor: the key behind `x-api-key`, checked.

use actix_web::{HttpMessage, HttpRequest, web};

use crate::{
    AppState,
    api_keys::service::{self, KeyOwner},
    auth::identity::{AccountId, ProjectId},
    db::now,
    error::{AppError, KeyProblem},
    token::digest,
};

/// A request made with a valid, current key of an active member.
pub struct ApiCaller {
    pub owner: KeyOwner,
    /// Always set: an `ApiCaller` exists only for a current member.
    pub membership_id: i64,
    /// The services the tenant may use.
    pub services: Vec<crate::permissions::Service>,
}

/// Left on the request for the activity recorder.
#[derive(Debug, Clone)]
pub struct CallerMark {
    pub key_row: i64,
    pub key_id: String,
    pub account_id: AccountId,
    pub project_id: ProjectId,
}

impl ApiCaller {
    pub fn is_tenant_admin(&self) -> bool {
        self.owner.role == Some(crate::projects::TenantRole::Admin)
    }

    async fn load(req: &HttpRequest) -> Result<Self, AppError> {
        let state = req
            .app_data::<web::Data<AppState>>()
            .cloned()
            .ok_or_else(|| AppError::Internal(anyhow::anyhow!("application state missing")))?;
        let secret = match req.headers().get("x-api-key") {
            None => return Err(AppError::KeyRejected(KeyProblem::Missing)),
            Some(value) => value
                .to_str()
                .map_err(|_| AppError::KeyRejected(KeyProblem::Invalid))?
                .trim(),
        };
        if secret.is_empty() {
            return Err(AppError::KeyRejected(KeyProblem::Missing));
        }
        let digest = digest(secret);
        let (owner, services) = state
            .keys
            .get_or_load(digest.clone(), || async {
                let owner = service::by_digest(&state.db, &digest)
                    .await?
                    .ok_or(AppError::KeyRejected(KeyProblem::Invalid))?;
                let services = match owner.membership_id {
                    Some(id) => crate::permissions::service::permitted_services(&state.db, id).await?,
                    None => Vec::new(),
                };
                Ok::<_, AppError>((owner, services))
            })
            .await?;
        let membership_id = match owner.membership_id {
            Some(id) if !owner.account_locked && !owner.revoked => id,
            _ => return Err(AppError::KeyRejected(KeyProblem::Disabled)),
        };
        // Recorded from here on, refused or not.
        req.extensions_mut().insert(CallerMark {
            key_row: owner.key_row,
            key_id: owner.key_id.clone(),
            account_id: owner.account_id,
            project_id: owner.project_id,
        });
        if owner.expires_at <= now() {
            return Err(AppError::KeyRejected(KeyProblem::Expired));
        }
        Ok(ApiCaller {
            owner,
            membership_id,
            services,
        })
    }
}

crate::auth::session::extracted_by_load!(ApiCaller);
