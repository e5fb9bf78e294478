//! The `ApiCaller` extractor: the key behind `x-api-key`, checked.

use actix_web::{
    HttpMessage, HttpRequest,
    http::{Method, StatusCode},
    web,
};

use crate::{
    AppState,
    api_keys::service::{self, KeyOwner},
    auth::identity::{AccountId, ProjectId},
    db::now,
    error::{AppError, KeyProblem},
    permissions::Service,
    token::digest,
    web::i18n::Msg,
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

    /// The member of the key's project with this username (any role), or 404.
    pub async fn member_named(
        &self,
        db: &crate::db::Db,
        username: &str,
    ) -> Result<crate::projects::service::Member, AppError> {
        let account = crate::accounts::service::by_username(db, &username.trim().to_ascii_lowercase())
            .await?
            .ok_or(AppError::NotFound)?;
        crate::projects::service::member(db, self.owner.project_id, account.id)
            .await?
            .ok_or(AppError::NotFound)
    }

    /// Only a tenant admin's key manages the project (403 `forbidden`).
    pub fn tenant_admin_only(&self) -> Result<(), AppError> {
        if self.is_tenant_admin() {
            Ok(())
        } else {
            Err(AppError::Forbidden)
        }
    }

    /// Whether the caller may act on `service`: its owner's permission
    /// (`service_not_permitted`), then the key's scope (`scope_denied`).
    pub fn may_use(&self, service: Service) -> Result<(), AppError> {
        if !self.services.contains(&service) {
            return Err(super::allocations::not_permitted(service.code()));
        }
        self.in_scope(service)
    }

    /// Whether the key's scope covers `service`, whatever its owner may
    /// use: every route that names, reads or changes a service asks this
    /// first (403 `scope_denied`).
    pub fn in_scope(&self, service: Service) -> Result<(), AppError> {
        if self.owner.scope.allows(service) {
            Ok(())
        } else {
            Err(scope_denied(
                Msg::new("api-scope-service").arg("service", service.code()),
                serde_json::json!({ "service": service.code() }),
            ))
        }
    }

    /// Of `services`, those the key's scope covers (a list drops the rest).
    pub fn scoped(&self, services: &[Service]) -> Vec<Service> {
        services
            .iter()
            .copied()
            .filter(|s| self.owner.scope.allows(*s))
            .collect()
    }

    /// The services the caller may act on: its owner's, narrowed by the key.
    pub fn usable_services(&self) -> Vec<Service> {
        self.scoped(&self.services)
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
        // The secret before a rotation, after its overlap: it no longer works.
        if owner.secret_valid_until.is_some_and(|until| until <= now()) {
            return Err(AppError::KeyRejected(KeyProblem::Invalid));
        }
        // A read-only key reads: every unsafe method is refused.
        if owner.scope.read_only && !matches!(*req.method(), Method::GET | Method::HEAD | Method::OPTIONS) {
            return Err(scope_denied(
                Msg::new("api-scope-read-only"),
                serde_json::json!({ "read_only": true }),
            ));
        }
        Ok(ApiCaller {
            owner,
            membership_id,
            services,
        })
    }
}

/// A call with a key's current secret, as managing keys (create, rename,
/// extend, rotate, delete) needs: during a rotation's overlap the secret
/// before authenticates service calls only, so that whoever still holds
/// it cannot take the key's newest secret from its owner (403
/// `previous_secret`).
pub struct KeyManager(pub ApiCaller);

impl KeyManager {
    async fn load(req: &HttpRequest) -> Result<Self, AppError> {
        let caller = ApiCaller::load(req).await?;
        if caller.owner.secret_valid_until.is_some() {
            return Err(AppError::Refused {
                status: StatusCode::FORBIDDEN,
                code: "previous_secret",
                message: Msg::new("api-previous-secret"),
                details: None,
            });
        }
        Ok(KeyManager(caller))
    }
}

crate::auth::session::extracted_by_load!(ApiCaller, KeyManager);

/// A call the key's scope does not cover (403 `scope_denied`).
pub fn scope_denied(message: Msg, details: serde_json::Value) -> AppError {
    AppError::Refused {
        status: StatusCode::FORBIDDEN,
        code: "scope_denied",
        message,
        details: Some(details),
    }
}
