//! API activity whose cost does not grow with the traffic: calls kept in
//! detail for the raw window, their hourly sums (folded into days after 31)
//! for the retention, and the Activity page's "Usage over time".

use std::time::{Duration, Instant};

use member_center::{
    activity::{
        ApiCall, Recorder,
        calls::{ROUTES, route_code},
        service::{Maintained, Retention, maintain},
        usage::{DAY, HOUR, hours_kept_from, span_start},
    },
    db::Db,
};
use reqwest::StatusCode;
use serde_json::json;

use crate::common::{TestApp, spawn_app};

const RETENTION: Retention = Retention { raw_days: 7, days: 400 };
/// The clock the tests set: a Sunday, 13:20 UTC.
const NOW: i64 = 1_764_422_400 + 13 * HOUR + 1200;

/// Calls (time, status) of one key, recorded through the real recorder.
async fn record(db: &Db, app: &TestApp, key_id: &str, calls: &[(i64, u16)]) {
    let (key_row, account_id, project_id): (i64, i64, i64) =
        sqlx::query_as("SELECT id, account_id, project_id FROM api_keys WHERE key_id = $1")
            .bind(key_id)
            .fetch_one(app.db.read())
            .await
            .unwrap();
    let recorder = Recorder::start(db.clone());
    for (at, status) in calls {
        recorder.record(ApiCall {
            at: *at,
            key_row,
            key_id: key_id.to_string(),
            account_id: member_center::auth::identity::AccountId(account_id),
            project_id: member_center::auth::identity::ProjectId(project_id),
            method: 1,
            route: route_code(Some("/api/v1/whoami")),
            status: *status,
            latency_us: 1000,
            client: std::net::IpAddr::from([192, 0, 2, 1]),
            agent: "twcc-cli/0.6.1".into(),
        });
    }
    recorder.flush().await;
}

/// (calls, 2xx, 4xx, 5xx) of what `condition` picks of `api_usage`.
async fn sums(app: &TestApp, condition: &str) -> (i64, i64, i64, i64) {
    sqlx::query_as(sqlx::AssertSqlSafe(format!(
        "SELECT CAST(COALESCE(SUM(calls), 0) AS BIGINT), CAST(COALESCE(SUM(ok), 0) AS BIGINT),
                CAST(COALESCE(SUM(client_errors), 0) AS BIGINT), CAST(COALESCE(SUM(server_errors), 0) AS BIGINT)
         FROM api_usage WHERE {condition}"
    )))
    .fetch_one(app.db.read())
    .await
    .unwrap()
}

fn classes(calls: &[(i64, u16)]) -> (i64, i64, i64, i64) {
    let count = |range: std::ops::RangeInclusive<u16>| calls.iter().filter(|(_, s)| range.contains(s)).count() as i64;
    (calls.len() as i64, count(200..=299), count(400..=499), count(500..=599))
}

