//! Bar charts drawn on the server as SVG: they work without JavaScript,
//! print, and carry a title for screen readers (each page shows the
//! chart's figures as a table as well). Used by the wallet's Usage tab and
//! the API's usage over time.

use std::fmt::Write;

/// One bar of stacked parts, left to right.
pub struct Column {
    /// Under the bar (every few bars): `11-29` of `2026-11-29`.
    pub label: String,
    /// The parts, bottom up: CSS class, value, tooltip.
    pub parts: Vec<(String, f64, String)>,
}

/// A stacked bar chart: `id` names its title element (unique on the page),
/// `decimals` is whether the axis needs them for values below 8.
pub fn stacked_bars(id: &str, title: &str, columns: &[Column], decimals: bool) -> String {
    // The drawing's size and margins (the axis labels sit in them).
    const WIDTH: f64 = 720.0;
    const HEIGHT: f64 = 240.0;
    const LEFT: f64 = 64.0;
    const RIGHT: f64 = 8.0;
    const TOP: f64 = 12.0;
    const BOTTOM: f64 = 28.0;
    let (plot_width, plot_height) = (WIDTH - LEFT - RIGHT, HEIGHT - TOP - BOTTOM);
    let tallest = columns
        .iter()
        .map(|c| c.parts.iter().map(|(_, value, _)| value.max(0.0)).sum::<f64>())
        .fold(0.0, f64::max);
    let top = nice_ceiling(tallest);
    let y = |value: f64| TOP + plot_height - value / top * plot_height;
    let slot = plot_width / columns.len().max(1) as f64;
    let mut svg = String::with_capacity(4096 + columns.len() * 480);
    let _ = write!(
        svg,
        r#"<svg class="usage-chart" viewBox="0 0 {WIDTH} {HEIGHT}" role="img" aria-labelledby="{id}"><title id="{id}">{}</title>"#,
        escape(title)
    );
    // Four gridlines, labelled.
    for step in 0..=4 {
        let value = top * f64::from(step) / 4.0;
        let at = y(value);
        let label = if top >= 8.0 || !decimals {
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
    let label_every = columns.len().div_ceil(8).max(1);
    for (index, column) in columns.iter().enumerate() {
        let x = LEFT + slot * index as f64 + slot * 0.1;
        let mut base = 0.0;
        for (class, value, tip) in &column.parts {
            if *value <= 0.0 {
                continue;
            }
            let (upper, lower) = (y(base + value), y(base));
            let _ = write!(
                svg,
                r#"<rect class="bar {class}" x="{x:.1}" y="{upper:.1}" width="{:.1}" height="{:.1}"><title>{}</title></rect>"#,
                slot * 0.8,
                (lower - upper).max(0.5),
                escape(tip)
            );
            base += value;
        }
        if index % label_every == 0 {
            let _ = write!(
                svg,
                r#"<text class="axis" x="{:.1}" y="{}" text-anchor="middle">{}</text>"#,
                x + slot * 0.4,
                HEIGHT - 8.0,
                escape(&column.label)
            );
        }
    }
    svg.push_str("</svg>");
    svg
}

/// `2026-11-29` for a day counted since 1970-01-01.
pub fn date_of(day: i64) -> String {
    day.checked_add(2_440_588)
        .and_then(|julian| i32::try_from(julian).ok())
        .and_then(|julian| time::Date::from_julian_day(julian).ok())
        .map_or_else(|| day.to_string(), |date| date.to_string())
}

/// `11-29` of `2026-11-29`: a date under a bar.
pub fn short_date(date: &str) -> String {
    date.get(5..).unwrap_or(date).to_string()
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn scales_end_on_one_two_or_five_and_days_count_from_1970() {
        let ceilings: Vec<f64> = [0.0, 1.0, 1.5, 3.0, 10.0, 11.0, 287.0].map(nice_ceiling).to_vec();
        assert_eq!(ceilings, [1.0, 1.0, 2.0, 5.0, 10.0, 20.0, 500.0]);
        assert_eq!(date_of(0), "1970-01-01");
        assert_eq!(date_of(20_786), "2026-11-29");
        // Out of the calendar's range: the number itself, never a panic.
        assert_eq!(date_of(i64::MAX), i64::MAX.to_string());
        assert_eq!(short_date("2026-11-29"), "11-29");
        assert_eq!(short_date("42"), "42");
    }

    #[test]
    fn bars_are_drawn_with_their_tips_escaped_and_nothing_for_empty_parts() {
        let columns = [
            Column {
                label: "11-28".into(),
                parts: vec![("ok".into(), 3.0, "<3>".into()), ("bad".into(), 0.0, "none".into())],
            },
            Column {
                label: "11-29".into(),
                parts: vec![("ok".into(), 1.0, "one".into())],
            },
        ];
        let svg = stacked_bars("t", "Calls & more", &columns, false);
        assert!(svg.contains(r#"<title id="t">Calls &amp; more</title>"#));
        assert_eq!(svg.matches("<rect").count(), 2);
        assert!(svg.contains("&lt;3&gt;") && !svg.contains("none"));
        assert!(svg.ends_with("</svg>"));
        // No columns: an empty plot, never a division by zero.
        assert!(stacked_bars("t", "x", &[], true).contains("<line"));
    }
}
