//! The pages and fragments of wallets: askama templates and the view
//! models they show. No database and no rules here (`routes.rs` fills them).

use super::{
    CreditSum,
    store::{DailyUsage, LedgerRow, Order, UsageSum, Wallet},
};
use crate::{
    projects::Member,
    web::{FieldErrors, Layout, chart},
};
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
    /// Rows a page.
    pub(super) per_page: i64,
    pub(super) query: LedgerQuery,
    pub(super) errors: FieldErrors,
    pub(super) transfer_member: String,
    pub(super) transfer_amount: String,
    /// The project wallet's warning threshold as typed or set ('': the default).
    pub(super) warn_below: String,
}

impl WalletPage {
    /// A row's number in the listing: the oldest of what the filter
    /// matches is 1, without gaps (the ledger's IDs are every project's).
    pub(super) fn number(&self, index: &usize) -> i64 {
        let index = i64::try_from(*index).unwrap_or(i64::MAX);
        self.total - (self.page - 1) * self.per_page - index
    }

    /// A row's detail in words, from what was recorded: a transfer's two
    /// wallets, a metered use's resource, time and rate, an order's number.
    pub(super) fn detail(&self, row: &LedgerRow) -> String {
        let l = &self.l;
        let detail = row.detail.as_str();
        // `parent → bob`, `bob → parent`, `bob → parent (sub-wallet removed)`.
        if let Some((from, to)) = detail.split_once(" → ") {
            let (to, removed) = match to.strip_suffix(" (sub-wallet removed)") {
                Some(to) => (to, true),
                None => (to, false),
            };
            let text = match (from, to) {
                ("parent", member) => l.t1("ledger-detail-to-sub", "member", member),
                (member, "parent") if removed => l.t1("ledger-detail-sub-removed", "member", member),
                (member, "parent") => l.t1("ledger-detail-to-parent", "member", member),
                _ => detail.to_string(),
            };
            return text;
        }
        // `hpc-job 41 gpu 7200 4 1 10.0000 100.0000 train model`.
        if let Some(words) = hpc_job_words(detail, l) {
            return words;
        }
        // `order PO-2026-0001`.
        if let Some(number) = detail.strip_prefix("order ") {
            return l.t1("ledger-detail-order", "number", number);
        }
        // `notebook-7 5400 s × 82.0000/h`.
        let parts: Vec<&str> = detail.split(' ').collect();
        if let [resource, seconds, "s", "×", rate] = parts.as_slice()
            && let (Ok(seconds), Some(rate)) = (seconds.parse::<i64>(), rate.strip_suffix("/h"))
        {
            let hundredths = (seconds * 100 + 1800) / 3600;
            let hours = format!("{}.{:02}", hundredths / 100, hundredths % 100);
            return l.lang.t_args(
                "ledger-detail-usage",
                &[
                    ("resource", resource.to_string()),
                    ("hours", hours),
                    ("rate", rate.to_string()),
                ],
            );
        }
        detail.to_string()
    }

    pub(super) fn without_sub_wallet(&self) -> Vec<&Member> {
        self.members
            .iter()
            .filter(|m| !self.subs.iter().any(|s| s.account_id == Some(m.account_id)))
            .collect()
    }

    pub(super) fn service_key(&self, code: &str) -> &'static str {
        crate::permissions::service_label_key(code)
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
    /// Credits a day and service, drawn; `None` when nothing was used.
    pub(super) chart: Option<UsageChart>,
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

/// The most days the usage chart draws (the latest ones of the range), and
/// the fewest: a range of a day or two still shows the two weeks before.
const CHART_DAYS: usize = 92;
const CHART_MIN_DAYS: i64 = 14;

/// The daily-usage chart of the Usage tab: one stacked bar a day, one colour
/// a service, drawn on the server as SVG (works without JavaScript, prints),
/// with its figures as a table for whoever cannot see it.
pub(super) struct UsageChart {
    /// Service codes, in the order the bars stack them.
    pub(super) services: Vec<String>,
    pub(super) days: Vec<ChartDay>,
    pub(super) svg: String,
}

pub(super) struct ChartDay {
    /// `2026-11-29`.
    pub(super) date: String,
    /// One amount a service, in `UsageChart::services` order.
    pub(super) amounts: Vec<CreditSum>,
    pub(super) total: CreditSum,
}

impl UsageChart {
    /// From days counted since the epoch (in the viewer's zone), oldest
    /// first; days without usage between the first and last are drawn empty.
    pub(super) fn new(rows: &[DailyUsage], l: &Layout) -> Option<UsageChart> {
        let (first, last) = (rows.first()?.day, rows.last()?.day);
        let first = first.max(last - CHART_DAYS as i64 + 1).min(last - CHART_MIN_DAYS + 1);
        let mut services: Vec<String> = rows.iter().map(|r| r.service.clone()).collect();
        services.sort_by_key(|code| crate::permissions::Service::parse(code).map(|s| s as usize));
        services.dedup();
        let days: Vec<ChartDay> = (first..=last)
            .map(|day| {
                let amounts: Vec<CreditSum> = services
                    .iter()
                    .map(|code| {
                        rows.iter()
                            .filter(|r| r.day == day && &r.service == code)
                            .map(|r| r.amount)
                            .sum()
                    })
                    .collect();
                ChartDay {
                    date: chart::date_of(day),
                    total: amounts.iter().copied().sum(),
                    amounts,
                }
            })
            .collect();
        let svg = draw(&services, &days, l);
        Some(UsageChart { services, days, svg })
    }