#[tokio::test]
async fn raw_calls_and_hours_past_their_windows_go_while_the_days_remain_and_add_up() {
    let app = spawn_app().await;
    let mut alice = app.member("alice", "MST110001", "tenant_admin").await;
    let (key_id, _) = app.key_for("MST110001", &alice.user, 30).await;
    let raw_cut = NOW - 7 * DAY;
    let hour_cut = hours_kept_from(NOW);
    let calls: Vec<(i64, u16)> = vec![
        (hour_cut - 3 * DAY, 200),
        (hour_cut - 1, 503), // the last second of the last day whose hours go
        (hour_cut - 1, 200),
        (hour_cut, 404), // the first hour kept
        (hour_cut + 20, 200),
        (raw_cut - 1, 200), // just out of the raw window
        (raw_cut - 1, 429),
        (raw_cut, 201), // just in it
        (NOW - 10, 200),
    ];
    record(&app.db, &app, &key_id, &calls).await;
    assert_eq!(app.count("SELECT COUNT(*) FROM api_calls").await, 9);
    assert_eq!(sums(&app, "span = 3600").await, classes(&calls));
    assert_eq!(sums(&app, "span = 86400").await, classes(&calls));

    let done = maintain(&app.db, RETENTION, NOW).await.unwrap();
    assert_eq!(
        done,
        Maintained {
            calls_pruned: 7,
            hours_pruned: 2,
            sums_pruned: 0,
            project_sums_pruned: 2,
            changes_pruned: 0,
        },
        "two hours (the key's and the project's), of two days before the hourly window"
    );
    let kept: Vec<i64> = sqlx::query_scalar("SELECT at FROM api_calls ORDER BY at")
        .fetch_all(app.db.read())
        .await
        .unwrap();
    assert_eq!(kept, [raw_cut, NOW - 10]);
    // The days still add up to every call; the hours kept to theirs.
    assert_eq!(sums(&app, "span = 86400").await, classes(&calls));
    assert_eq!(sums(&app, "span = 3600").await, classes(&calls[3..]));
    let hours_left = format!("SELECT COUNT(*) FROM api_usage WHERE span = 3600 AND start < {hour_cut}");
    assert_eq!(app.count(&hours_left).await, 0);
    let days: Vec<i64> = sqlx::query_scalar("SELECT start FROM api_usage WHERE span = 86400 ORDER BY start")
        .fetch_all(app.db.read())
        .await
        .unwrap();
    let mut expected: Vec<i64> = calls.iter().map(|(at, _)| span_start(*at, DAY)).collect();
    expected.sort();
    expected.dedup();
    assert_eq!(days, expected);
    // Maintenance again changes nothing.
    assert_eq!(maintain(&app.db, RETENTION, NOW).await.unwrap(), Maintained::default());

    // The usage view over the whole range shows every call, as does its CSV:
    // both ends named by the test's clock, never the real today's.
    let taipei = time_tz::timezones::db::asia::TAIPEI;
    let from = member_center::format::local_date(hour_cut - 4 * DAY, taipei);
    let to = member_center::format::local_date(NOW, taipei);
    let range = format!("stream=usage&from={from}&to={to}");
    let page = alice.client.get(&format!("/activity?{range}")).await;
    assert_eq!(page.status, StatusCode::OK);
    page.assert_contains("<dt>Calls</dt><dd>9</dd>");
    page.assert_contains("<dt>Failure rate</dt><dd>33.3 %</dd>");
    page.assert_contains(&key_id);
    page.assert_contains("test key");
    let csv = alice.client.get(&format!("/activity.csv?{range}")).await;
    let lines: Vec<&str> = csv.body.lines().collect();
    assert_eq!(
        lines[0],
        "date_utc,key_id,key_name,member,calls,ok_2xx,client_errors_4xx,server_errors_5xx,latency_avg_us,latency_max_us,last_call"
    );
    let total: i64 = lines[1..]
        .iter()
        .map(|l| l.split(',').nth(4).unwrap().parse::<i64>().unwrap())
        .sum();
    assert_eq!(total, 9, "{}", csv.body);

    // Past the retention, the sums go too.
    let later = NOW + 400 * DAY;
    let done = maintain(&app.db, RETENTION, later).await.unwrap();
    assert_eq!(done.calls_pruned, 2);
    assert_eq!(app.count("SELECT COUNT(*) FROM api_usage").await, 0, "{done:?}");
    assert_eq!(app.count("SELECT COUNT(*) FROM api_project_usage").await, 0, "{done:?}");
}

/// The figures table's row for `date`: its calls, if the day had any.
fn calls_on(page: &crate::common::Page, date: &str) -> Option<i64> {
    let row = format!("<tr><th scope=\"row\">{date}</th><td class=\"num\">");
    let at = page.body.find(&row)? + row.len();
    page.body[at..].split('<').next()?.replace(',', "").parse().ok()
}

