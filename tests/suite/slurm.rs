//! HPC through Slurm (#33), against the real cluster `scripts/test` starts
//! once for the run (`scripts/throwaway-slurm`: munged, MariaDB, slurmdbd,
//! slurmctld, one slurmd with 64 CPUs and 8 GPUs). Jobs are submitted with
//! real `sbatch` as Unix users the tests make. Every test has a parent
//! account, projects and people of its own, so tests share the cluster:
//! a pass touches nothing outside its parent.

use std::{
    process::Command,
    time::{Duration, Instant},
};

use member_center::{
    accounts::PlatformRole,
    config::Slurm,
    slurm::{Runner, service},
};
use reqwest::StatusCode;
use serde_json::{Value, json};

use crate::common::{Member, TestApp, spawn_app, spawn_app_with};

/// The cluster's name; `scripts/test` starts it and says so.
fn cluster() -> String {
    std::env::var("MC_TEST_SLURM_CLUSTER")
        .expect("the Slurm tests need the throwaway cluster scripts/test starts (MC_TEST_SLURM_CLUSTER, SLURM_CONF)")
}

/// A name no other test (or run) has: `prefix` and eight hex digits.
fn unique(prefix: &str) -> String {
    format!("{prefix}{}", &uuid::Uuid::new_v4().simple().to_string()[..8])
}

/// The settings of a portal keeping the cluster in step under a parent of
/// its own, with full passes every `sync_seconds`.
fn settings(parent: &str, sync_seconds: i64) -> Slurm {
    Slurm::new(&cluster(), parent, sync_seconds).unwrap()
}

async fn spawn_hpc(parent: &str) -> TestApp {
    let slurm = settings(parent, 60);
    spawn_app_with(move |c| c.slurm = Some(slurm)).await
}

