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
    let out = Command::new(program)
        .args(args)
        .output()
        .expect("Slurm's commands are installed");
    assert!(
        out.status.success(),
        "{program} {args:?}: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8_lossy(&out.stdout).into_owned()
}

/// A Unix user for `username` (people submit jobs as themselves).
fn unix_user(username: &str) {
    let out = Command::new("useradd")
        .args(["-M", username])
        .output()
        .expect("useradd runs");
    // 9: the user exists already.
    assert!(
        out.status.success() || out.status.code() == Some(9),
        "useradd {username}: {}",
        String::from_utf8_lossy(&out.stderr)
    );
}

/// `sbatch -A account` as `user` (a job that sleeps ten minutes unless
/// `extra` has a `--wrap` of its own), its job ID or what sbatch said.
fn sbatch(user: &str, account: &str, extra: &[&str]) -> Result<String, String> {
    let out = Command::new("runuser")
        .args([
            "-u",
            user,
            "--",
            "sbatch",
            "--parsable",
            "-o",
            "/dev/null",
            "-A",
            account,
        ])
        .args(extra)
        .args(if extra.contains(&"--wrap") {
            &[][..]
        } else {
            &["--wrap", "sleep 600"][..]
        })
        .current_dir("/tmp")
        .output()
        .expect("runuser runs");
    if out.status.success() {
        Ok(String::from_utf8_lossy(&out.stdout).trim().to_string())
    } else {
        Err(String::from_utf8_lossy(&out.stderr).into_owned())
    }
}

/// What sbatch says refusing a job of `user` on `account`, asked with
/// `--test-only` (which makes no job: a test waiting for a refusal must
/// not leave jobs that hold the association).
fn refused(user: &str, account: &str) -> Option<String> {
    sbatch(user, account, &["--test-only"]).err()
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
        &[
            "-n",
            "-P",
            "show",
            "assoc",
            &name,
            &cluster,
            "format=user,grptres,grpjobs,grpsubmit",
        ],
    );
    out.lines().map(str::to_string).collect()
}

fn default_account(user: &str) -> Option<String> {
    let name = format!("name={user}");
    let out = slurm(
        "sacctmgr",
        &["-n", "-P", "show", "user", &name, "format=defaultaccount"],
    );
    out.lines().next().map(|l| l.trim().to_string())
}

/// Waits (polling) until `check` gives something, at most `seconds` (a
/// bound for "never", well above the issue's 10 s: the times the tests
/// measure are printed, not asserted, so a loaded machine cannot flake them).
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

