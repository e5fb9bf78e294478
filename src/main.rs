//! The `member-center` command: parse the command line, run it (`cli`).

use member_center::cli;

/// mimalloc: a page allocates and frees thousands of small strings, and
/// glibc's allocator took a fifth of the Quota page's instructions.
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

fn main() -> anyhow::Result<()> {
    without_huge_pages();
    tracing_subscriber::fmt()
        .with_env_filter(
            tracing_subscriber::EnvFilter::try_from_env("MC_LOG")
                .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new("info,sqlx=warn")),
        )
        .with_writer(std::io::stderr)
        .init();
    let parsed = cli::config_file::parse(std::env::args_os().collect())?;
    actix_web::rt::System::new().block_on(cli::run(parsed))
}

/// Turns transparent huge pages off for this process. mimalloc asks for them
/// and gives memory it no longer uses back to the system; under load the
/// same memory is soon touched again, and the kernel then clears a 2 MB page
/// each time instead of a 4 KB one: an eighth of the server's time under the
/// admissions load, on the cores the database needs (BENCHMARKS.md).
fn without_huge_pages() {
    #[cfg(target_os = "linux")]
    // SAFETY: PR_SET_THP_DISABLE takes plain integers and only sets a flag
    // of this process; nothing is read or written through a pointer.
    unsafe {
        libc::prctl(libc::PR_SET_THP_DISABLE, 1, 0, 0, 0);
    }
}
