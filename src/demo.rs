//! Demo data for `serve --demo`: a few accounts and two projects, loaded
//! only into an empty database.

use crate::{
    accounts::{self, DisplayName, Email, PlatformRole, Username, store::NewAccount},
    db::Db,
    projects, quota_requests,
    quotas::{self, QuotaLimit, QuotaService, Resource},
    wallets::{self, Credits, service::Direction},
};

pub const PASSWORD: &str = "demo-password";

/// The demo accounts: username, display name, platform role, what they are.
pub const ACCOUNTS: [(&str, &str, PlatformRole, &str); 5] = [
    ("operator", "Olivia Operator", PlatformRole::Operator, "operator"),
    ("support", "Sam Support", PlatformRole::Support, "support staff"),
    (
        "alice",
        "Alice Chen",
        PlatformRole::None,
        "tenant admin of MST110001, tenant user of MST110002",
    ),
    ("bob", "Bob Lin", PlatformRole::None, "tenant user of MST110001"),
    ("carol", "Carol Wang", PlatformRole::None, "tenant admin of MST110002"),
];

/// Loads the demo data if there are no accounts yet. Returns whether it did.
pub async fn load_if_empty(db: &Db) -> anyhow::Result<bool> {
    if accounts::service::count(db).await? > 0 {
        return Ok(false);
    }
    // One hash for all: they share the password, and hashing is slow on purpose.
    let password_hash = crate::auth::password::hash_blocking(PASSWORD)?;
    for (username, name, platform_role, _) in ACCOUNTS {
        let new = NewAccount {
            username: &Username::parse(username)?,
            display_name: &DisplayName::parse(name)?,
            email: &Email::parse(&format!("{username}@example.org"))?,
            password_hash: &password_hash,
            platform_role,
        };
        accounts::service::create(db, new).await?;
    }
    crate::operator::service::create_project(db, None, "MST110001", "Deep Learning Lab", None, None).await?;
    crate::operator::service::create_project(db, None, "MST110002", "Climate Sim", None, None).await?;
    for (project, username, role) in [
        ("MST110001", "alice", "tenant_admin"),
        ("MST110001", "bob", "tenant_user"),
        ("MST110002", "carol", "tenant_admin"),
        ("MST110002", "alice", "tenant_user"),
    ] {
        crate::operator::service::add_member(db, None, project, username, role).await?;
    }
    let quota = |cpu, gpu, memory| [("cpu", Some(cpu)), ("gpu", Some(gpu)), ("memory", Some(memory))];
    crate::operator::service::set_project_quota(db, None, "MST110001", "ccs", &quota("64", "8", "512")).await?;
    crate::operator::service::set_project_quota(
        db,
        None,
        "MST110001",
        "vcs",
        &[
            ("cpu", Some("32")),
            ("gpu", Some("2")),
            ("memory", Some("256")),
            ("floating_ip", Some("4")),
        ],
    )
    .await?;
    crate::operator::service::set_project_quota(db, None, "MST110002", "ccs", &quota("16", "2", "128")).await?;
    crate::operator::service::set_project_quota(db, None, "MST110002", "vcs", &quota("16", "0", "64")).await?;

    // Some usage, so the quota page has something to show.
    let missing = |what: &str| anyhow::anyhow!("the demo data lacks {what}");
    let lab = projects::service::by_code(db, "MST110001")
        .await?
        .ok_or_else(|| missing("MST110001"))?
        .id;
    let alice = accounts::service::by_username(db, "alice")
        .await?
        .ok_or_else(|| missing("alice"))?
        .id;
    let bob = accounts::service::by_username(db, "bob")
        .await?
        .ok_or_else(|| missing("bob"))?
        .id;
    quotas::service::set_member_quotas(
        db,
        alice,
        lab,
        bob,
        "bob",
        QuotaService::Ccs,
        &[
            (Resource::Cpu, QuotaLimit(16)),
            (Resource::Gpu, QuotaLimit(2)),
            (Resource::Memory, QuotaLimit(128)),
        ],
    )
    .await?;
    for (account, cpu, gpu, memory, key) in [(alice, 8, 2, 64, "demo-train"), (bob, 4, 1, 32, "demo-notebook")] {
        let request = [(Resource::Cpu, cpu), (Resource::Gpu, gpu), (Resource::Memory, memory)];
        quotas::service::admit(db, lab, account, QuotaService::Ccs, &request, key).await?;
    }
    // Credit, a sub-wallet for bob, and some metered usage.
    for (project, number, amount) in [
        ("MST110001", "PO-2026-0001", "10000"),
        ("MST110002", "PO-2026-0002", "2500"),
    ] {
        crate::operator::service::add_order(db, None, project, number, amount, "demo credit").await?;
        crate::operator::service::advance_order(db, None, number, "paid").await?;
        crate::operator::service::advance_order(db, None, number, "credited").await?;
    }
    crate::operator::service::add_order(db, None, "MST110001", "PO-2026-0003", "5000", "next quarter").await?;
    wallets::service::open_sub_wallet(db, alice, lab, bob, "bob").await?;
    wallets::service::transfer(
        db,
        alice,
        lab,
        bob,
        "bob",
        Direction::ToSub,
        Credits(500 * wallets::SCALE),
    )
    .await?;
    for (account, resource, seconds, key) in [
        (alice, "train-0001", 7200, "demo-usage-1"),
        (bob, "notebook-7", 5400, "demo-usage-2"),
    ] {
        let report = wallets::service::UsageReport {
            project_id: lab,
            account_id: account,
            service: "ccs",
            resource_id: resource,
            seconds,
            rate_per_hour: Credits(82 * wallets::SCALE),
            idempotency_key: key,
        };
        wallets::service::debit_usage(db, report).await?;
    }
    api_calls(db, lab, [(alice, "alice"), (bob, "bob")]).await?;
    // Bob asks Alice for more GPUs: her queue and bell are not empty.
    let fields = quota_requests::fields(&[
        ("service", "ccs"),
        ("gpu", "4"),
        ("reason", "Fine-tuning runs for the workshop paper, due next month."),
    ]);
    let asked = quota_requests::NewRequest::parse(quota_requests::RequestKind::Member, &fields)?;
    let bob_asks = quota_requests::service::Actor {
        id: bob,
        name: "Bob Lin",
    };
    quota_requests::service::file(db, bob_asks, lab, &asked).await?;
    Ok(true)
}

