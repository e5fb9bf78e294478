//! The pages and fragments of operator: askama templates and the view
//! models they show. No database and no rules here (`routes.rs` fills them).

use crate::{quotas::QuotaService, wallets::service::Order, web::FieldErrors, web::Layout};
use askama::Template;
use std::collections::HashMap;

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
    pub(super) services: [QuotaService; 2],
}

impl ConsolePage {
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
}
