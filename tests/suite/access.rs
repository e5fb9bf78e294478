//! Every registered route, for every role, against the one table of access
//! decisions (`member_center::access::TABLE`). The routes come from the
//! app's own route table, so a route added later is swept too (and one
//! without a decision stops the server from starting at all).

use crate::common::{Client, TestApp, TestUser, spawn_app};
use actix_web::http::Method;
use member_center::{
    access::{self, Access},
    accounts::PlatformRole,
};
use reqwest::StatusCode;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Role {
    Anonymous,
    TenantUser,
    /// A tenant admin of another project than the one the IDs belong to.
    OtherAdmin,
    TenantAdmin,
    Support,
    Operator,
}

const ROLES: [Role; 6] = [
    Role::Anonymous,
    Role::TenantUser,
    Role::OtherAdmin,
    Role::TenantAdmin,
    Role::Support,
    Role::Operator,
];

struct Actor {
    role: Role,
    user: Option<TestUser>,
    client: Client,
    /// An API key of the actor's, when they are a member somewhere.
    key: Option<String>,
}

/// The IDs that fill path patterns: all of project MST110001's.
struct Ids {
    carl: member_center::auth::identity::AccountId,
    carl_key: String,
    allocation: i64,
    project: i64,
}

fn fill(path: &str, ids: &Ids) -> String {
    path.replace("{hash}", "0000")
        .replace("{name}", "app.css")
        .replace("{account_id}", &ids.carl.to_string())
        .replace("{key_id}", &ids.carl_key)
        .replace("{cluster}", "k8s-D-twcc")
        .replace("{number}", "PO-1")
        .replace("{code}", "MST110001")
        .replace("{token}", "00000000-0000-4000-8000-000000000000")
        .replace("/sessions/{id}", "/sessions/999999")
        .replace("/projects/{id}", &format!("/projects/{}", ids.project))
        .replace("{id}", &ids.allocation.to_string())
}

/// Whether the path names an object of MST110001 (an account, key or allocation).
fn names_an_object(path: &str) -> bool {
    ["{account_id}", "{key_id}", "{id}"].iter().any(|p| path.contains(p))
}

fn allowed(access: Access, role: Role) -> bool {
    use Role::*;
    match access {
        Access::Public => true,
        Access::SignedIn => role != Anonymous,
        Access::Member | Access::ApiKey => matches!(role, TenantUser | OtherAdmin | TenantAdmin),
        Access::TenantAdmin | Access::AdminKey => matches!(role, OtherAdmin | TenantAdmin),
        Access::Support => matches!(role, Support | Operator),
        Access::Operator => role == Operator,
    }
}

async fn send(actor: &mut Actor, method: &Method, path: &str, api: bool) -> (StatusCode, String) {
    if api {
        let method = reqwest::Method::from_bytes(method.as_str().as_bytes()).unwrap();
        let mut request = reqwest::Client::new()
            .request(method.clone(), actor.client.url(path))
            .header("x-api-host", "k8s-D-twcc");
        if let Some(key) = &actor.key {
            request = request.header("x-api-key", key);
        }
        if method == reqwest::Method::POST {
            request = request.header("content-type", "application/json").body("{}");
        }
        let response = request.send().await.unwrap();
        return (response.status(), String::new());
    }
    let page = match *method {
        Method::GET => actor.client.get(path).await,
        Method::POST => actor.client.post(path, &[]).await,
        _ => panic!("no portal route uses {method}"),
    };
    (page.status, page.location().unwrap_or("").to_string())
}

async fn actors(app: &TestApp) -> (Vec<Actor>, Ids) {
    let alice = app.member("alice", "MST110001", "tenant_admin").await;
    let bob = app.member("bob", "MST110001", "tenant_user").await;
    let carl = app.member("carl", "MST110001", "tenant_user").await;
    let olga = app.member("olga", "MST220002", "tenant_admin").await;
    let sam = app.create_user("sam", PlatformRole::Support).await;
    let olivia = app.create_user("olivia", PlatformRole::Operator).await;
    member_center::operator::service::set_project_quota(
        &app.db,
        None,
        "MST110001",
        "ccs",
        &[("cpu", Some("64")), ("gpu", Some("4"))],
    )
    .await
    .unwrap();
    member_center::operator::service::add_order(&app.db, None, "MST110001", "PO-1", "100", "")
        .await
        .unwrap();
    let (carl_key, carl_secret) = app.key_for("MST110001", &carl.user, 30).await;
    let response = reqwest::Client::new()
        .post(format!("{}/api/v1/allocations", app.base))
        .header("x-api-key", &carl_secret)
        .json(&serde_json::json!({"service": "ccs", "resources": {"cpu": 1}, "idempotency_key": "a"}))
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), StatusCode::CREATED);
    // Carl's quota request: the `{id}` of the request routes (as the allocation's).
    let project =
        member_center::auth::identity::ProjectId(app.count("SELECT id FROM projects WHERE code = 'MST110001'").await);
    let fields = member_center::quota_requests::fields(&[
        ("service", "ccs"),
        ("gpu", "2"),
        ("reason", "A request to sweep the routes with"),
    ]);
    let request =
        member_center::quota_requests::NewRequest::parse(member_center::quota_requests::RequestKind::Member, &fields)
            .unwrap();
    let carl_as = member_center::quota_requests::service::Actor {
        id: carl.user.id,
        name: "carl",
    };
    let request = member_center::quota_requests::service::file(&app.db, carl_as, project, &request)
        .await
        .unwrap();
    assert_eq!(
        request,
        app.count("SELECT id FROM allocations").await,
        "one {{id}} names both"
    );
    let ids = Ids {
        carl: carl.user.id,
        carl_key,
        allocation: app.count("SELECT id FROM allocations").await,
        project: app.count("SELECT id FROM projects WHERE code = 'MST110001'").await,
    };
    let mut list = vec![Actor {
        role: Role::Anonymous,
        user: None,
        client: app.client(),
        key: None,
    }];
    for (role, member, code) in [
        (Role::TenantUser, bob, "MST110001"),
        (Role::OtherAdmin, olga, "MST220002"),
        (Role::TenantAdmin, alice, "MST110001"),
    ] {
        let (_, key) = app.key_for(code, &member.user, 30).await;
        list.push(Actor {
            role,
            user: Some(member.user),
            client: member.client,
            key: Some(key),
        });
    }
    for (role, user) in [(Role::Support, sam), (Role::Operator, olivia)] {
        list.push(Actor {
            role,
            client: app.signed_in(&user).await,
            user: Some(user),
            key: None,
        });
    }
    (list, ids)
}