/// Runs a Slurm command (as root), its output; panics if it fails.
fn slurm(program: &str, args: &[&str]) -> String {
    let out = Command::new(program).args(args).output().expect("Slurm's commands are installed");
    assert!(
        out.status.success(),
        "{program} {args:?}: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8_lossy(&out.stdout).into_owned()
}

/// A Unix user for `username` (people submit jobs as themselves).
fn unix_user(username: &str) {
    let out = Command::new("useradd").args(["-M", username]).output().expect("useradd runs");
    // 9: the user exists already.
    assert!(
        out.status.success() || out.status.code() == Some(9),
        "useradd {username}: {}",
        String::from_utf8_lossy(&out.stderr)
    );
}

/// `sbatch -A account` as `user` (a job that sleeps), its job ID or what
/// sbatch said.
fn sbatch(user: &str, account: &str, extra: &[&str]) -> Result<String, String> {
    let out = Command::new("runuser")
        .args(["-u", user, "--", "sbatch", "--parsable", "-o", "/dev/null", "-A", account])
        .args(extra)
        .args(["--wrap", "sleep 600"])
        .current_dir("/tmp")
        .output()
        .expect("runuser runs");
    if out.status.success() {
        Ok(String::from_utf8_lossy(&out.stdout).trim().to_string())
    } else {
        Err(String::from_utf8_lossy(&out.stderr).into_owned())
    }
}

/// What sbatch says refusing a job of `user` on `account`; a job accepted
/// meanwhile is cancelled at once (a test waiting for a refusal must not
/// leave jobs that hold the association).
fn refused(user: &str, account: &str) -> Option<String> {
    match sbatch(user, account, &["--hold"]) {
        Ok(id) => {
            slurm("scancel", &[&id]);
            None
        }
        Err(said) => Some(said),
    }
}

/// A job's state and reason (`RUNNING|None`, `PENDING|AssocGrpCpuLimit`).
fn job(id: &str) -> String {
    slurm("squeue", &["-h", "-j", id, "-o", "%T|%r"]).trim().to_string()
}

/// What `sacctmgr` shows of the associations of `account`: `user|GrpTRES|GrpJobs|GrpSubmit`.
fn associations(account: &str) -> Vec<String> {
    let name = format!("account={account}");
    let cluster = format!("cluster={}", cluster());
    let out = slurm(
        "sacctmgr",
        &["-n", "-P", "show", "assoc", &name, &cluster, "format=user,grptres,grpjobs,grpsubmit"],
    );
    out.lines().map(str::to_string).collect()
}

fn default_account(user: &str) -> Option<String> {
    let name = format!("name={user}");
    let out = slurm("sacctmgr", &["-n", "-P", "show", "user", &name, "format=defaultaccount"]);
    out.lines().next().map(|l| l.trim().to_string())
}

/// Waits (polling) until `check` gives something, at most `seconds`.
async fn eventually<T>(what: &str, seconds: u64, mut check: impl FnMut() -> Option<T>) -> (T, Duration) {
    let started = Instant::now();
    loop {
        if let Some(found) = check() {
            return (found, started.elapsed());
        }
        assert!(
            started.elapsed() < Duration::from_secs(seconds),
            "not within {seconds} s: {what}"
        );
        tokio::time::sleep(Duration::from_millis(250)).await;
    }
}

/// Cancels every job of the accounts (a test's own), so nothing of it
/// holds the node after it.
fn cancel_jobs(accounts: &[&str]) {
    for account in accounts {
        let out = Command::new("scancel").args(["-A", account]).output();
        drop(out);
    }
}

/// A project of the test's own with an HPC quota: (code, Slurm account).
async fn hpc_project(app: &TestApp, quota: &[(&str, Option<&str>)]) -> (String, String) {
    let code = unique("HPC").to_ascii_uppercase();
    app.create_project(&code, "Protein folding").await;
    member_center::operator::service::set_project_quota(&app.db, None, &code, "hpc", quota)
        .await
        .unwrap();
    let account = code.to_ascii_lowercase();
    (code, account)
}

/// A person of the test's own (a Unix user too) in `code`.
async fn person(app: &TestApp, prefix: &str, code: &str, role: &str) -> Member {
    let username = unique(prefix);
    unix_user(&username);
    app.member(&username, code, role).await
}

async fn call(app: &TestApp, method: &str, path: &str, key: &str, body: Option<Value>) -> (StatusCode, Value) {
    let mut request = reqwest::Client::new()
        .request(method.parse().unwrap(), format!("{}{path}", app.base))
        .header("x-api-key", key);
    if let Some(body) = body {
        request = request.json(&body);
    }
    let response = request.send().await.unwrap();
    let status = response.status();
    (status, response.json().await.unwrap_or(Value::Null))
}

const INVALID_ACCOUNT: &str = "Invalid account";

#[tokio::test(flavor = "multi_thread")]
async fn members_with_hpc_reach_slurm_within_seconds_and_leave_it_without_losing_running_jobs() {
    let app = spawn_hpc(&unique("mct")).await;
    let (code, account) = hpc_project(&app, &[("cpu", Some("16")), ("gpu", Some("2")), ("memory", Some("64"))]).await;
    let alice = person(&app, "al", &code, "tenant_admin").await;
    let bob = person(&app, "bo", &code, "tenant_user").await;
    let carol = person(&app, "ca", &code, "tenant_user").await;
    let key = app.key_for(&code, &alice.user, 30).await.1;

    // Added with HPC (every service by default): sbatch -A CODE works, in
    // the project's code as people know it.
    let (_, took) = eventually("alice's first job is accepted", 10, || {
        sbatch(&alice.user.username, &code, &[]).ok()
    })
    .await;
    println!("a new member could submit after {took:?}");
    let carols_job = eventually("carol's job is accepted", 10, || sbatch(&carol.user.username, &code, &[]).ok())
        .await
        .0;
    eventually("carol's job runs", 15, || job(&carols_job).starts_with("RUNNING").then_some(())).await;
    let bobs_job = eventually("bob is on the account", 10, || sbatch(&bob.user.username, &code, &["--hold"]).ok())
        .await
        .0;

    // Bob removed: refused as an unknown account.
    let (status, _) = call(&app, "DELETE", &format!("/api/v1/members/{}", bob.user.username), &key, None).await;
    assert_eq!(status, StatusCode::NO_CONTENT);
    let (said, took) = eventually("bob is refused", 10, || refused(&bob.user.username, &code)).await;
    assert!(said.contains(INVALID_ACCOUNT), "{said}");
    println!("a removed member was refused after {took:?}");
    // The job he had waiting went with him (it could never start).
    assert_eq!(job(&bobs_job), "");

    // Carol's HPC unticked while her job runs: the job goes on, nothing new
    // is accepted; once it ends, her association goes.
    let path = format!("/api/v1/members/{}/permissions", carol.user.username);
    let (status, _) = call(&app, "PUT", &path, &key, Some(json!({ "services": ["ccs"] }))).await;
    assert_eq!(status, StatusCode::OK);
    let (said, _) = eventually("carol is refused", 10, || refused(&carol.user.username, &code)).await;
    assert!(said.contains("job submit limit"), "{said}");
    assert!(job(&carols_job).starts_with("RUNNING"), "{}", job(&carols_job));
    slurm("scancel", &[&carols_job]);
    let (said, _) = eventually("carol's association is gone", 15, || {
        refused(&carol.user.username, &code).filter(|s| s.contains(INVALID_ACCOUNT))
    })
    .await;
    assert!(said.contains(INVALID_ACCOUNT));
    let mut users: Vec<String> =
        associations(&account).iter().map(|a| a.split('|').next().unwrap().to_string()).collect();
    users.sort();
    assert_eq!(users, ["", alice.user.username.as_str()], "{users:?}");
    cancel_jobs(&[&account]);
}

#[tokio::test(flavor = "multi_thread")]
async fn a_user_leaving_their_default_account_keeps_a_valid_one_or_none() {
    let app = spawn_hpc(&unique("mct")).await;
    let quota = [("cpu", Some("4")), ("gpu", Some("0")), ("memory", Some("8"))];
    let (first, first_account) = hpc_project(&app, &quota).await;
    let (second, second_account) = hpc_project(&app, &quota).await;
    let erin = person(&app, "er", &first, "tenant_admin").await;
    app.add_member(&second, &erin.user, "tenant_admin").await;
    let dave = person(&app, "da", &first, "tenant_user").await;
    app.add_member(&second, &dave.user, "tenant_user").await;
    let user = dave.user.username.clone();
    eventually("dave is on both accounts", 10, || {
        let on = |account: &str| associations(account).iter().any(|a| a.starts_with(&format!("{user}|")));
        (on(&first_account) && on(&second_account)).then_some(())
    })
    .await;
    let default = default_account(&user).unwrap_or_default();
    let (leaves, stays, other) = if default == first_account {
        (&first, &second, second_account.clone())
    } else {
        assert_eq!(default, second_account);
        (&second, &first, first_account.clone())
    };
    let project_id = |code: &str| {
        let db = app.db.clone();
        let code = code.to_string();
        async move { member_center::projects::store::by_code(&db, &code).await.unwrap().unwrap().id }
    };

    // Removed from the project of his default account: the default moves
    // to his other account before the association goes.
    let id = project_id(leaves).await;
    member_center::members::service::remove(&app.db, erin.user.id, id, dave.user.id, &user, true)
        .await
        .unwrap();
    eventually("dave's default moves to his other account", 10, || {
        default_account(&user).filter(|d| *d == other)
    })
    .await;
    eventually("dave's association on the project he left goes", 10, || {
        let gone = if other == first_account { &second_account } else { &first_account };
        (!associations(gone).iter().any(|a| a.starts_with(&format!("{user}|")))).then_some(())
    })
    .await;

    // HPC unticked in the last one: no association, no user left.
    let id = project_id(stays).await;
    member_center::permissions::service::set(&app.db, erin.user.id, id, dave.user.id, &user, &[], None)
        .await
        .unwrap();
    eventually("dave has no association left", 10, || default_account(&user).is_none().then_some(())).await;
}

#[tokio::test(flavor = "multi_thread")]
async fn quotas_are_slurm_limits_new_jobs_wait_and_raising_a_quota_lets_them_start() {
    let app = spawn_hpc(&unique("mct")).await;
    let (code, account) = hpc_project(&app, &[("cpu", Some("4")), ("gpu", Some("2")), ("memory", Some("8"))]).await;
    let erin = person(&app, "er", &code, "tenant_admin").await;
    let frank = person(&app, "fr", &code, "tenant_user").await;
    let key = app.key_for(&code, &erin.user, 30).await.1;
    let quota = |cpu: i64| {
        let path = format!("/api/v1/members/{}/quotas/hpc", erin.user.username);
        let (app, key) = (&app, &key);
        async move {
            let (status, body) = call(app, "PUT", &path, key, Some(json!({ "cpu": cpu }))).await;
            assert_eq!(status, StatusCode::OK, "{body}");
        }
    };
    quota(2).await;
    let user = erin.user.username.clone();
    eventually("erin's limit of 2 cores is in Slurm", 10, || {
        associations(&account)
            .iter()
            .any(|a| a.starts_with(&format!("{user}|cpu=2")))
            .then_some(())
    })
    .await;
    let state = |id: &str, want: &str| {
        let id = id.to_string();
        let want = want.to_string();
        move || job(&id).starts_with(&want).then_some(())
    };

    // Member quota: a second 2-core job waits on it.
    let first = sbatch(&user, &code, &["-c", "2"]).unwrap();
    eventually("the first job runs", 15, state(&first, "RUNNING")).await;
    let second = sbatch(&user, &code, &["-c", "2"]).unwrap();
    eventually("the second waits on the member's limit", 15, state(&second, "PENDING|AssocGrpCpuLimit")).await;
    quota(4).await;
    eventually("raised, the second runs", 20, state(&second, "RUNNING")).await;

    // Project quota (4 cores, all in use): Frank's job waits on it.
    let franks = sbatch(&frank.user.username, &code, &["-c", "1"]).unwrap();
    eventually("frank's waits on the project's limit", 15, state(&franks, "PENDING|AssocGrpCpuLimit")).await;
    cancel_jobs(&[&account]);

    // GPUs likewise.
    let gpus = sbatch(&frank.user.username, &code, &["--gres=gpu:2"]).unwrap();
    eventually("two GPUs run", 15, state(&gpus, "RUNNING")).await;
    let more = sbatch(&frank.user.username, &code, &["--gres=gpu:1"]).unwrap();
    eventually("a third GPU waits", 15, state(&more, "PENDING|AssocGrpGRES")).await;
    member_center::operator::service::set_project_quota(&app.db, None, &code, "hpc", &[("gpu", Some("3"))])
        .await
        .unwrap();
    eventually("raised, it runs", 20, state(&more, "RUNNING")).await;
    // And no limit at all clears it.
    member_center::operator::service::set_project_quota(&app.db, None, &code, "hpc", &[("cpu", Some("-1"))])
        .await
        .unwrap();
    eventually("no limit: the project has no core limit", 10, || {
        associations(&account)
            .iter()
            .any(|a| a.starts_with("|") && !a.contains("cpu="))
            .then_some(())
    })
    .await;
    cancel_jobs(&[&account]);
}

#[tokio::test(flavor = "multi_thread")]
async fn a_negative_wallet_blocks_new_jobs_until_credited() {
    let app = spawn_hpc(&unique("mct")).await;
    let (code, account) = hpc_project(&app, &[("cpu", Some("8")), ("gpu", Some("0")), ("memory", Some("8"))]).await;
    let gus = person(&app, "gu", &code, "tenant_admin").await;
    app.credit(&code, &unique("PO-"), "1").await;
    let user = gus.user.username.clone();
    let running = eventually("gus can run jobs", 10, || sbatch(&user, &code, &[]).ok()).await.0;
    eventually("his job runs", 15, || job(&running).starts_with("RUNNING").then_some(())).await;

    // Two credits of HPC used from a wallet of one.
    let key = app.key_for(&code, &gus.user, 30).await.1;
    let usage = json!({"service": "hpc", "resource_id": "job-1", "seconds": 3600, "rate_per_hour": "2", "idempotency_key": "u1"});
    let (status, body) = call(&app, "POST", "/api/v1/usage", &key, Some(usage)).await;
    assert_eq!(status, StatusCode::CREATED, "{body}");
    let (said, took) = eventually("a new job is refused", 10, || refused(&user, &code)).await;
    assert!(said.contains("job submit limit"), "{said}");
    println!("a negative wallet blocked new jobs after {took:?}");
    assert!(job(&running).starts_with("RUNNING"), "the running job goes on");

    app.credit(&code, &unique("PO-"), "10").await;
    let after = eventually("credited, a job is accepted", 10, || sbatch(&user, &code, &[]).ok()).await.0;
    eventually("and runs", 15, || job(&after).starts_with("RUNNING").then_some(())).await;
    cancel_jobs(&[&account]);
}

#[tokio::test(flavor = "multi_thread")]
async fn changes_made_by_hand_are_put_back_and_recorded_and_nothing_outside_the_parent_is_touched() {
    let parent = unique("mct");
    let slurm_settings = settings(&parent, 5);
    let app = spawn_app_with(move |c| c.slurm = Some(slurm_settings)).await;
    let (code, account) = hpc_project(&app, &[("cpu", Some("8")), ("gpu", Some("1")), ("memory", Some("16"))]).await;
    let mut hana = person(&app, "ha", &code, "tenant_admin").await;
    let user = hana.user.username.clone();
    let cluster = format!("cluster={}", cluster());
    // An account of someone else's, outside the parent.
    let outsider = unique("other");
    slurm("sacctmgr", &["-i", "add", "account", &outsider, &cluster]);
    slurm(
        "sacctmgr",
        &["-i", "modify", "account", "where", &format!("name={outsider}"), &cluster, "set", "GrpTRES=cpu=7"],
    );
    eventually("hana is on the account", 10, || {
        associations(&account).iter().any(|a| a.starts_with(&format!("{user}|"))).then_some(())
    })
    .await;

    // By hand: the project's limit raised, hana's association deleted, an
    // account added under the parent.
    let name = format!("name={account}");
    slurm("sacctmgr", &["-i", "modify", "account", "where", &name, &cluster, "set", "GrpTRES=cpu=64"]);
    slurm("sacctmgr", &["-i", "delete", "user", "where", &format!("name={user}"), &format!("account={account}"), &cluster]);
    let stranger = unique("added");
    slurm("sacctmgr", &["-i", "add", "account", &stranger, &format!("parent={parent}"), &cluster]);
    let (_, took) = eventually("all three put back by a full pass", 20, || {
        let assocs = associations(&account);
        let limit = assocs.iter().any(|a| a.starts_with("|cpu=8,"));
        let back = assocs.iter().any(|a| a.starts_with(&format!("{user}|")));
        let gone = associations(&stranger).is_empty();
        (limit && back && gone).then_some(())
    })
    .await;
    println!("changes made by hand were put back after {took:?}");
    // Outside the parent: as it was.
    assert_eq!(associations(&outsider), ["|cpu=7||"]);
    slurm("sacctmgr", &["-i", "delete", "account", &format!("name={outsider}"), &cluster]);

    // The activity log says so, in words.
    let page = hana.client.get("/activity?stream=changes&kind=slurm").await;
    assert_eq!(page.status, StatusCode::OK);
    page.assert_contains(&format!(
        "Member Center put back in Slurm what was changed by hand on {account}: it was 64 cores, 1 GPU, 16 GiB of memory, it is 8 cores, 1 GPU, 16 GiB of memory."
    ));
    page.assert_contains(&format!(
        "Member Center put back in Slurm what was changed by hand on {account} / {user}: it was not there, it is no limit."
    ));
}