#[tokio::test]
async fn usage_days_are_the_viewers_days_while_hours_are_kept() {
    let app = spawn_app().await;
    let mut alice = app.member("alice", "MST110001", "tenant_admin").await;
    let bob = app.member("bob", "MST110001", "tenant_user").await;
    let (alice_key, _) = app.key_for("MST110001", &alice.user, 30).await;
    let (bob_key, _) = app.key_for("MST110001", &bob.user, 30).await;
    // Taipei is 8 hours ahead of UTC all year. Its midnight three days ago:
    let taipei = time_tz::timezones::db::asia::TAIPEI;
    let now = member_center::db::now();
    let day = span_start(now + 8 * HOUR, DAY) - 8 * HOUR - 3 * DAY;
    let date = |at: i64| member_center::format::local_date(at, taipei);
    // 00:33 in Taipei (16:33 UTC the day before), 23:50, and 00:10 the next day.
    record(
        &app.db,
        &app,
        &alice_key,
        &[(day + 33 * 60, 200), (day + DAY - 600, 200), (day + DAY + 600, 404)],
    )
    .await;
    record(&app.db, &app, &bob_key, &[(day + 14 * HOUR, 200)]).await;
    let (before, on, after, later) = (date(day - DAY), date(day), date(day + DAY), date(day + 2 * DAY));

    // The project's days, its members', a key's: each the viewer's days.
    let project = alice
        .client
        .get(&format!("/activity?stream=usage&from={before}&to={after}"))
        .await;
    project.assert_contains("API calls a day, by outcome");
    project.assert_contains(r#"<th scope="col">Day</th>"#);
    assert_eq!(
        [
            calls_on(&project, &before),
            calls_on(&project, &on),
            calls_on(&project, &after)
        ],
        [None, Some(3), Some(1)],
        "the call at 00:33 in Taipei is on that Taipei day"
    );
    project.assert_contains("<dt>Calls</dt><dd>4</dd>");
    let own = format!(
        "/activity?stream=usage&from={before}&to={after}&member={}",
        alice.user.id
    );
    let own = alice.client.get(&own).await;
    assert_eq!([calls_on(&own, &on), calls_on(&own, &after)], [Some(2), Some(1)]);
    // The table by key adds up the same (whole days and the hours at the
    // ends of the range): from the first call's Taipei day on.
    let keys = alice
        .client
        .get(&format!("/activity?stream=usage&from={on}&to={later}&key={alice_key}"))
        .await;
    keys.assert_contains("<dt>Calls</dt><dd>3</dd>");
    keys.assert_contains(r#"data-label="Calls" class="num">3</td>"#);
    // One day: an hour a bar, the same day.
    let one = alice
        .client
        .get(&format!("/activity?stream=usage&from={on}&to={on}"))
        .await;
    one.assert_contains("API calls an hour, by outcome");
    one.assert_contains("<dt>Calls</dt><dd>3</dd>");

    // In New York (signed in again) the same calls fall on New York's days.
    sqlx::query("UPDATE accounts SET time_zone = 'America/New_York' WHERE id = $1")
        .bind(alice.user.id)
        .execute(app.db.read())
        .await
        .unwrap();
    let york = time_tz::timezones::db::america::NEW_YORK;
    let (first, second) = (
        member_center::format::local_date(day + 33 * 60, york),
        member_center::format::local_date(day + DAY - 600, york),
    );
    assert_ne!(first, second);
    let mut york_client = app.signed_in(&alice.user).await;
    let range = format!("from={}&to={}", date(day - 2 * DAY), date(day + 2 * DAY));
    let project = york_client.get(&format!("/activity?stream=usage&{range}")).await;
    assert_eq!(
        [calls_on(&project, &first), calls_on(&project, &second)],
        [Some(1), Some(3)],
        "{}",
        project.body
    );
}

#[tokio::test]
async fn the_usage_view_shows_what_the_raw_calls_show_and_only_to_whom_it_may() {
    let app = spawn_app().await;
    let mut alice = app.member("alice", "MST110001", "tenant_admin").await;
    let mut bob = app.member("bob", "MST110001", "tenant_user").await;
    let mut carol = app.member("carol", "MST220002", "tenant_admin").await;
    let (bob_key_id, bob_key) = app.key_for("MST110001", &bob.user, 30).await;
    let (alice_key_id, alice_key) = app.key_for("MST110001", &alice.user, 30).await;
    let client = reqwest::Client::new();
    for _ in 0..5 {
        assert_eq!(app.api_get("/api/v1/whoami", Some(&bob_key)).await.0, StatusCode::OK);
    }
    for body in [json!({"service": "ccs"}), json!({"service": "nope", "resources": {}})] {
        let status = client
            .post(format!("{}/api/v1/allocations", app.base))
            .header("x-api-key", &bob_key)
            .json(&body)
            .send()
            .await
            .unwrap()
            .status();
        assert!(status.is_client_error(), "{status}");
    }
    assert_eq!(app.api_get("/api/v1/keys", Some(&alice_key)).await.0, StatusCode::OK);
    let deadline = Instant::now() + Duration::from_secs(5);
    while app.count("SELECT COUNT(*) FROM api_calls").await < 8 {
        assert!(Instant::now() < deadline, "the calls were not recorded");
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    let raw_failures = app.count("SELECT COUNT(*) FROM api_calls WHERE status >= 400").await;
    assert_eq!(raw_failures, 2);

    // The admin sees the project: 8 calls, 2 failed; one key at a time.
    let page = alice.client.get("/activity?stream=usage").await;
    page.assert_contains("<dt>Calls</dt><dd>8</dd>");
    page.assert_contains("<dt>Failure rate</dt><dd>25.0 %</dd>");
    page.assert_contains(&alice_key_id);
    let one = alice
        .client
        .get(&format!("/activity?stream=usage&key={bob_key_id}"))
        .await;
    one.assert_contains("<dt>Calls</dt><dd>7</dd>");
    one.assert_contains("<dt>Failure rate</dt><dd>28.6 %</dd>");
    assert!(!one.body.contains(&alice_key_id));
    // The chart and its figures for whoever cannot see it: a day a bar.
    one.assert_contains(r#"<svg class="usage-chart""#);
    one.assert_contains("API calls a day, by outcome");
    one.assert_contains("Refused (4xx)");
    // Today alone: an hour a bar, from the hourly sums, the same totals.
    let today = member_center::format::local_date(member_center::db::now(), time_tz::timezones::db::asia::TAIPEI);
    let hours = alice
        .client
        .get(&format!(
            "/activity?stream=usage&key={bob_key_id}&from={today}&to={today}"
        ))
        .await;
    hours.assert_contains("API calls an hour, by outcome");
    hours.assert_contains("<dt>Calls</dt><dd>7</dd>");
    hours.assert_contains(r#"<th scope="col">Hour</th>"#);
    // The raw calls agree.
    let calls = alice.client.get(&format!("/activity?member={}", bob.user.id)).await;
    assert_eq!(calls.body.matches("GET /api/v1/whoami").count(), 5);
    assert_eq!(calls.body.matches("POST /api/v1/allocations").count(), 2);

    // A tenant user sees their own use only, whatever they ask for.
    let own = bob.client.get("/activity?stream=usage").await;
    own.assert_contains("<dt>Calls</dt><dd>7</dd>");
    assert!(!own.body.contains(&alice_key_id));
    let theirs = bob
        .client
        .get(&format!("/activity?stream=usage&key={alice_key_id}"))
        .await;
    theirs.assert_contains("No API calls in this range.");
    // Another project's admin cannot see this project's key.
    let elsewhere = carol
        .client
        .get(&format!("/activity?stream=usage&key={bob_key_id}"))
        .await;
    elsewhere.assert_contains("No API calls in this range.");
    assert!(!elsewhere.body.contains("<dd>7</dd>"));

    // Bad input: a clear message, nothing shown.
    let bad = alice.client.get("/activity?stream=usage&key=%27%3B--").await;
    bad.assert_contains("Enter a key ID as shown on the API Keys page");
    let long = alice
        .client
        .get("/activity?stream=usage&from=2020-01-01&to=2026-01-01")
        .await;
    long.assert_contains("Choose a range of at most 400 days");
    let csv = alice
        .client
        .get("/activity.csv?stream=usage&from=2020-01-01&to=2026-01-01")
        .await;
    assert_eq!(csv.status, StatusCode::UNPROCESSABLE_ENTITY);
    // In Chinese too.
    alice.client.post("/language", &[("lang", "zh-TW")]).await;
    alice
        .client
        .get("/activity?stream=usage")
        .await
        .assert_contains("用量趨勢");
}

#[tokio::test]
async fn pruning_a_large_backlog_never_holds_up_an_admission() {
    let app = spawn_app().await;
    let bob = app.member("bob", "MST110001", "tenant_user").await;
    member_center::operator::service::set_project_quota(&app.db, None, "MST110001", "ccs", &[("gpu", Some("1000"))])
        .await
        .unwrap();
    let (key_id, key) = app.key_for("MST110001", &bob.user, 30).await;
    // 60,000 calls older than the raw window, 20,000 hourly sums older than
    // 31 days, 20,000 daily ones past the retention, written in bulk (as a
    // long-stopped maintenance would leave).
    let now = member_center::db::now();
    let old = now - 60 * DAY;
    let account = bob.user.id;
    for (sql, rows) in [
        (
            format!(
                "INSERT INTO api_calls (at, project_id, account_id, key_id, method, route, status, latency_us, client) \
                 SELECT {old} + n, 1, {account}, '{key_id}', 1, 2, 200, 900, '192.0.2.1' FROM n"
            ),
            60_000,
        ),
        (
            format!(
                "INSERT INTO api_usage (key_id, span, start, project_id, account_id, calls, ok, client_errors, \
                 server_errors, latency_sum_us, latency_max_us, first_at, last_at) \
                 SELECT 'k' || CAST(n % 100 AS TEXT), 3600, {hour} + (n / 100) * 3600, 1, {account}, 2, 2, 0, 0, 10, 5, \
                 {hour} + (n / 100) * 3600, {hour} + (n / 100) * 3600 FROM n",
                hour = span_start(old, HOUR),
            ),
            20_000,
        ),
        (
            format!(
                "INSERT INTO api_usage (key_id, span, start, project_id, account_id, calls, ok, client_errors, \
                 server_errors, latency_sum_us, latency_max_us, first_at, last_at) \
                 SELECT 'd' || CAST(n % 100 AS TEXT), 86400, {day} - (n / 100) * 86400, 1, {account}, 2, 2, 0, 0, 10, 5, \
                 {day} - (n / 100) * 86400, {day} - (n / 100) * 86400 FROM n",
                day = span_start(now - 401 * DAY, DAY),
            ),
            20_000,
        ),
    ] {
        let sql = format!("WITH RECURSIVE n(n) AS (SELECT 0 UNION ALL SELECT n + 1 FROM n WHERE n + 1 < {rows}) {sql}");
        sqlx::query(sqlx::AssertSqlSafe(sql))
            .execute(app.db.read())
            .await
            .unwrap();
    }
    let before = sums(&app, "1 = 1").await;

    let db = app.db.clone();
    let maintenance = tokio::spawn(async move {
        let started = Instant::now();
        let done = maintain(&db, RETENTION, now).await.unwrap();
        (done, started.elapsed())
    });
    let client = reqwest::Client::new();
    let mut slowest = Duration::ZERO;
    let mut admitted = 0;
    while !maintenance.is_finished() || admitted < 20 {
        let started = Instant::now();
        let response = client
            .post(format!("{}/api/v1/allocations", app.base))
            .header("x-api-key", &key)
            .json(&json!({"service": "ccs", "resources": {"gpu": 1}, "idempotency_key": format!("p{admitted}")}))
            .send()
            .await
            .unwrap();
        assert_eq!(response.status(), StatusCode::CREATED);
        let id = response.json::<serde_json::Value>().await.unwrap()["id"].to_string();
        let id = id.trim_matches('"');
        slowest = slowest.max(started.elapsed());
        let released = client
            .delete(format!("{}/api/v1/allocations/{id}", app.base))
            .header("x-api-key", &key)
            .send()
            .await
            .unwrap();
        assert!(released.status().is_success());
        admitted += 1;
    }
    let (done, took) = maintenance.await.unwrap();
    eprintln!("maintenance {done:?} in {took:?}; {admitted} admissions, the slowest {slowest:?}");
    assert_eq!(done.calls_pruned, 60_000);
    assert_eq!(done.hours_pruned, 20_000);
    assert_eq!(done.sums_pruned, 20_000);
    assert!(slowest < Duration::from_millis(200), "an admission waited {slowest:?}");
    // Only what was past its window went: the admissions' own calls stay.
    assert_eq!(
        app.count("SELECT COUNT(*) FROM api_usage WHERE key_id LIKE 'k%' OR key_id LIKE 'd%'")
            .await,
        0
    );
    let after = sums(&app, "1 = 1").await;
    assert!(after.0 > 0 && before.0 > after.0, "{before:?} → {after:?}");
}

#[test]
fn every_route_of_the_api_has_a_stored_code() {
    for (_, path) in member_center::route_table() {
        if path.starts_with("/api/v1/") {
            assert!(
                ROUTES.contains(&path.as_str()),
                "{path} needs a code in activity::calls::ROUTES"
            );
        }
    }
}

/// Upgrading keeps what was recorded: every call of the old one-table log
/// is in the hourly sums, and in detail until the raw window passes.
#[tokio::test]
async fn calls_recorded_before_the_upgrade_are_kept() {
    let scratch = crate::common::Scratch::new().await;
    let db = member_center::db::open_without_migrating(&scratch.location)
        .await
        .unwrap();
    // The schema as it was (version 7), from this build's own files.
    let backend = if crate::common::on_postgres() {
        "postgres"
    } else {
        "sqlite"
    };
    let old = tempfile::tempdir().unwrap();
    let mut copied = 0;
    for entry in std::fs::read_dir(format!("{}/migrations/{backend}", env!("CARGO_MANIFEST_DIR"))).unwrap() {
        let path = entry.unwrap().path();
        let name = path.file_name().unwrap().to_str().unwrap().to_string();
        if name.as_str() < "0008" {
            std::fs::copy(&path, old.path().join(&name)).unwrap();
            copied += 1;
        }
    }
    assert_eq!(copied, 7);
    sqlx::migrate::Migrator::new(old.path())
        .await
        .unwrap()
        .run(db.read())
        .await
        .unwrap();
    assert_eq!(db.applied_schema_version().await.unwrap(), 7);
    for sql in [
        "INSERT INTO accounts (id, username, display_name, email, password_hash, created_at) \
         VALUES (1, 'bob', 'Bob', 'bob@example.org', 'x', 0)",
        "INSERT INTO projects (id, code, name, starts_on, ends_on, created_at) \
         VALUES (1, 'MST110001', 'Lab', '2026-01-01', '2026-12-31', 0)",
        "INSERT INTO api_activity (at, account_id, project_id, key_id, method, path, status, latency_us) VALUES \
         (1764403200, 1, 1, 'ak-1', 'GET', '/api/v1/whoami', 200, 900), \
         (1764403260, 1, 1, 'ak-1', 'DELETE', '/api/v1/allocations/17', 404, 300), \
         (1764406800, 1, 1, 'ak-1', 'POST', '/api/v1/allocations', 201, 1500), \
         (1764406900, 1, 1, 'ak-2', 'GET', '/api/v1/nowhere', 500, 100)",
    ] {
        sqlx::query(sql).execute(db.read()).await.unwrap();
    }

    db.migrate().await.unwrap();
    let calls: Vec<(i64, i64, i64, String)> =
        sqlx::query_as("SELECT method, route, status, key_id FROM api_calls ORDER BY id")
            .fetch_all(db.read())
            .await
            .unwrap();
    use member_center::activity::calls::{METHODS, name_of};
    let shown: Vec<(&str, &str, i64)> = calls
        .iter()
        .map(|(method, route, status, _)| (name_of(&METHODS, *method), name_of(&ROUTES, *route), *status))
        .collect();
    assert_eq!(
        shown,
        [
            ("GET", "/api/v1/whoami", 200),
            ("DELETE", "/api/v1/allocations/{id}", 404),
            ("POST", "/api/v1/allocations", 201),
            ("GET", "(no route)", 500),
        ]
    );
    let hours: Vec<(String, i64, i64, i64, i64, i64)> = sqlx::query_as(
        "SELECT key_id, start, calls, ok, client_errors, server_errors FROM api_usage \
         WHERE span = 3600 ORDER BY key_id, start",
    )
    .fetch_all(db.read())
    .await
    .unwrap();
    assert_eq!(
        hours,
        [
            ("ak-1".to_string(), 1_764_403_200, 2, 1, 1, 0),
            ("ak-1".to_string(), 1_764_406_800, 1, 1, 0, 0),
            ("ak-2".to_string(), 1_764_406_800, 1, 0, 0, 1),
        ]
    );
}