#[tokio::test]
async fn every_route_answers_every_role_as_the_access_table_says() {
    let app = spawn_app().await;
    let (mut actors, ids) = actors(&app).await;
    let routes = member_center::route_table();
    assert!(routes.len() > 60, "the route table is read from the app");
    let mut checked = 0;
    let mut reloaded = 0;
    for (method, pattern) in &routes {
        let access = access::decision(method, pattern).expect("every route has a decision");
        let path = fill(pattern, &ids);
        let api = matches!(access, Access::ApiKey | Access::AdminKey);
        for actor in actors.iter_mut() {
            let (status, location) = send(actor, method, &path, api).await;
            let to_sign_in = status == StatusCode::SEE_OTHER && location.starts_with("/sign-in");
            // Public pages may send to sign-in on their own (signing out does).
            let denied = (to_sign_in && access != Access::Public)
                || status == StatusCode::UNAUTHORIZED
                || status == StatusCode::FORBIDDEN;
            let what = format!("{:?} {method} {pattern} ({access:?}): {status} {location}", actor.role);
            let no_project = matches!(actor.role, Role::Support | Role::Operator) && access == Access::Member;
            if !allowed(access, actor.role) {
                match actor.role {
                    Role::Anonymous if api => assert_eq!(status, StatusCode::UNAUTHORIZED, "{what}"),
                    Role::Anonymous => assert!(to_sign_in, "{what}"),
                    // A member's key, but not an admin's.
                    Role::TenantUser if api => assert_eq!(status, StatusCode::FORBIDDEN, "{what}"),
                    _ if api => assert_eq!(status, StatusCode::UNAUTHORIZED, "{what}"),
                    // Support staff and operators belong to no project here.
                    _ if no_project => assert!(
                        matches!(status, StatusCode::BAD_REQUEST | StatusCode::FORBIDDEN),
                        "{what}"
                    ),
                    _ => assert_eq!(status, StatusCode::FORBIDDEN, "{what}"),
                }
            } else if actor.role == Role::OtherAdmin && names_an_object(pattern) && access != Access::SignedIn {
                // Another project's account, key or allocation: never visible.
                assert_eq!(status, StatusCode::NOT_FOUND, "{what}");
            } else {
                assert!(!denied, "{what}");
                assert!(!status.is_server_error(), "{what}");
                // A form's answer that is a page, not a redirect: reloading
                // it sends the form again, which must write nothing more.
                if *method == Method::POST && !api && status.is_success() {
                    let before = rows_written(&app).await;
                    let (again, _) = send(actor, method, &path, api).await;
                    assert!(!again.is_server_error(), "{what}, reloaded");
                    assert_eq!(rows_written(&app).await, before, "{what}: a reload wrote again");
                    reloaded += 1;
                }
            }
            checked += 1;
            // Keep the cast as it was: signed in, and Carl in the project.
            if *method != Method::GET {
                // (Each page read also renews the client's CSRF token.)
                match &actor.user {
                    None => {
                        actor.client.get("/sign-in").await;
                    }
                    Some(user) => {
                        if actor.client.get("/account/profile").await.status != StatusCode::OK {
                            actor.client = app.signed_in(user).await;
                        }
                    }
                }
                let _ = member_center::operator::service::add_member(&app.db, None, "MST110001", "carl", "tenant_user")
                    .await;
            }
        }
    }
    assert_eq!(checked, routes.len() * ROLES.len());
    // (Today every form that succeeds answers with a redirect.)
    eprintln!("{reloaded} form answers were pages, reloaded without writing again");
}

/// Rows in every table a person's action writes (not sessions, throttles,
/// the API's own records or the instances' bookkeeping, which reading a
/// page may touch).
async fn rows_written(app: &TestApp) -> i64 {
    let list = if crate::common::on_postgres() {
        "SELECT table_name FROM information_schema.tables WHERE table_schema = current_schema() AND table_type = 'BASE TABLE'"
    } else {
        "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%'"
    };
    let tables: Vec<String> = sqlx::query_scalar(list).fetch_all(app.db.read()).await.unwrap();
    let mut total = 0;
    for table in tables {
        let bookkeeping = [
            "sessions",
            "sign_in_throttle",
            "known_devices",
            "job_runs",
            "api_calls",
            "api_usage",
            "api_project_usage",
            "cache_generation",
        ];
        if table.starts_with("_sqlx") || bookkeeping.contains(&table.as_str()) {
            continue;
        }
        total += app.count(&format!("SELECT COUNT(*) FROM {table}")).await;
    }
    total
}

#[test]
fn the_access_table_and_the_route_table_agree() {
    let routes = member_center::route_table();
    access::check_every_route_decided(&routes).unwrap();
    // A route without a decision is caught.
    let mut more = routes.clone();
    more.push((Method::GET, "/brand-new".to_string()));
    assert!(access::check_every_route_decided(&more).is_err());
}
