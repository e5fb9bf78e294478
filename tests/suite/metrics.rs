//! Prometheus metrics: only on their own address, and they count what
//! happened.

use crate::common::{spawn_app, spawn_app_with};
use reqwest::StatusCode;
use serde_json::json;

async fn scrape(address: &str) -> String {
    let response = reqwest::get(format!("{address}/metrics")).await.unwrap();
    assert_eq!(response.status(), StatusCode::OK);
    response.text().await.unwrap()
}

/// The value of the sample `line_start` (a metric name with its labels).
fn sample(text: &str, line_start: &str) -> f64 {
    text.lines()
        .find_map(|line| line.strip_prefix(line_start)?.trim().parse().ok())
        .unwrap_or_else(|| panic!("no sample {line_start} in:\n{text}"))
}

#[tokio::test]
async fn metrics_are_off_unless_an_address_is_given_and_never_on_the_portal() {
    let app = spawn_app().await;
    assert!(app.metrics.is_none());
    let on = spawn_app_with(|c| c.metrics_bind = Some("127.0.0.1:0".into())).await;
    for portal in [&app.base, &on.base] {
        let response = reqwest::get(format!("{portal}/metrics")).await.unwrap();
        assert_eq!(response.status(), StatusCode::NOT_FOUND);
    }
}

#[tokio::test]
async fn requests_admissions_and_caches_are_counted() {
    let app = spawn_app_with(|c| c.metrics_bind = Some("127.0.0.1:0".into())).await;
    let metrics = app.metrics.clone().expect("metrics address");
    let member = app.member("alice", "MST110001", "tenant_admin").await;
    member_center::operator::service::set_project_quota(
        &app.db,
        None,
        "MST110001",
        "ccs",
        &[("cpu", Some("4")), ("gpu", Some("0")), ("memory", Some("-1"))],
    )
    .await
    .unwrap();
    let (_, key) = app.key_for("MST110001", &member.user, 30).await;
    let http = reqwest::Client::new();
    for _ in 0..3 {
        let whoami = http
            .get(format!("{}/api/v1/whoami", app.base))
            .header("x-api-key", &key)
            .send()
            .await
            .unwrap();
        assert_eq!(whoami.status(), StatusCode::OK);
    }
    let bad = http
        .get(format!("{}/api/v1/whoami", app.base))
        .header("x-api-key", "not-a-key")
        .send()
        .await
        .unwrap();
    assert_eq!(bad.status(), StatusCode::UNAUTHORIZED);
    for (n, status) in [(1, StatusCode::CREATED), (2, StatusCode::CONFLICT)] {
        let admitted = http
            .post(format!("{}/api/v1/allocations", app.base))
            .header("x-api-key", &key)
            .json(&json!({"service": "ccs", "resources": {"cpu": 3}, "idempotency_key": format!("job-{n}")}))
            .send()
            .await
            .unwrap();
        assert_eq!(admitted.status(), status, "admission {n}");
    }

    let text = scrape(&metrics).await;
    let whoami = r#"mc_http_requests_total{route="/api/v1/whoami",method="GET",status="#;
    assert_eq!(sample(&text, &format!(r#"{whoami}"200"}}"#)), 3.0);
    assert_eq!(sample(&text, &format!(r#"{whoami}"401"}}"#)), 1.0);
    assert_eq!(
        sample(
            &text,
            r#"mc_http_request_duration_seconds_count{route="/api/v1/whoami",method="GET"}"#
        ),
        4.0
    );
    assert_eq!(sample(&text, r#"mc_admissions_total{outcome="admitted"}"#), 1.0);
    assert_eq!(sample(&text, r#"mc_admissions_total{outcome="refused"}"#), 1.0);
    // The first whoami read the key; the next two were remembered.
    assert!(sample(&text, r#"mc_cache_hits_total{cache="api_keys"}"#) >= 2.0);
    assert!(sample(&text, r#"mc_cache_misses_total{cache="api_keys"}"#) >= 1.0);
    assert!(sample(&text, "mc_cache_invalidations_total") >= 1.0);
    assert!(sample(&text, r#"mc_db_pool_connections{state="idle"}"#) >= 0.0);
    assert!(sample(&text, "mc_activity_queued") >= 0.0);
    assert!(text.contains("# HELP mc_admissions_total Allocation admissions decided, by outcome."));
    assert!(text.contains("# TYPE mc_http_request_duration_seconds histogram"));
    // A path's IDs never become labels: only the route's pattern does.
    assert!(!text.contains(&key));
}
