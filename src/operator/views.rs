//! The pages and fragments of operator: askama templates and the view
//! models they show. No database and no rules here (`routes.rs` fills them).

use crate::{
    accounts::{PlatformRole, service::AccountSummary},
    auth::identity::TenantRole,
    projects::{Member, service::ProjectSummary},
    quotas::{Gauge, QuotaService, Resource},
    wallets::service::Order,
    web::FieldErrors,
    web::Layout,
};
use askama::Template;
use serde::Deserialize;
use std::collections::HashMap;

/// Which list the console shows, searched and paged: `?list=accounts&q=…&page=2`
/// (on a project's page, its members).
#[derive(Deserialize, Default, Clone)]
pub struct DirectoryQuery {
    #[serde(default)]
    pub(super) list: String,
    #[serde(default)]
    pub(super) q: String,
    pub(super) page: Option<i64>,
    /// The project whose page this is (from the path, never the query).
    #[serde(skip)]
    pub(super) project: Option<String>,
}

impl DirectoryQuery {
    pub(super) fn accounts(&self) -> bool {
        self.list == "accounts"
    }
}

/// The list at the top of the console: projects or accounts; or one
/// project with its members and quotas.
pub(super) enum Directory {
    Projects(Vec<ProjectSummary>),
    Accounts(Vec<AccountSummary>),
    Project {
        summary: ProjectSummary,
        members: Vec<Member>,
        quotas: Vec<(QuotaService, Vec<Gauge>)>,
    },
}

/// `/operator/projects/MST110001`.
pub(super) fn project_path(code: &str) -> String {
    let code: String = form_urlencoded::byte_serialize(code.as_bytes()).collect();
    format!("/operator/projects/{code}")
}

#[derive(Template)]
#[template(path = "operator/console.html")]
pub(super) struct ConsolePage {
    pub(super) l: Layout,
    /// Which form was sent (its errors and values are shown there).
    pub(super) active: &'static str,
    pub(super) values: HashMap<String, String>,
    pub(super) errors: FieldErrors,
    /// A new account's first-password link, shown once.
    pub(super) link: Option<(String, String)>,
    pub(super) orders: Vec<Order>,
    pub(super) services: [QuotaService; 3],
    pub(super) query: DirectoryQuery,
    pub(super) directory: Directory,
    /// How many match the search, the page shown and the number of pages.
    pub(super) total: i64,
    pub(super) page: i64,
    pub(super) pages: i64,
    /// How the emailing of notices stands.
    pub(super) delivery: crate::notices::service::Delivery,
    pub(super) email_on: bool,
}

impl ConsolePage {
    /// The directory search box's label: of accounts or of projects.
    pub(super) fn directory_search_key(&self) -> &'static str {
        if self.query.accounts() {
            "operator-search-accounts"
        } else {
            "operator-search-projects"
        }
    }
    pub(super) fn value(&self, form: &str, field: &str) -> &str {
        if self.active == form {
            self.values.get(field).map(String::as_str).unwrap_or("")
        } else {
            ""
        }
    }

    pub(super) fn error(&self, form: &str, field: &str) -> Option<&str> {
        if self.active == form {
            self.errors.get(field)
        } else {
            None
        }
    }

    pub(super) fn next_steps(&self, order: &Order) -> &'static [&'static str] {
        match order.status.as_str() {
            "quotation" => &["paid", "cancelled"],
            "paid" => &["credited", "cancelled"],
            _ => &[],
        }
    }

    pub(super) fn step_key(&self, step: &str) -> &'static str {
        match step {
            "paid" => "operator-order-pay",
            "credited" => "operator-order-credit",
            _ => "operator-order-cancel",
        }
    }

    pub(super) fn status_key(&self, status: &str) -> &'static str {
        crate::wallets::order_status_key(status)
    }

    pub(super) fn page_link(&self, page: &i64) -> String {
        if let Some(code) = &self.query.project {
            return crate::web::page_link(&project_path(code), &[("q", self.query.q.trim())], *page);
        }
        let list = if self.query.accounts() { "accounts" } else { "projects" };
        crate::web::page_link("/operator", &[("list", list), ("q", self.query.q.trim())], *page)
    }

    pub(super) fn project_link(&self, code: &str) -> String {
        project_path(code)
    }

    /// A project quota form's value: what was sent to this service's form,
    /// else the quota now (-1: unlimited).
    pub(super) fn quota_value(&self, service: &str, gauge: &Gauge) -> String {
        if self.active == "quota" && self.values.get("service").map(String::as_str) == Some(service) {
            return self.value("quota", gauge.resource.code()).to_string();
        }
        gauge.quota().to_string()
    }

    pub(super) fn quota_error(&self, service: &str, field: &str) -> Option<&str> {
        let this_form = self.values.get("service").map(String::as_str) == Some(service);
        self.error("quota", field).filter(|_| this_form)
    }

    pub(super) fn role_label_key(&self, role: &TenantRole) -> &'static str {
        role.label_key()
    }

    pub(super) fn resource_key(&self, resource: &Resource) -> &'static str {
        resource.label_key()
    }

    pub(super) fn balance(&self, units: &i64) -> String {
        crate::wallets::Credits(*units).to_string()
    }

    pub(super) fn role_key(&self, role: &str) -> &'static str {
        PlatformRole::parse(role).unwrap_or(PlatformRole::None).label_key()
    }

    pub(super) fn account_status_key(&self, status: &str) -> &'static str {
        if status == "locked" {
            "account-locked"
        } else {
            "account-active"
        }
    }

    pub(super) fn project_status_key(&self, status: &str) -> &'static str {
        crate::auth::identity::project_status_key(status)
    }
}
