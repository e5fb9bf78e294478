//! Handlers of the support console.

use super::views::{AccountPage, ProjectView, SearchPage};
use crate::auth::identity::AccountId;
use actix_web::{HttpResponse, web};
use askama::Template;
use serde::Deserialize;

use crate::{
    AppState,
    accounts::{self, routes::parse_reason},
    activity::{self, Change, ChangeKind, service::ActivityFilter},
    api_keys::{self},
    auth::{Operator, Support},
    error::AppError,
    projects::{self},
    quotas::{QuotaService, service as quota_service},
    wallets::service as wallet_service,
    web::FieldErrors,
    web::{html, i18n::Msg, see_other},
};

#[derive(Deserialize)]
pub struct SearchQuery {
    #[serde(default)]
    q: String,
}

pub async fn search(
    support: Support,
    query: web::Query<SearchQuery>,
    state: web::Data<AppState>,
) -> Result<HttpResponse, AppError> {
    let Support(user) = support;
    let q: String = query.q.trim().chars().take(100).collect();
    let results = if q.is_empty() {
        Vec::new()
    } else {
        accounts::service::search(&state.db, &q).await?
    };
    html(&SearchPage {
        l: user.viewer.layout(),
        q,
        results,
    })
}

async fn account_page(
    support: &Support,
    account_id: AccountId,
    errors: FieldErrors,
    active: String,
    state: &AppState,
) -> Result<AccountPage, AppError> {
    let viewer = &support.0.viewer;
    let db = &state.db;
    let account = accounts::service::by_id(db, account_id)
        .await?
        .ok_or(AppError::NotFound)?;
    let mut projects = Vec::new();
    for tenant in projects::service::tenants_of(db, account.id).await? {
        let mut gauges = Vec::new();
        for service in QuotaService::ALL {
            gauges.push((
                service,
                quota_service::member_gauges(db, tenant.project_id, account.id, service).await?,
            ));
        }
        let project_balance = wallet_service::parent(db, tenant.project_id).await?.balance;
        let sub_wallet = wallet_service::sub_wallet(db, tenant.project_id, account.id)
            .await?
            .map(|w| w.balance);
        projects.push(ProjectView {
            tenant,
            gauges,
            project_balance,
            sub_wallet,
        });
    }
    let keys = api_keys::service::of_account(db, account.id).await?;
    let filter = ActivityFilter::default();
    let changes = activity::service::changes(db, account.id, &filter, i64::MAX, 20, 0).await?;
    let may_act = support
        .0
        .account
        .platform_role
        .may_act_on(account.platform_role)
        .is_ok();
    let two_factor = matches!(
        crate::auth::service::two_factor(db, account.id).await?,
        Some((_, true, _))
    );
    Ok(AccountPage {
        sso: crate::auth::service::sso_status(db, state.config.sso.as_ref(), account.id, viewer.lang).await?,
        operator: support.0.account.platform_role == crate::accounts::PlatformRole::Operator,
        l: viewer.layout(),
        two_factor,
        may_act,
        account,
        projects,
        keys,
        changes: activity::service::fold_views(changes),
        errors,
        active,
    })
}

/// The read-only account view; every opening is recorded, and the owner
/// sees it in their activity.
pub async fn account(
    support: Support,
    path: web::Path<AccountId>,
    state: web::Data<AppState>,
) -> Result<HttpResponse, AppError> {
    let db = &state.db;
    let subject = accounts::service::by_id(db, *path).await?.ok_or(AppError::NotFound)?;
    let change = Change {
        actor_id: Some(support.0.account.id),
        project_id: None,
        subject_id: Some(subject.id),
        action: ChangeKind::SupportView,
        target: &subject.username,
        before: "",
        after: "",
    };
    activity::service::record(db, change).await?;
    let page = account_page(&support, subject.id, FieldErrors::default(), String::new(), &state).await?;
    html(&page)
}

async fn refused(
    support: &Support,
    account_id: AccountId,
    form: &str,
    err: AppError,
    state: &AppState,
) -> Result<HttpResponse, AppError> {
    let mut errors = FieldErrors::default();
    errors.add(err, support.0.viewer.lang)?;
    let page = account_page(support, account_id, errors, form.to_string(), state).await?;
    Ok(crate::web::unprocessable(page.render()?))
}

/// Resets another account's second factor (it lost its app and its
/// recovery codes), with a reason; recorded, and the account is told.
pub async fn reset_two_factor(
    support: Support,
    path: web::Path<AccountId>,
    form: web::Form<ReasonForm>,
    state: web::Data<AppState>,
) -> Result<HttpResponse, AppError> {
    let db = &state.db;
    let account = accounts::service::by_id(db, *path).await?.ok_or(AppError::NotFound)?;
    support.0.account.platform_role.may_act_on(account.platform_role)?;
    let reason = match parse_reason(&form.reason) {
        Ok(reason) => reason,
        Err(err) => return refused(&support, account.id, "two_factor", err, &state).await,
    };
    crate::auth::service::reset_two_factor(db, account.id).await?;
    // Whoever had the second factor may have asked for a new email address.
    accounts::service::cancel_email_changes(db, account.id).await?;
    let change = Change {
        actor_id: Some(support.0.account.id),
        project_id: None,
        subject_id: Some(account.id),
        action: ChangeKind::SupportResetTwoFactor,
        target: &account.username,
        before: "",
        after: &reason,
    };
    activity::service::record(db, change).await?;
    support.0.viewer.flash(
        true,
        Msg::new("support-two-factor-reset").arg("username", &account.username),
    );
    Ok(see_other(&format!("/support/accounts/{}", account.id)))
}

