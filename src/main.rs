//! The `member-center` command: parse the command line, run it (`cli`).

use clap::Parser;
use member_center::cli::{self, Cli};

/// mimalloc: a page allocates and frees thousands of small strings, and
/// glibc's allocator took a fifth of the Quota page's instructions.
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

fn main() -> anyhow::Result<()> {
    tracing_subscriber::fmt()
        .with_env_filter(
            tracing_subscriber::EnvFilter::try_from_env("MC_LOG")
                .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new("info,sqlx=warn")),
        )
        .with_writer(std::io::stderr)
        .init();
    let cli = Cli::parse();
    actix_web::rt::System::new().block_on(cli::run(cli))
}