/// A few API keys with a morning of calls behind them, so that the first
/// look at API Key and Activity is not empty.
async fn api_calls(
    db: &Db,
    lab: crate::auth::identity::ProjectId,
    members: [(crate::auth::identity::AccountId, &str); 2],
) -> anyhow::Result<()> {
    use crate::api_keys::service as keys;
    let recorder = crate::activity::Recorder::start(db.clone());
    let now = crate::db::now();
    for (account, username) in members {
        for (name, days) in [("ci-deploy", 180), ("jupyter-lab", 90)] {
            crate::operator::service::create_key(db, "MST110001", username, days, Some(name)).await?;
        }
        let held = keys::of_account(db, account).await?;
        // Most calls from the first key, a few failures, one unused key.
        let Some(used) = held
            .iter()
            .find(|key| key.name == "ci-deploy" && key.project_code == "MST110001")
        else {
            continue;
        };
        for n in 0..24_i64 {
            let (method, route, status) = match n % 8 {
                0 => ("POST", "/api/v1/allocations", 201),
                5 => ("POST", "/api/v1/allocations", 409),
                _ => ("GET", "/api/v1/whoami", 200),
            };
            recorder.record(crate::activity::ApiCall {
                at: now - 3 * 3600 + n * 450,
                key_row: used.id,
                key_id: used.key_id.clone(),
                account_id: account,
                project_id: lab,
                method: crate::activity::calls::method_code(method),
                route: crate::activity::calls::route_code(Some(route)),
                status,
                latency_us: 800 + n * 37,
                client: std::net::IpAddr::from([10, 20, 0, 7]),
                agent: "twcc-cli/0.6.1".into(),
            });
        }
    }
    recorder.flush().await;
    Ok(())
}