/// An API call to the instance at `base`.
async fn call(base: &str, method: &str, path: &str, key: &str, body: Option<Value>) -> (StatusCode, Value) {
    let mut request = reqwest::Client::new()
        .request(method.parse().unwrap(), format!("{base}{path}"))
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
    let (_, took) = eventually("alice's first job is accepted", 60, || {
        sbatch(&alice.user.username, &code, &[]).ok()
    })
    .await;
    println!("a new member could submit after {took:?}");
    let carols_job = eventually("carol's job is accepted", 60, || {
        sbatch(&carol.user.username, &code, &[]).ok()
    })
    .await
    .0;
    eventually("carol's job runs", 60, || {
        job(&carols_job).starts_with("RUNNING").then_some(())
    })
    .await;
    let bobs_job = eventually("bob is on the account", 60, || {
        sbatch(&bob.user.username, &code, &["--hold"]).ok()
    })
    .await
    .0;

    // Bob removed: refused as an unknown account.
    let (status, _) = call(
        &app.base,
        "DELETE",
        &format!("/api/v1/members/{}", bob.user.username),
        &key,
        None,
    )
    .await;
    assert_eq!(status, StatusCode::NO_CONTENT);
    let (said, took) = eventually("bob is refused", 60, || refused(&bob.user.username, &code)).await;
    assert!(said.contains(INVALID_ACCOUNT), "{said}");
    println!("a removed member was refused after {took:?}");
    // The job he had waiting went with him (it could never start).
    assert_eq!(job(&bobs_job), "");

    // Carol's HPC unticked while her job runs: the job goes on, nothing new
    // is accepted; once it ends, her association goes.
    let path = format!("/api/v1/members/{}/permissions", carol.user.username);
    let (status, _) = call(&app.base, "PUT", &path, &key, Some(json!({ "services": ["ccs"] }))).await;
    assert_eq!(status, StatusCode::OK);
    let (said, _) = eventually("carol is refused", 60, || refused(&carol.user.username, &code)).await;
    assert!(said.contains("job submit limit"), "{said}");
    assert!(job(&carols_job).starts_with("RUNNING"), "{}", job(&carols_job));
    slurm("scancel", &[&carols_job]);
    let (said, _) = eventually("carol's association is gone", 60, || {
        refused(&carol.user.username, &code).filter(|s| s.contains(INVALID_ACCOUNT))
    })
    .await;
    assert!(said.contains(INVALID_ACCOUNT));
    let mut users: Vec<String> = associations(&account)
        .iter()
        .map(|a| a.split('|').next().unwrap().to_string())
        .collect();
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
    eventually("dave is on both accounts", 60, || {
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
        async move {
            member_center::projects::store::by_code(&db, &code)
                .await
                .unwrap()
                .unwrap()
                .id
        }
    };

    // Removed from the project of his default account: the default moves
    // to his other account before the association goes.
    let id = project_id(leaves).await;
    member_center::members::service::remove(&app.db, erin.user.id, id, dave.user.id, &user, true)
        .await
        .unwrap();
    eventually("dave's default moves to his other account", 60, || {
        default_account(&user).filter(|d| *d == other)
    })
    .await;
    eventually("dave's association on the project he left goes", 60, || {
        let gone = if other == first_account {
            &second_account
        } else {
            &first_account
        };
        (!associations(gone).iter().any(|a| a.starts_with(&format!("{user}|")))).then_some(())
    })
    .await;

    // HPC unticked in the last one: no association, no user left.
    let id = project_id(stays).await;
    member_center::permissions::service::set(&app.db, erin.user.id, id, dave.user.id, &user, &[], None)
        .await
        .unwrap();
    eventually("dave has no association left", 60, || {
        default_account(&user).is_none().then_some(())
    })
    .await;
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
            let (status, body) = call(&app.base, "PUT", &path, key, Some(json!({ "cpu": cpu }))).await;
            assert_eq!(status, StatusCode::OK, "{body}");
        }
    };
    quota(2).await;
    let user = erin.user.username.clone();
    eventually("erin's limit of 2 cores is in Slurm", 60, || {
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
    eventually("the first job runs", 60, state(&first, "RUNNING")).await;
    let second = sbatch(&user, &code, &["-c", "2"]).unwrap();
    eventually(
        "the second waits on the member's limit",
        60,
        state(&second, "PENDING|AssocGrpCpuLimit"),
    )
    .await;
    quota(4).await;
    eventually("raised, the second runs", 60, state(&second, "RUNNING")).await;

    // Project quota (4 cores, all in use): Frank's job waits on it.
    let franks = sbatch(&frank.user.username, &code, &["-c", "1"]).unwrap();
    eventually(
        "frank's waits on the project's limit",
        60,
        state(&franks, "PENDING|AssocGrpCpuLimit"),
    )
    .await;
    cancel_jobs(&[&account]);

    // GPUs likewise.
    let gpus = sbatch(&frank.user.username, &code, &["--gres=gpu:2"]).unwrap();
    eventually("two GPUs run", 60, state(&gpus, "RUNNING")).await;
    let more = sbatch(&frank.user.username, &code, &["--gres=gpu:1"]).unwrap();
    eventually("a third GPU waits", 60, state(&more, "PENDING|AssocGrpGRES")).await;
    member_center::operator::service::set_project_quota(&app.db, None, &code, "hpc", &[("gpu", Some("3"))])
        .await
        .unwrap();
    eventually("raised, it runs", 60, state(&more, "RUNNING")).await;
    // And no limit at all clears it.
    member_center::operator::service::set_project_quota(&app.db, None, &code, "hpc", &[("cpu", Some("-1"))])
        .await
        .unwrap();
    eventually("no limit: the project has no core limit", 60, || {
        associations(&account)
            .iter()
            .any(|a| a.starts_with("|") && !a.contains("cpu="))
            .then_some(())
    })
    .await;
    cancel_jobs(&[&account]);
}

#[tokio::test(flavor = "multi_thread")]
async fn a_negative_wallet_or_a_locked_account_blocks_new_jobs_until_cleared() {
    let app = spawn_hpc(&unique("mct")).await;
    let (code, account) = hpc_project(&app, &[("cpu", Some("8")), ("gpu", Some("0")), ("memory", Some("8"))]).await;
    let gus = person(&app, "gu", &code, "tenant_admin").await;
    app.credit(&code, &unique("PO-"), "1").await;
    let user = gus.user.username.clone();
    let running = eventually("gus can run jobs", 60, || sbatch(&user, &code, &[]).ok())
        .await
        .0;
    eventually("his job runs", 60, || {
        job(&running).starts_with("RUNNING").then_some(())
    })
    .await;

    // Two credits of HPC used from a wallet of one.
    let key = app.key_for(&code, &gus.user, 30).await.1;
    let usage = json!({"service": "hpc", "resource_id": "job-1", "seconds": 3600, "rate_per_hour": "2", "idempotency_key": "u1"});
    let (status, body) = call(&app.base, "POST", "/api/v1/usage", &key, Some(usage)).await;
    assert_eq!(status, StatusCode::CREATED, "{body}");
    let (said, took) = eventually("a new job is refused", 60, || refused(&user, &code)).await;
    assert!(said.contains("job submit limit"), "{said}");
    println!("a negative wallet blocked new jobs after {took:?}");
    assert!(job(&running).starts_with("RUNNING"), "the running job goes on");

    app.credit(&code, &unique("PO-"), "10").await;
    let after = eventually("credited, a job is accepted", 60, || sbatch(&user, &code, &[]).ok())
        .await
        .0;
    eventually("and runs", 60, || job(&after).starts_with("RUNNING").then_some(())).await;

    // His account locked by support: his own association is blocked.
    let support = app.create_user(&unique("su"), PlatformRole::Support).await;
    let account_row = member_center::accounts::service::by_id(&app.db, gus.user.id)
        .await
        .unwrap()
        .unwrap();
    member_center::accounts::service::set_locked_for(&app.db, support.id, &account_row, true, "ticket 9")
        .await
        .unwrap();
    let (said, _) = eventually("locked, a new job is refused", 60, || refused(&user, &code)).await;
    assert!(said.contains("job submit limit"), "{said}");
    assert!(job(&after).starts_with("RUNNING"), "his running job goes on");
    member_center::accounts::service::set_locked_for(&app.db, support.id, &account_row, false, "ticket 9")
        .await
        .unwrap();
    eventually("unlocked, accepted again", 60, || {
        sbatch(&user, &code, &["--test-only"]).ok()
    })
    .await;
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
        &[
            "-i",
            "modify",
            "account",
            "where",
            &format!("name={outsider}"),
            &cluster,
            "set",
            "GrpTRES=cpu=7",
        ],
    );
    eventually("hana is on the account", 60, || {
        associations(&account)
            .iter()
            .any(|a| a.starts_with(&format!("{user}|")))
            .then_some(())
    })
    .await;

    // By hand: the project's limit raised, hana's association deleted, an
    // account added under the parent.
    let name = format!("name={account}");
    slurm(
        "sacctmgr",
        &[
            "-i",
            "modify",
            "account",
            "where",
            &name,
            &cluster,
            "set",
            "GrpTRES=cpu=64",
        ],
    );
    slurm(
        "sacctmgr",
        &[
            "-i",
            "delete",
            "user",
            "where",
            &format!("name={user}"),
            &format!("account={account}"),
            &cluster,
        ],
    );
    let stranger = unique("added");
    slurm(
        "sacctmgr",
        &["-i", "add", "account", &stranger, &format!("parent={parent}"), &cluster],
    );
    let (_, took) = eventually("all three put back by a full pass", 60, || {
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
    slurm(
        "sacctmgr",
        &["-i", "delete", "account", &format!("name={outsider}"), &cluster],
    );

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

#[tokio::test(flavor = "multi_thread")]
async fn slurm_plan_says_nothing_to_do_once_in_step_and_then_exactly_what_the_portal_changed() {
    // No pass runs by itself: the command line does everything here.
    let app = spawn_app().await;
    let (parent, cluster) = (unique("mct"), cluster());
    let (code, account) = hpc_project(&app, &[("cpu", Some("8")), ("gpu", Some("0")), ("memory", Some("8"))]).await;
    let ivy = person(&app, "iv", &code, "tenant_admin").await;
    let user = ivy.user.username.clone();
    let slurm_cli = |command: &str, more: &[&str]| {
        let mut args = vec!["slurm", command];
        args.extend_from_slice(more);
        if command != "user" {
            args.extend_from_slice(&["--slurm-cluster", &cluster, "--slurm-parent", &parent]);
        }
        crate::cli::member_center(&app.scratch.location, &args, None)
    };
    let (ok, out, err) = slurm_cli("sync", &[]);
    assert!(ok, "{err}");
    assert!(out.contains("Slurm is in step: 4 change(s) made."), "{out}");
    let (ok, out, err) = slurm_cli("plan", &[]);
    assert!(ok, "{err}");
    assert_eq!(out, "Nothing to do: Slurm is in step with Member Center.\n");
    let (ok, out, _) = slurm_cli("status", &[]);
    assert!(ok && out.contains("last result:   4 change(s), 0 put back"), "{out}");

    // A tenant admin gives Ivy a quota of her own: exactly that.
    let key = app.key_for(&code, &ivy.user, 30).await.1;
    let path = format!("/api/v1/members/{user}/quotas/hpc");
    let (status, _) = call(&app.base, "PUT", &path, &key, Some(json!({ "cpu": 3 }))).await;
    assert_eq!(status, StatusCode::OK);
    let (ok, out, _) = slurm_cli("plan", &[]);
    assert!(ok);
    assert_eq!(
        out.lines().collect::<Vec<_>>(),
        [format!(
            "modify user where name={user} account={account} cluster={cluster} set GrpTRES=cpu=3 GrpJobs=-1 GrpSubmitJobs=-1 MaxJobs=-1 MaxSubmitJobs=-1"
        )]
    );

    // An operator gives her another name on the cluster: her association
    // moves to it.
    let (ok, out, err) = slurm_cli("user", &[&user, "bad name"]);
    assert!(!ok && out.is_empty() && err.contains("lowercase letters"), "{err}");
    let other = unique("hpc-");
    let (ok, out, err) = slurm_cli("user", &[&user, &other]);
    assert!(ok, "{err}");
    assert_eq!(out, format!("{user} is {other} on the cluster.\n"));
    let (_, out, _) = slurm_cli("plan", &[]);
    assert_eq!(
        out.lines().collect::<Vec<_>>(),
        [
            format!("add user {other} account={account} cluster={cluster} GrpTRES=cpu=3"),
            format!("delete user where name={user} account={account} cluster={cluster}"),
        ]
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn with_slurm_unreachable_the_portal_serves_the_clusters_page_says_why_and_the_next_pass_catches_up() {
    // This instance's Slurm commands read a slurm.conf whose slurmdbd and
    // slurmctld ports are closed (the shared daemons stay up for the other
    // tests); putting the real one back is Slurm coming back.
    let real = std::fs::read_to_string(std::env::var("SLURM_CONF").expect("SLURM_CONF")).unwrap();
    let broken: String = real
        .lines()
        .map(|line| {
            if line.starts_with("AccountingStoragePort=") {
                "AccountingStoragePort=1".to_string()
            } else if line.starts_with("SlurmctldPort=") {
                "SlurmctldPort=2".to_string()
            } else {
                line.to_string()
            }
        })
        .collect::<Vec<_>>()
        .join("\n");
    let dir = tempfile::tempdir().unwrap();
    let conf = dir.path().join("slurm.conf");
    std::fs::write(&conf, &broken).unwrap();
    let mut slurm_settings = settings(&unique("mct"), 60);
    slurm_settings.conf = Some(conf.clone());
    let app = spawn_app_with(move |c| {
        c.slurm = Some(slurm_settings);
        c.metrics_bind = Some("127.0.0.1:0".into());
    })
    .await;
    let (code, _) = hpc_project(&app, &[("cpu", Some("8")), ("gpu", Some("0")), ("memory", Some("8"))]).await;
    let mut jay = person(&app, "ja", &code, "tenant_admin").await;
    let operator = app.create_user(&unique("op"), PlatformRole::Operator).await;
    let mut console = app.signed_in(&operator).await;

    let db = app.db.clone();
    let failing = || {
        let db = db.clone();
        async move {
            sqlx::query_scalar::<_, i64>("SELECT failures FROM slurm_status")
                .fetch_optional(db.read())
                .await
                .unwrap()
                .unwrap_or(0)
        }
    };
    let started = Instant::now();
    while failing().await == 0 {
        assert!(started.elapsed() < Duration::from_secs(60), "no failed pass recorded");
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
    // Pages and the API answer as before.
    let page = console.get("/operator/clusters").await;
    assert_eq!(page.status, StatusCode::OK);
    page.assert_contains("Failing (");
    page.assert_contains("Connection refused");
    // The import of finished jobs (its first at the start) says so too.
    let started = Instant::now();
    while !console
        .get("/operator/clusters")
        .await
        .body
        .contains("What the import of finished jobs met")
    {
        assert!(
            started.elapsed() < Duration::from_secs(10),
            "the import's failure is not on the Clusters page"
        );
        tokio::time::sleep(Duration::from_millis(250)).await;
    }
    assert_eq!(jay.client.get("/quota?service=hpc").await.status, StatusCode::OK);
    let key = app.key_for(&code, &jay.user, 30).await.1;
    assert_eq!(app.api_get("/api/v1/whoami", Some(&key)).await.0, StatusCode::OK);
    let metrics = reqwest::get(format!("{}/metrics", app.metrics.as_ref().unwrap()))
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(
        metrics
            .lines()
            .any(|l| l.starts_with("mc_slurm_pass_failures ") && !l.ends_with(" 0")),
        "{metrics}"
    );
    // A pass asked for now fails, saying why, and reports nothing done.
    let answer = console.post("/operator/clusters/sync", &[]).await;
    assert_eq!(answer.status, StatusCode::SEE_OTHER);
    let page = console.get("/operator/clusters").await;
    page.assert_contains("The pass failed: sacctmgr:");

    // Slurm back: the next pass (after the backoff) catches up.
    std::fs::write(&conf, &real).unwrap();
    let user = jay.user.username.clone();
    let (_, took) = eventually("jay can submit once Slurm is back", 60, || {
        sbatch(&user, &code, &["--hold"]).ok()
    })
    .await;
    println!("the pass caught up {took:?} after Slurm came back");
    // (The pass that let jay in reports once it has finished.)
    let started = Instant::now();
    while !console.get("/operator/clusters").await.body.contains("In step") {
        assert!(
            started.elapsed() < Duration::from_secs(10),
            "the Clusters page never said In step"
        );
        tokio::time::sleep(Duration::from_millis(250)).await;
    }
    cancel_jobs(&[&code.to_ascii_lowercase()]);

    // The same page sets a cluster user name, refusing one Slurm cannot
    // take beside the field; the person sees theirs on their profile.
    let profile = jay.client.get("/account/profile").await;
    profile.assert_contains(&format!("<code>{user}</code>"));
    profile.assert_contains(&format!("<code>sbatch -A {code} job.sh</code>"));
    console.get("/operator/clusters").await;
    let refused = console
        .post(
            "/operator/cluster-users",
            &[("username", &user), ("cluster_name", "Jay Wu")],
        )
        .await;
    assert_eq!(refused.status, StatusCode::UNPROCESSABLE_ENTITY);
    refused.assert_contains(r#"<small id="cluster-user-name-error" class="field-error">Use 1 to 32 lowercase letters"#);
    let taken = console
        .post(
            "/operator/cluster-users",
            &[("username", &user), ("cluster_name", &operator.username)],
        )
        .await;
    taken.assert_contains("is another account&#39;s user name on the cluster.");
    let other = unique("jw");
    let saved = console
        .post(
            "/operator/cluster-users",
            &[("username", &user), ("cluster_name", &other)],
        )
        .await;
    assert_eq!(saved.status, StatusCode::SEE_OTHER);
    let page = console.get("/operator/clusters").await;
    page.assert_contains(&format!("{user} is {other} on the cluster."));
    page.assert_contains(&format!(
        "<td data-label=\"User name on the cluster\"><code>{other}</code></td>"
    ));
    jay.client
        .get("/account/profile")
        .await
        .assert_contains(&format!("<code>{other}</code>"));
}

#[tokio::test(flavor = "multi_thread")]
async fn two_instances_run_one_pass_at_a_time_and_a_change_on_either_reaches_slurm() {
    let slurm_settings = settings(&unique("mct"), 60);
    let runner = Runner::new(&slurm_settings);
    let for_a = slurm_settings.clone();
    let app = spawn_app_with(move |c| c.slurm = Some(for_a)).await;
    let b = app.another_instance_with(move |c| c.slurm = Some(slurm_settings)).await;
    let (code, _) = hpc_project(&app, &[("cpu", Some("8")), ("gpu", Some("0")), ("memory", Some("8"))]).await;
    let kim = person(&app, "ki", &code, "tenant_admin").await;
    let lee = person(&app, "le", &code, "tenant_user").await;
    let key = app.key_for(&code, &kim.user, 30).await.1;

    // Lee's HPC taken away through one instance, given back through the other.
    let lee_name = lee.user.username.clone();
    eventually("lee is on the account", 60, || {
        sbatch(&lee_name, &code, &["--hold"]).ok()
    })
    .await;
    let path = format!("/api/v1/members/{lee_name}/permissions");
    let (status, _) = call(&app.base, "PUT", &path, &key, Some(json!({ "services": ["ccs"] }))).await;
    assert_eq!(status, StatusCode::OK);
    eventually("lee is refused", 60, || {
        refused(&lee_name, &code).filter(|s| s.contains(INVALID_ACCOUNT))
    })
    .await;
    let (status, _) = call(&b.base, "PUT", &path, &key, Some(json!({ "services": ["ccs", "hpc"] }))).await;
    assert_eq!(status, StatusCode::OK);
    let (_, took) = eventually("lee is back", 60, || sbatch(&lee_name, &code, &["--hold"]).ok()).await;
    println!("a change on the other instance reached Slurm after {took:?}");

    // Both asked for a pass at once: one runs it, the other is told.
    let now = member_center::db::now();
    let (first, second) = tokio::join!(service::sync(&app.db, &runner, now), service::sync(&b.db, &runner, now));
    assert!(
        !(first.is_ok() && second.is_ok()),
        "two passes ran at once: {first:?} {second:?}"
    );
    assert!(
        matches!(first, Err(service::PassError::Busy)) || matches!(second, Err(service::PassError::Busy)),
        "{first:?} {second:?}"
    );
    cancel_jobs(&[&code.to_ascii_lowercase()]);
}

/// The balance of project `code`'s wallet, or of `member`'s sub-wallet, in 1/10,000 credit.
async fn balance_of(app: &TestApp, code: &str, member: Option<member_center::ids::AccountId>) -> i64 {
    let sql = match member {
        None => format!(
            "SELECT w.balance FROM wallets w JOIN projects p ON p.id = w.project_id WHERE p.code = '{code}' AND w.account_id IS NULL"
        ),
        Some(id) => format!(
            "SELECT w.balance FROM wallets w JOIN projects p ON p.id = w.project_id WHERE p.code = '{code}' AND w.account_id = {}",
            id.0
        ),
    };
    app.count(&sql).await
}

/// What sacct says of a finished job: (elapsed seconds, CPUs, GPUs), once it is there.
fn accounted(id: &str) -> Option<(i64, i64, i64)> {
    let out = slurm(
        "sacct",
        &["-n", "-P", "-X", "-j", id, "--format=state,elapsedraw,alloctres"],
    );
    let line = out.lines().next()?;
    let fields: Vec<&str> = line.split('|').collect();
    if ["PENDING", "RUNNING", "REQUEUED"].contains(&fields[0]) {
        return None;
    }
    let tres = member_center::slurm::reconcile::parse_tres(fields.get(2)?);
    Some((
        fields[1].parse().ok()?,
        tres.get("cpu").copied().unwrap_or(0),
        tres.get("gres/gpu").copied().unwrap_or(0),
    ))
}

/// The charge the rates make of a job, computed here from sacct's figures:
/// hours × (CPUs × 10 + GPUs × 100), in 1/10,000 credit, half up.
fn expected_charge((elapsed, cpus, gpus): (i64, i64, i64)) -> i64 {
    let per_hour = (cpus * 10 + gpus * 100) * 10_000;
    (per_hour * elapsed * 2 + 3600) / 7200
}

#[tokio::test(flavor = "multi_thread")]
async fn finished_jobs_are_billed_exactly_once_to_the_right_wallet() {
    let parent = unique("mct");
    let app = spawn_hpc(&parent).await;
    let (code, account) = hpc_project(&app, &[("cpu", Some("16")), ("gpu", Some("4")), ("memory", Some("32"))]).await;
    app.credit(&code, &unique("PO-"), "1000").await;
    let mia = person(&app, "mi", &code, "tenant_admin").await;
    let noah = person(&app, "no", &code, "tenant_user").await;
    let olga = person(&app, "ol", &code, "tenant_user").await;
    let project_id = member_center::projects::store::by_code(&app.db, &code)
        .await
        .unwrap()
        .unwrap()
        .id;
    member_center::wallets::service::open_sub_wallet(
        &app.db,
        mia.user.id,
        project_id,
        noah.user.id,
        &noah.user.username,
    )
    .await
    .unwrap();
    let (ok, _, err) = crate::cli::member_center(
        &app.scratch.location,
        &["rate", "set", "hpc", "--cpu-hour", "10", "--gpu-hour", "100"],
        None,
    );
    assert!(ok, "{err}");
    for who in [&mia, &noah, &olga] {
        let user = who.user.username.clone();
        eventually("on the account", 60, || sbatch(&user, &code, &["--test-only"]).ok()).await;
    }

    // Three of Mia's and Noah's jobs: on a GPU, failed after it started,
    // cancelled before it started; and Olga's, who is removed meanwhile.
    let gpu = sbatch(
        &mia.user.username,
        &code,
        &["-c", "2", "--gres=gpu:1", "--wrap", "sleep 3"],
    )
    .unwrap();
    let failed = sbatch(&noah.user.username, &code, &["-c", "1", "--wrap", "sleep 2; exit 3"]).unwrap();
    let never = sbatch(&mia.user.username, &code, &["--hold"]).unwrap();
    let olgas = sbatch(&olga.user.username, &code, &["-c", "1", "--wrap", "sleep 4"]).unwrap();
    slurm("scancel", &[&never]);
    eventually("olga's job runs", 60, || {
        job(&olgas).starts_with("RUNNING").then_some(())
    })
    .await;
    let key = app.key_for(&code, &mia.user, 30).await.1;
    let (status, _) = call(
        &app.base,
        "DELETE",
        &format!("/api/v1/members/{}", olga.user.username),
        &key,
        None,
    )
    .await;
    assert_eq!(status, StatusCode::NO_CONTENT);
    // A job of a user nobody on the portal has (an association made by
    // hand on the project's account).
    let stranger = unique("st");
    unix_user(&stranger);
    let cluster_arg = format!("cluster={}", cluster());
    slurm(
        "sacctmgr",
        &[
            "-i",
            "add",
            "user",
            &stranger,
            &format!("account={account}"),
            &cluster_arg,
        ],
    );
    let strangers = eventually("the stranger's job is accepted", 60, || {
        sbatch(&stranger, &code, &["-c", "1", "--wrap", "sleep 1"]).ok()
    })
    .await
    .0;
    let figures: Vec<(i64, i64, i64)> = {
        let mut all = Vec::new();
        for id in [&gpu, &failed, &olgas, &strangers] {
            all.push(
                eventually("the job is in Slurm's accounting", 60, || accounted(id))
                    .await
                    .0,
            );
        }
        all
    };
    let before = (
        balance_of(&app, &code, None).await,
        balance_of(&app, &code, Some(noah.user.id)).await,
    );

    // Imported by two processes at once, then again: each job once.
    let import = || {
        let location = app.scratch.location.clone();
        let (cluster, parent) = (cluster(), parent.clone());
        std::thread::spawn(move || {
            crate::cli::member_center(
                &location,
                &[
                    "slurm",
                    "import",
                    "--slurm-cluster",
                    &cluster,
                    "--slurm-parent",
                    &parent,
                ],
                None,
            )
        })
    };
    let (a, b) = (import(), import());
    for (ok, out, err) in [a.join().unwrap(), b.join().unwrap(), import().join().unwrap()] {
        assert!(ok, "{out} {err}");
    }
    let jobs = app
        .count(&format!(
            "SELECT COUNT(*) FROM hpc_jobs WHERE slurm_account = '{account}'"
        ))
        .await;
    assert_eq!(
        jobs, 4,
        "the job cancelled before it started is not there; the others once"
    );
    let debits = app
        .count("SELECT COUNT(*) FROM ledger_entries WHERE service = 'hpc'")
        .await;
    assert_eq!(debits, 3, "Mia's, Noah's and Olga's; the stranger's waits");

    // Exact amounts, where each belongs.
    let [gpu_use, failed_use, olga_use, stranger_use] = [figures[0], figures[1], figures[2], figures[3]];
    let after = (
        balance_of(&app, &code, None).await,
        balance_of(&app, &code, Some(noah.user.id)).await,
    );
    assert_eq!(
        before.0 - after.0,
        expected_charge(gpu_use) + expected_charge(olga_use),
        "the project's wallet: Mia's and Olga's"
    );
    assert_eq!(
        before.1 - after.1,
        expected_charge(failed_use),
        "Noah's sub-wallet: his failed job"
    );

    // The ledger says what each was, in words.
    let mut mia_client = mia.client;
    let ledger = mia_client.get("/account/wallet").await;
    ledger.assert_contains(&format!("HPC job {gpu} (wrap, partition debug): "));
    ledger.assert_contains("cores × 10.0000 + 1 GPUs × 100.0000 credits/h)");

    // The HPC jobs tab: the month's jobs and their cost (a tenant admin
    // sees everyone's, a member their own), as CSV too; the Usage tab counts
    // them by person.
    let jobs_page = mia_client.get("/account/hpc-jobs").await;
    assert_eq!(jobs_page.status, StatusCode::OK);
    for id in [&gpu, &failed, &olgas] {
        jobs_page.assert_contains(&format!("<code>{id}</code>"));
    }
    let total = expected_charge(gpu_use) + expected_charge(failed_use) + expected_charge(olga_use);
    jobs_page.assert_contains(&format!("<strong>{}</strong>", member_center::wallets::Credits(total)));
    jobs_page.assert_contains("10.0000");
    let mut noah_client = noah.client;
    let own = noah_client.get("/account/hpc-jobs").await;
    own.assert_contains(&format!("<code>{failed}</code>"));
    assert!(
        !own.body.contains(&format!("<code>{gpu}</code>")),
        "a member sees their own jobs only"
    );
    let csv = mia_client.get("/account/hpc-jobs.csv").await;
    assert_eq!(csv.status, StatusCode::OK);
    assert!(
        csv.body
            .starts_with("job,name,partition,state,username,ended,seconds,cpus,gpus,amount"),
        "{}",
        csv.body
    );
    assert_eq!(csv.body.lines().count(), 5, "three jobs and the total: {}", csv.body);
    let refused = mia_client.get("/account/hpc-jobs?month=2026-13").await;
    refused.assert_contains("Give a month as YYYY-MM");
    let usage = mia_client.get("/account/usage").await;
    usage.assert_contains(&format!("<small>{}</small>", noah.user.username));
    usage.assert_contains(">HPC<");

    // The API gives the same jobs, paged by cursor: a tenant admin's key
    // everyone's (or one member's), a member's key their own.
    let (status, first_page) = call(&app.base, "GET", "/api/v1/hpc/jobs?limit=2", &key, None).await;
    assert_eq!(status, StatusCode::OK, "{first_page}");
    assert_eq!(first_page["jobs"].as_array().unwrap().len(), 2);
    let cursor = first_page["next_cursor"].as_str().unwrap().to_string();
    let (_, second_page) = call(
        &app.base,
        "GET",
        &format!("/api/v1/hpc/jobs?limit=2&cursor={cursor}"),
        &key,
        None,
    )
    .await;
    assert_eq!(second_page["jobs"].as_array().unwrap().len(), 1);
    assert!(second_page["next_cursor"].is_null());
    let path = format!("/api/v1/hpc/jobs?member={}", noah.user.username);
    let (_, noahs) = call(&app.base, "GET", &path, &key, None).await;
    let only = &noahs["jobs"][0];
    assert_eq!(noahs["jobs"].as_array().unwrap().len(), 1, "{noahs}");
    assert_eq!(only["job_id"], failed.as_str());
    assert_eq!(only["state"], "FAILED");
    assert_eq!(only["cpu_hour"], "10.0000");
    assert_eq!(
        only["amount"],
        member_center::wallets::Credits(expected_charge(failed_use)).to_string()
    );
    let noahs_key = app.key_for(&code, &noah.user, 30).await.1;
    let path = format!("/api/v1/hpc/jobs?member={}", mia.user.username);
    let (_, own) = call(&app.base, "GET", &path, &noahs_key, None).await;
    assert_eq!(
        own["jobs"].as_array().unwrap().len(),
        1,
        "a member's key sees their own: {own}"
    );
    assert_eq!(own["jobs"][0]["member"], noah.user.username.as_str());

    // The stranger's job waits on the Clusters page; billed to the
    // project, once.
    let operator = app.create_user(&unique("op"), PlatformRole::Operator).await;
    let mut console = app.signed_in(&operator).await;
    let page = console.get("/operator/clusters").await;
    page.assert_contains("Nobody&#39;s user name");
    let id = app
        .count(&format!("SELECT id FROM hpc_jobs WHERE job_id = '{strangers}'"))
        .await;
    let refused = console
        .post(
            &format!("/operator/hpc-jobs/{id}"),
            &[("decision", "assign"), ("project", "NOPE1")],
        )
        .await;
    assert_eq!(refused.status, StatusCode::UNPROCESSABLE_ENTITY);
    let assigned = console
        .post(
            &format!("/operator/hpc-jobs/{id}"),
            &[("decision", "assign"), ("project", &code)],
        )
        .await;
    assert_eq!(assigned.status, StatusCode::SEE_OTHER);
    let again = console
        .post(
            &format!("/operator/hpc-jobs/{id}"),
            &[("decision", "assign"), ("project", &code)],
        )
        .await;
    assert_eq!(
        again.status,
        StatusCode::SEE_OTHER,
        "a job decided already: not found, nothing billed"
    );
    assert_eq!(
        app.count("SELECT COUNT(*) FROM ledger_entries WHERE service = 'hpc'")
            .await,
        4
    );
    assert_eq!(
        after.0 - balance_of(&app, &code, None).await,
        expected_charge(stranger_use)
    );
    console
        .get("/operator/clusters")
        .await
        .assert_contains("Every finished job was billed to its project.");
    let (ok, _, _) = import().join().unwrap();
    assert!(ok);
    assert_eq!(
        app.count("SELECT COUNT(*) FROM ledger_entries WHERE service = 'hpc'")
            .await,
        4
    );
    cancel_jobs(&[&account]);
}

#[tokio::test(flavor = "multi_thread")]
async fn an_import_killed_midway_and_run_again_bills_every_job_once() {
    let parent = unique("mct");
    let app = spawn_hpc(&parent).await;
    let (code, account) = hpc_project(&app, &[("cpu", Some("64")), ("gpu", Some("0")), ("memory", Some("64"))]).await;
    app.credit(&code, &unique("PO-"), "1000").await;
    let pat = person(&app, "pa", &code, "tenant_admin").await;
    let (ok, _, err) = crate::cli::member_center(
        &app.scratch.location,
        &["rate", "set", "hpc", "--cpu-hour", "10", "--gpu-hour", "100"],
        None,
    );
    assert!(ok, "{err}");
    let user = pat.user.username.clone();
    eventually("pat is on the account", 60, || {
        sbatch(&user, &code, &["--test-only"]).ok()
    })
    .await;
    // Forty short jobs, all finished and in Slurm's accounting.
    let ids: Vec<String> = (0..40)
        .map(|_| sbatch(&user, &code, &["-c", "1", "--wrap", "sleep 1"]).unwrap())
        .collect();
    let mut expected = 0;
    for id in &ids {
        expected += expected_charge(
            eventually("the job is in Slurm's accounting", 60, || accounted(id))
                .await
                .0,
        );
    }
    let before = balance_of(&app, &code, None).await;

    // An import killed (SIGKILL) a moment after it started — wherever it
    // was — then one to the end: every job once.
    let import_args = |cluster: &str, parent: &str| -> Vec<String> {
        ["--db".to_string(), location_arg(&app)]
            .into_iter()
            .chain(["slurm", "import", "--slurm-cluster", cluster, "--slurm-parent", parent].map(String::from))
            .collect()
    };
    for delay_ms in [150, 400] {
        let mut killed = Command::new(env!("CARGO_BIN_EXE_member-center"))
            .args(import_args(&cluster(), &parent))
            .env("MC_LOG", "warn")
            .spawn()
            .unwrap();
        std::thread::sleep(Duration::from_millis(delay_ms));
        killed.kill().unwrap();
        killed.wait().unwrap();
    }
    let (ok, out, err) = crate::cli::member_center(
        &app.scratch.location,
        &[
            "slurm",
            "import",
            "--slurm-cluster",
            &cluster(),
            "--slurm-parent",
            &parent,
        ],
        None,
    );
    assert!(ok, "{out} {err}");
    let jobs = app
        .count(&format!(
            "SELECT COUNT(*) FROM hpc_jobs WHERE slurm_account = '{account}'"
        ))
        .await;
    assert_eq!(jobs, 40);
    assert_eq!(
        app.count("SELECT COUNT(*) FROM ledger_entries WHERE service = 'hpc'")
            .await,
        40
    );
    assert_eq!(before - balance_of(&app, &code, None).await, expected);
    cancel_jobs(&[&account]);
}

/// The `--db` argument naming a test app's database.
fn location_arg(app: &TestApp) -> String {
    match &app.scratch.location {
        member_center::db::Location::File(path) => path.display().to_string(),
        member_center::db::Location::Postgres(url) => url.clone(),
    }
}