#[derive(Deserialize)]
pub struct LockForm {
    #[serde(default)]
    locked: String,
    #[serde(default)]
    reason: String,
}

pub async fn lock(
    support: Support,
    path: web::Path<AccountId>,
    form: web::Form<LockForm>,
    state: web::Data<AppState>,
) -> Result<HttpResponse, AppError> {
    let db = &state.db;
    let account = accounts::service::by_id(db, *path).await?.ok_or(AppError::NotFound)?;
    support.0.account.platform_role.may_act_on(account.platform_role)?;
    let locked = match form.locked.as_str() {
        "true" => true,
        "false" => false,
        _ => return Err(AppError::BadRequest(Msg::new("error-bad-form"))),
    };
    let reason = match parse_reason(&form.reason) {
        Ok(reason) => reason,
        Err(err) => return refused(&support, account.id, "lock", err, &state).await,
    };
    accounts::service::set_locked_for(db, support.0.account.id, &account, locked, &reason).await?;
    if locked {
        crate::auth::service::end_sessions(db, account.id, None, None).await?;
    }
    let message = if locked { "support-locked" } else { "support-unlocked" };
    support
        .0
        .viewer
        .flash(true, Msg::new(message).arg("username", &account.username));
    Ok(see_other(&format!("/support/accounts/{}", account.id)))
}

#[derive(Deserialize)]
pub struct ReasonForm {
    #[serde(default)]
    reason: String,
}

pub async fn revoke_key(
    support: Support,
    path: web::Path<(AccountId, String)>,
    form: web::Form<ReasonForm>,
    state: web::Data<AppState>,
) -> Result<HttpResponse, AppError> {
    let (account_id, key_id) = path.into_inner();
    let db = &state.db;
    let account = accounts::service::by_id(db, account_id)
        .await?
        .ok_or(AppError::NotFound)?;
    support.0.account.platform_role.may_act_on(account.platform_role)?;
    let reason = match parse_reason(&form.reason) {
        Ok(reason) => reason,
        Err(err) => return refused(&support, account.id, &key_id, err, &state).await,
    };
    if !api_keys::service::revoke(db, support.0.account.id, account.id, &key_id, &reason).await? {
        return Err(AppError::NotFound);
    }
    support
        .0
        .viewer
        .flash(true, Msg::new("support-key-revoked").arg("key", &key_id));
    Ok(see_other(&format!("/support/accounts/{}", account.id)))
}

#[derive(Deserialize)]
pub struct LinkForm {
    #[serde(default)]
    subject: String,
}

/// An operator links an identity at the provider (its subject, `sub`) to
/// an account: for someone whose first sign-in there was refused.
pub async fn link_sso(
    operator: Operator,
    path: web::Path<AccountId>,
    form: web::Form<LinkForm>,
    state: web::Data<AppState>,
) -> Result<HttpResponse, AppError> {
    let Some(settings) = &state.config.sso else {
        return Err(AppError::NotFound);
    };
    let db = &state.db;
    let account = accounts::service::by_id(db, *path).await?.ok_or(AppError::NotFound)?;
    let support = Support(operator.0);
    let subject = form.subject.trim();
    if subject.is_empty() || subject.chars().count() > 255 || subject.chars().any(char::is_control) {
        let err = AppError::invalid("subject", "sso-subject-invalid");
        return refused(&support, account.id, "sso", err, &state).await;
    }
    match crate::sso::service::link_by_operator(db, settings, support.0.account.id, &account, subject).await? {
        Ok(()) => {
            support.0.viewer.flash(
                true,
                Msg::new("sso-linked-by-operator").arg("username", &account.username),
            );
            Ok(see_other(&format!("/support/accounts/{}", account.id)))
        }
        Err(failure) => {
            let err = AppError::invalid_at("subject".to_string(), Msg::new(failure.message_key()));
            refused(&support, account.id, "sso", err, &state).await
        }
    }
}

/// An operator unlinks an account's identity (it signs in with its
/// password, or a reset link, after).
pub async fn unlink_sso(
    operator: Operator,
    path: web::Path<AccountId>,
    state: web::Data<AppState>,
) -> Result<HttpResponse, AppError> {
    let Some(settings) = &state.config.sso else {
        return Err(AppError::NotFound);
    };
    let db = &state.db;
    let account = accounts::service::by_id(db, *path).await?.ok_or(AppError::NotFound)?;
    if crate::sso::service::unlink(db, settings, operator.0.account.id, &account).await? {
        operator.0.viewer.flash(
            true,
            Msg::new("sso-unlinked-by-operator").arg("username", &account.username),
        );
    }
    Ok(see_other(&format!("/support/accounts/{}", account.id)))
}
