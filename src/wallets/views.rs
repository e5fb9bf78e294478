//! The pages and fragments of wallets: askama templates and the view
//! models they show. No database and no rules here (`routes.rs` fills them).

use super::{
    CreditSum,
    store::{LedgerRow, Order, UsageSum, Wallet},
};
use crate::{projects::Member, web::FieldErrors, web::Layout};
use askama::Template;
use serde::Deserialize;

#[derive(Deserialize, Default, Clone)]
pub struct LedgerQuery {
    #[serde(default)]
    pub(super) from: String,
    #[serde(default)]
    pub(super) to: String,
    #[serde(default)]
    pub(super) member: String,
    pub(super) page: Option<i64>,
}

impl LedgerQuery {
    /// The query string that keeps these filters (for the pager and CSV link).
    pub fn keep(&self) -> String {
        let pairs = [("from", &self.from), ("to", &self.to), ("member", &self.member)];
        crate::web::query_keeping(&pairs)
    }
}

#[derive(Template)]
#[template(path = "wallets/wallet.html", blocks = ["content"])]
pub(super) struct WalletPage {
    pub(super) l: Layout,
    pub(super) tab: &'static str,
    pub(super) parent: Wallet,
    pub(super) subs: Vec<Wallet>,
    pub(super) members: Vec<Member>,
    pub(super) rows: Vec<LedgerRow>,
    pub(super) total: i64,
    pub(super) page: i64,
    pub(super) pages: i64,
    pub(super) query: LedgerQuery,
    pub(super) errors: FieldErrors,
    pub(super) transfer_member: String,
    pub(super) transfer_amount: String,
}

impl WalletPage {
    pub(super) fn without_sub_wallet(&self) -> Vec<&Member> {
        self.members
            .iter()
            .filter(|m| !self.subs.iter().any(|s| s.account_id == Some(m.account_id)))
            .collect()
    }

    pub(super) fn kind_key(&self, kind: &str) -> &'static str {
        match kind {
            "credit" => "ledger-credit",
            "debit" => "ledger-debit",
            "transfer" => "ledger-transfer",
            _ => "ledger-reversal",
        }
    }

    pub(super) fn is_member_filter(&self, member: &Member) -> bool {
        self.query.member == member.account_id.to_string()
    }
}

#[derive(Template)]
#[template(path = "wallets/remove.html", blocks = ["content"])]
pub(super) struct RemovePage {
    pub(super) l: Layout,
    pub(super) wallet: Wallet,
}

#[derive(Template)]
#[template(path = "wallets/usage.html", blocks = ["content"])]
pub(super) struct UsagePage {
    pub(super) l: Layout,
    pub(super) tab: &'static str,
    pub(super) sums: Vec<UsageSum>,
    pub(super) total_seconds: i64,
    pub(super) total_amount: CreditSum,
    pub(super) from: String,
    pub(super) to: String,
    pub(super) errors: FieldErrors,
}

impl UsagePage {
    pub(super) fn service_key(&self, code: &str) -> &'static str {
        crate::permissions::service_label_key(code)
    }

    pub(super) fn hours(&self, seconds: &i64) -> String {
        format!("{}.{:02}", seconds / 3600, (seconds % 3600) * 100 / 3600)
    }
}

#[derive(Template)]
#[template(path = "wallets/orders.html", blocks = ["content"])]
pub(super) struct OrdersPage {
    pub(super) l: Layout,
    pub(super) tab: &'static str,
    pub(super) orders: Vec<Order>,
}

impl OrdersPage {
    pub(super) fn status_key(&self, status: &str) -> &'static str {
        crate::wallets::order_status_key(status)
    }
}
