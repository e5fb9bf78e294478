//! The pages and fragments of support: askama templates and the view
//! models they show. No database and no rules here (`routes.rs` fills them).

use crate::{
    accounts::Account,
    activity::service::ChangeRow,
    api_keys::service::Key,
    projects::Tenant,
    quotas::{Gauge, QuotaService, views::gauge_text},
    wallets::Credits,
    web::FieldErrors,
    web::Layout,
};
use askama::Template;

#[derive(Template)]
#[template(path = "support/search.html")]
pub(super) struct SearchPage {
    pub(super) l: Layout,
    pub(super) q: String,
    pub(super) results: Vec<Account>,
}

/// One of the account's projects, with what support needs to see of it.
pub struct ProjectView {
    pub tenant: Tenant,
    pub gauges: Vec<(QuotaService, Vec<Gauge>)>,
    pub project_balance: Credits,
    pub sub_wallet: Option<Credits>,
}

#[derive(Template)]
#[template(path = "support/account.html")]
pub(super) struct AccountPage {
    pub(super) l: Layout,
    pub(super) account: Account,
    pub(super) projects: Vec<ProjectView>,
    pub(super) keys: Vec<Key>,
    pub(super) changes: Vec<(ChangeRow, usize)>,
    /// Whether the viewer's platform role lets them act on this account.
    pub(super) may_act: bool,
    /// Whether the account has a second factor (support may reset it).
    pub(super) two_factor: bool,
    /// Its sign-in through the identity provider, when that is on
    /// (operators link or unlink it here).
    pub(super) sso: Option<crate::auth::service::SsoStatus>,
    /// Whether the viewer is an operator.
    pub(super) operator: bool,
    pub(super) errors: FieldErrors,
    /// Which action form the errors belong to.
    pub(super) active: String,
}

impl AccountPage {
    pub(super) fn gauge(&self, gauge: &Gauge) -> String {
        gauge_text(&self.l, gauge)
    }

    pub(super) fn role_key(&self) -> &'static str {
        self.account.platform_role.label_key()
    }

    pub(super) fn key_expired(&self, key: &Key) -> bool {
        key.expires_at <= crate::db::now()
    }

    pub(super) fn error(&self, form: &str, field: &str) -> Option<&str> {
        if self.active == form {
            self.errors.get(field)
        } else {
            None
        }
    }
}