    pub(super) fn service_key(&self, code: &str) -> &'static str {
        crate::permissions::service_label_key(code)
    }
}

/// Credits as a number for drawing (exact amounts are in the table).
fn credits(sum: CreditSum) -> f64 {
    sum.0 as f64 / super::SCALE as f64
}

fn draw(services: &[String], days: &[ChartDay], l: &Layout) -> String {
    let columns: Vec<chart::Column> = days
        .iter()
        .map(|day| chart::Column {
            label: chart::short_date(&day.date),
            parts: services
                .iter()
                .zip(&day.amounts)
                .map(|(code, amount)| {
                    let tip = l.lang.t_args(
                        "usage-chart-tip",
                        &[
                            ("date", day.date.clone()),
                            ("service", l.t(crate::permissions::service_label_key(code)).to_string()),
                            ("amount", amount.to_string()),
                        ],
                    );
                    (format!("svc-{code}"), credits(*amount), tip)
                })
                .collect(),
        })
        .collect();
    chart::stacked_bars("usage-chart-title", l.t("usage-chart-title"), &columns, true)
}

/// An HPC job's ledger detail (`service::hpc_job_detail`) in words.
fn hpc_job_words(detail: &str, l: &Layout) -> Option<String> {
    let rest = detail.strip_prefix("hpc-job ")?;
    let parts: Vec<&str> = rest.splitn(8, ' ').collect();
    let [id, partition, elapsed, cpus, gpus, cpu_rate, gpu_rate, name] = parts[..] else {
        return None;
    };
    let elapsed: i64 = elapsed.parse().ok()?;
    let hundredths = (elapsed * 100 + 1800) / 3600;
    Some(l.lang.t_args(
        "ledger-detail-hpc-job",
        &[
            ("id", id.to_string()),
            ("name", name.to_string()),
            ("partition", partition.to_string()),
            ("hours", format!("{}.{:02}", hundredths / 100, hundredths % 100)),
            ("cpus", cpus.to_string()),
            ("gpus", gpus.to_string()),
            ("cpu_rate", cpu_rate.to_string()),
            ("gpu_rate", gpu_rate.to_string()),
        ],
    ))
}

/// A month's statement of the project's wallets.
#[derive(Template)]
#[template(path = "wallets/statement.html", blocks = ["content"])]
pub(super) struct StatementPage {
    pub(super) l: Layout,
    pub(super) tab: &'static str,
    /// The page's address: `/account/statement` or support's.
    pub(super) path: String,
    pub(super) code: String,
    pub(super) name: String,
    /// A tenant admin's own project, in the account's tabs (support's page has none).
    pub(super) in_account_tabs: bool,
    pub(super) month: String,
    pub(super) previous: String,
    pub(super) next: String,
    pub(super) opening: CreditSum,
    pub(super) credits: CreditSum,
    /// Debits by service (code; none: not a service's) and by person, as positive sums.
    pub(super) by_service: Vec<(Option<String>, CreditSum)>,
    pub(super) by_member: Vec<(Option<String>, CreditSum)>,
    pub(super) debits: CreditSum,
    /// Transfers between the project's wallets (0 when all stayed inside it) and reversals.
    pub(super) other: CreditSum,
    pub(super) closing: CreditSum,
    pub(super) errors: FieldErrors,
}

impl StatementPage {
    pub(super) fn service_name(&self, code: &Option<String>) -> String {
        match code {
            Some(code) => self.l.t(crate::permissions::service_label_key(code)).to_string(),
            None => self.l.t("statement-no-service").to_string(),
        }
    }
}
