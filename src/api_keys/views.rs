//! The pages and fragments of api_keys: askama templates and the view
//! models they show. No database and no rules here (`routes.rs` fills them).

use super::{KeyFilter, KeyOrder, KeyStatus, store};
use crate::{
    permissions::Service,
    web::{FieldErrors, Layout},
};
use askama::Template;
use std::{borrow::Cow, sync::Arc};

/// A key row as the list shows it.
pub struct KeyView {
    pub key: Arc<store::Key>,
    pub status: KeyStatus,
}

impl KeyView {
    pub(super) fn new(key: impl Into<Arc<store::Key>>, now: i64) -> Self {
        let key = key.into();
        let status = KeyStatus::of(&key, now);
        KeyView { key, status }
    }

    pub fn is_expired(&self) -> bool {
        self.status == KeyStatus::Expired
    }

    pub fn status_text(&self, l: &Layout) -> Cow<'static, str> {
        match self.status {
            KeyStatus::Active => l.t("key-status-active").into(),
            KeyStatus::ExpiresSoon { days } => l.t1("key-status-expires-in", "days", days).into(),
            KeyStatus::Expired => l.t("key-status-expired").into(),
            KeyStatus::Revoked => l.t("key-status-revoked").into(),
        }
    }

    /// When and by whom a revoked key was revoked.
    pub fn revoked_text(&self, l: &Layout) -> Option<String> {
        let at = self.key.revoked_at?;
        let by = self
            .key
            .revoked_by
            .clone()
            .unwrap_or_else(|| l.t("platform-role-support").to_string());
        Some(l.lang.t_args("key-revoked-by", &[("who", by), ("time", l.time(&at))]))
    }

    /// The key's scope when it is narrowed (services, read-only), or none
    /// for a key that may do all its owner may.
    pub fn scope_text(&self, l: &Layout) -> Option<String> {
        let scope = &self.key.scope;
        let services = scope.services.as_ref().map(|services| {
            if Service::ALL.iter().all(|s| services.contains(s)) {
                l.t("key-scope-all-services").to_string()
            } else {
                let names: Vec<&str> = services.iter().map(|s| l.t(s.label_key())).collect();
                names.join(l.t("activity-list-separator"))
            }
        });
        match (services, scope.read_only) {
            (None, false) => None,
            (None, true) => Some(l.t("key-scope-read-only").to_string()),
            (Some(services), false) => Some(services),
            (Some(services), true) => Some(format!("{services} · {}", l.t("key-scope-read-only"))),
        }
    }

    pub fn status_class(&self) -> &'static str {
        match self.status {
            KeyStatus::Active => "badge badge-ok",
            KeyStatus::ExpiresSoon { .. } => "badge badge-warn",
            KeyStatus::Expired | KeyStatus::Revoked => "badge badge-bad",
        }
    }
}

/// The key table and its pager: shown on the page and swapped in after changes.
pub struct KeyList {
    pub keys: Vec<KeyView>,
    pub page: i64,
    pub pages: i64,
    pub counts: store::KeyCounts,
    pub filter: KeyFilter,
    pub order: KeyOrder,
}

impl KeyList {
    /// The link to another page of the same filtered, ordered list.
    pub fn page_link(&self, page: &i64) -> String {
        let params = [("status", self.filter.as_str()), ("sort", self.order.as_str())];
        crate::web::page_link("/keys", &params, *page)
    }

    /// Whether the list shows only some of the keys.
    pub fn is_filtered(&self) -> bool {
        self.filter != KeyFilter::All
    }
}

#[derive(Template)]
#[template(path = "api_keys/list.html", blocks = ["content"])]
pub(super) struct ListPage {
    pub(super) l: Layout,
    pub(super) list: KeyList,
    pub(super) max_keys: i64,
    /// A secret just made (a new key, or a rotation), shown this once.
    pub(super) new_secret: Option<NewSecret>,
}

/// A secret just made, kept in the (encrypted) session between the POST
/// that made it and the key list that shows it once: a reload of either
/// makes no other.
#[derive(serde::Serialize, serde::Deserialize)]
pub(super) struct NewSecret {
    pub(super) key_id: String,
    pub(super) name: String,
    pub(super) secret: String,
    /// A new key's expiry; none for a rotation.
    pub(super) expires_at: Option<i64>,
    /// A rotation: until when the secret before works, if at all.
    pub(super) rotated: Option<Option<i64>>,
}

#[derive(Template)]
#[template(path = "api_keys/new.html", blocks = ["content"])]
pub(super) struct NewPage {
    pub(super) l: Layout,
    pub(super) name: String,
    pub(super) days: String,
    pub(super) max_days: i64,
    /// The services the person may use, and whether each is chosen.
    pub(super) services: Vec<(Service, bool)>,
    pub(super) read_only: bool,
    pub(super) errors: FieldErrors,
}

#[derive(Template)]
#[template(path = "api_keys/edit.html", blocks = ["content"])]
pub(super) struct EditPage {
    pub(super) l: Layout,
    pub(super) key: KeyView,
    pub(super) name: String,
    pub(super) extend_days: String,
    pub(super) overlap_hours: String,
    pub(super) errors: FieldErrors,
}

/// A rotated key's new secret, shown once.
#[derive(Template)]
#[template(path = "api_keys/delete.html", blocks = ["content"])]
pub(super) struct DeletePage {
    pub(super) l: Layout,
    pub(super) keys: Vec<store::Key>,
}

#[derive(Template)]
#[template(path = "api_keys/done.html")]
pub(super) struct DonePage {
    pub(super) l: Layout,
    pub(super) list: KeyList,
    pub(super) message: String,
}
