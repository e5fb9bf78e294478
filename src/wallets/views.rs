//! The pages and fragments of wallets: askama templates and the view
//! models they show. No database and no rules here (`routes.rs` fills them).

use super::{
    CreditSum,
    store::{DailyUsage, LedgerRow, Order, UsageSum, Wallet},
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
                    date: date_of(day),
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

/// `2026-11-29` for a day counted since 1970-01-01.
fn date_of(day: i64) -> String {
    day.checked_add(2_440_588)
        .and_then(|julian| i32::try_from(julian).ok())
        .and_then(|julian| time::Date::from_julian_day(julian).ok())
        .map_or_else(|| day.to_string(), |date| date.to_string())
}

/// Credits as a number for drawing (exact amounts are in the table).
fn credits(sum: CreditSum) -> f64 {
    sum.0 as f64 / super::SCALE as f64
}

/// The first of 1, 2 or 5 × 10ⁿ at or above `value` (at least 1).
fn nice_ceiling(value: f64) -> f64 {
    let mut step = 1.0;
    while step < value {
        for factor in [2.0, 2.5, 2.0] {
            step *= factor;
            if step >= value {
                return step;
            }
        }
    }
    step
}

fn escape(text: &str) -> String {
    text.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
        .replace('"', "&quot;")
}

fn draw(services: &[String], days: &[ChartDay], l: &Layout) -> String {
    use std::fmt::Write;
    // The drawing's size and margins (the axis labels sit in them).
    const WIDTH: f64 = 720.0;
    const HEIGHT: f64 = 240.0;
    const LEFT: f64 = 64.0;
    const RIGHT: f64 = 8.0;
    const TOP: f64 = 12.0;
    const BOTTOM: f64 = 28.0;
    let (plot_width, plot_height) = (WIDTH - LEFT - RIGHT, HEIGHT - TOP - BOTTOM);
    let top = nice_ceiling(days.iter().map(|d| credits(d.total)).fold(0.0, f64::max));
    let y = |value: f64| TOP + plot_height - value / top * plot_height;
    let slot = plot_width / days.len() as f64;
    let title = l.t("usage-chart-title");
    let mut svg = String::with_capacity(4096 + days.len() * services.len() * 160);
    let _ = write!(
        svg,
        r#"<svg class="usage-chart" viewBox="0 0 {WIDTH} {HEIGHT}" role="img" aria-labelledby="usage-chart-title"><title id="usage-chart-title">{}</title>"#,
        escape(title)
    );
    // Four gridlines, labelled in credits.
    for step in 0..=4 {
        let value = top * f64::from(step) / 4.0;
        let at = y(value);
        let label = if top >= 8.0 {
            format!("{value:.0}")
        } else {
            format!("{value:.2}")
        };
        let _ = write!(
            svg,
            r#"<line class="grid" x1="{LEFT}" x2="{}" y1="{at:.1}" y2="{at:.1}"/><text class="axis" x="{}" y="{:.1}" text-anchor="end">{label}</text>"#,
            WIDTH - RIGHT,
            LEFT - 6.0,
            at + 4.0
        );
    }
    let label_every = days.len().div_ceil(8);
    for (index, day) in days.iter().enumerate() {
        let x = LEFT + slot * index as f64 + slot * 0.1;
        let mut base = 0.0;
        for (code, amount) in services.iter().zip(&day.amounts) {
            if amount.0 <= 0 {
                continue;
            }
            let value = credits(*amount);
            let (upper, lower) = (y(base + value), y(base));
            let tip = l.lang.t_args(
                "usage-chart-tip",
                &[
                    ("date", day.date.clone()),
                    ("service", l.t(crate::permissions::service_label_key(code)).to_string()),
                    ("amount", amount.to_string()),
                ],
            );
            let _ = write!(
                svg,
                r#"<rect class="bar svc-{code}" x="{x:.1}" y="{upper:.1}" width="{:.1}" height="{:.1}"><title>{}</title></rect>"#,
                slot * 0.8,
                (lower - upper).max(0.5),
                escape(&tip)
            );
            base += value;
        }
        if index % label_every == 0 {
            let _ = write!(
                svg,
                r#"<text class="axis" x="{:.1}" y="{}" text-anchor="middle">{}</text>"#,
                x + slot * 0.4,
                HEIGHT - 8.0,
                day.date.get(5..).unwrap_or(&day.date)
            );
        }
    }
    svg.push_str("</svg>");
    svg
}

#[cfg(test)]
mod tests {
    #[test]
    fn chart_scales_end_on_one_two_or_five_and_days_count_from_1970() {
        let ceilings: Vec<f64> = [0.0, 1.0, 1.5, 3.0, 10.0, 11.0, 287.0]
            .map(super::nice_ceiling)
            .to_vec();
        assert_eq!(ceilings, [1.0, 1.0, 2.0, 5.0, 10.0, 20.0, 500.0]);
        assert_eq!(super::date_of(0), "1970-01-01");
        assert_eq!(super::date_of(20_786), "2026-11-29");
        // Out of the calendar's range: the number itself, never a panic.
        assert_eq!(super::date_of(i64::MAX), i64::MAX.to_string());
    }
}
