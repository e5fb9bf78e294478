//! The pages and fragments of activity: askama templates and the view
//! models they show. No database and no rules here (`routes.rs` fills them).

use super::store::{ApiCallRow, ChangeRow};
use crate::{projects::Member, web::FieldErrors, web::Layout};
use askama::Template;
use serde::Deserialize;

#[derive(Deserialize, Default, Clone)]
pub struct ActivityQuery {
    #[serde(default)]
    pub(super) stream: String,
    #[serde(default)]
    pub(super) member: String,
    #[serde(default)]
    pub(super) kind: String,
    #[serde(default)]
    pub(super) from: String,
    #[serde(default)]
    pub(super) to: String,
    pub(super) page: Option<i64>,
}

impl ActivityQuery {
    pub fn changes(&self) -> bool {
        self.stream == "changes"
    }

    pub fn keep(&self) -> String {
        let pairs = [
            ("stream", &self.stream),
            ("member", &self.member),
            ("kind", &self.kind),
            ("from", &self.from),
            ("to", &self.to),
        ];
        crate::web::query_keeping(&pairs)
    }
}

#[derive(Template)]
#[template(path = "activity/page.html")]
pub(super) struct ActivityPage {
    pub(super) l: Layout,
    pub(super) query: ActivityQuery,
    pub(super) members: Vec<Member>,
    pub(super) calls: Vec<ApiCallRow>,
    pub(super) changes: Vec<ChangeRow>,
    pub(super) page: i64,
    pub(super) more: bool,
    pub(super) errors: FieldErrors,
    pub(super) kinds: [&'static str; 8],
}

impl ActivityPage {
    pub(super) fn is_member(&self, member: &Member) -> bool {
        self.query.member == member.account_id.to_string()
    }

    pub(super) fn latency(&self, micros: &i64) -> String {
        format!("{}.{:01} ms", micros / 1000, (micros % 1000) / 100)
    }

    pub(super) fn kind_key(&self, kind: &str) -> &'static str {
        match kind {
            "key" => "activity-kind-key",
            "quota" => "activity-kind-quota",
            "member" => "activity-kind-member",
            "wallet" => "activity-kind-wallet",
            "order" => "activity-kind-order",
            "account" => "activity-kind-account",
            "project" => "activity-kind-project",
            _ => "activity-kind-support",
        }
    }
}
