//! CSV exports, streamed: rows are fetched a page at a time and sent as
//! they come, so a large export never sits in memory whole.

use actix_web::{HttpResponse, web::Bytes};
use futures_util::{future::LocalBoxFuture, stream};
use tokio::sync::mpsc;

/// One page of rows, and the cursor of the next page (`None`: done).
pub type CsvPage = anyhow::Result<(Vec<Vec<String>>, Option<i64>)>;

/// Rows read for each page of an export.
pub const PAGE_ROWS: i64 = 1000;

/// The cursor of the page after `rows` (its last row's ID), or `None` when
/// `rows` was not a full page and so the last.
pub fn next_cursor<T>(rows: &[T], id: impl Fn(&T) -> i64) -> Option<i64> {
    (rows.len() as i64 == PAGE_ROWS).then(|| rows.last().map(id)).flatten()
}

/// A spreadsheet must not take a cell for a formula.
fn cell(value: &str) -> String {
    if value.starts_with(['=', '+', '@', '\t', '\r']) || (value.starts_with('-') && value.parse::<f64>().is_err()) {
        format!("'{value}")
    } else {
        value.to_string()
    }
}

fn encode(rows: &[Vec<String>]) -> Bytes {
    let mut writer = csv::Writer::from_writer(Vec::new());
    for row in rows {
        // Writing to memory cannot fail.
        let _ = writer.write_record(row.iter().map(|v| cell(v)));
    }
    Bytes::from(writer.into_inner().unwrap_or_default())
}

/// A streamed CSV download: `header`, then every page `next` yields,
/// starting from cursor `None`.
pub fn response(
    filename: &str,
    header: &[&str],
    mut next: impl FnMut(Option<i64>) -> LocalBoxFuture<'static, CsvPage> + 'static,
) -> HttpResponse {
    let (sender, receiver) = mpsc::channel::<Bytes>(4);
    let header: Vec<String> = header.iter().map(|h| h.to_string()).collect();
    actix_web::rt::spawn(async move {
        if sender.send(encode(&[header])).await.is_err() {
            return;
        }
        let mut cursor = None;
        loop {
            match next(cursor).await {
                Ok((rows, following)) => {
                    if !rows.is_empty() && sender.send(encode(&rows)).await.is_err() {
                        return; // the client went away
                    }
                    match following {
                        Some(c) => cursor = Some(c),
                        None => return,
                    }
                }
                Err(err) => {
                    tracing::error!(error = format!("{err:#}"), "CSV export stopped");
                    return;
                }
            }
        }
    });
    let body = stream::unfold(receiver, |mut receiver| async move {
        receiver
            .recv()
            .await
            .map(|chunk| (Ok::<_, actix_web::Error>(chunk), receiver))
    });
    HttpResponse::Ok()
        .content_type("text/csv; charset=utf-8")
        .insert_header(("Content-Disposition", format!("attachment; filename=\"{filename}\"")))
        .insert_header(("Cache-Control", "no-store"))
        .streaming(body)
}
