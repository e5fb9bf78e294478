//! `member-center order …`: credit orders, from quotation to credited.

use clap::Subcommand;

use super::explain;
use crate::{
    db::{self, Db},
    error::AppError,
    operator::service,
};

#[derive(Subcommand)]
pub(super) enum OrderCommand {
    /// Record an order as a quotation.
    Add {
        #[arg(long)]
        project: String,
        /// The order number, e.g. PO-2026-0042.
        number: String,
        /// Credits, up to four decimals.
        #[arg(long)]
        amount: String,
        #[arg(long, default_value = "")]
        note: String,
    },
    /// Mark a quotation paid.
    Pay { number: String },
    /// Credit a paid order to the project's wallet.
    Credit { number: String },
    /// Cancel a quotation or paid order.
    Cancel { number: String },
}

/// Runs an `order` command.
pub(super) async fn run(location: &db::Location, command: OrderCommand) -> anyhow::Result<()> {
    let db = db::open(location).await?;
    let (number, done) = match command {
        OrderCommand::Add {
            project,
            number,
            amount,
            note,
        } => {
            service::add_order(&db, None, &project, &number, &amount, &note)
                .await
                .map_err(explain)?;
            (number, "recorded as a quotation")
        }
        OrderCommand::Pay { number } => {
            advance_order(&db, &number, "paid").await?;
            (number, "marked paid")
        }
        OrderCommand::Credit { number } => {
            advance_order(&db, &number, "credited").await?;
            (number, "credited to the project wallet")
        }
        OrderCommand::Cancel { number } => {
            advance_order(&db, &number, "cancelled").await?;
            (number, "cancelled")
        }
    };
    println!("Order {number} {done}.");
    Ok(())
}

/// Moves an order on: `paid`, `credited` or `cancelled`.
async fn advance_order(db: &Db, number: &str, to: &str) -> anyhow::Result<()> {
    service::advance_order(db, None, number, to)
        .await
        .map_err(|err| match err {
            AppError::NotFound => anyhow::anyhow!("no order {number:?}"),
            other => explain(other),
        })
}
