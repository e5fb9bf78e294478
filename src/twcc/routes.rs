//! Handlers of the TWCC-compatible API. Each answers for the key's tenant.

use actix_web::{HttpRequest, HttpResponse, web};
use serde::Deserialize;
use serde_json::{Map, Value, json};

use super::{Cluster, GOC, cluster, store};
use crate::{
    AppState,
    api::ApiCaller,
    error::AppError,
    quotas::{Gauge, service as quota_service},
    wallets::{SCALE, service as wallet_service},
    web::i18n::Msg,
};

/// The cluster a request is for: the path's, which `x-api-host` (when
/// sent) must name too, and whose service the key's scope must cover.
fn cluster_of(caller: &ApiCaller, req: &HttpRequest, name: &str) -> Result<Cluster, AppError> {
    let cluster = cluster(name).ok_or(AppError::NotFound)?;
    if let Some(host) = req.headers().get("x-api-host").and_then(|v| v.to_str().ok())
        && host != cluster.name
    {
        return Err(AppError::BadRequest(Msg::new("twcc-host-mismatch")));
    }
    let service = crate::permissions::Service::parse(cluster.service)
        .ok_or_else(|| AppError::Internal(anyhow::anyhow!("cluster {} names no service", cluster.name)))?;
    caller.in_scope(service)?;
    Ok(cluster)
}

fn own_project(caller: &ApiCaller, id: &str) -> Result<(), AppError> {
    match id.parse::<crate::auth::identity::ProjectId>() {
        Ok(id) if id == caller.owner.project_id => Ok(()),
        _ => Err(AppError::NotFound),
    }
}

/// Credits as the client expects them: a plain number.
fn credits(units: impl Into<i128>) -> Value {
    json!(units.into() as f64 / SCALE as f64)
}

/// `[{id, username, display_name, email}]`
pub async fn users(caller: ApiCaller, req: HttpRequest) -> Result<HttpResponse, AppError> {
    if let Some(host) = req.headers().get("x-api-host").and_then(|v| v.to_str().ok())
        && host != GOC
    {
        return Err(AppError::BadRequest(Msg::new("twcc-host-mismatch")));
    }
    let o = &caller.owner;
    Ok(HttpResponse::Ok().json(json!([{
        "id": o.account_id,
        "username": o.username,
        "display_name": o.display_name,
        "email": o.email,
    }])))
}

/// `[{id, name}]`: the key's project, named by its code.
pub async fn projects(caller: ApiCaller, req: HttpRequest, path: web::Path<String>) -> Result<HttpResponse, AppError> {
    cluster_of(&caller, &req, &path)?;
    Ok(HttpResponse::Ok().json(json!([{ "id": caller.owner.project_id, "name": caller.owner.project_code }])))
}

/// The tenant's object-storage key pair, made on first request, for
/// tenants allowed to use Cloud Object Storage.
pub async fn object_storage_key(
    caller: ApiCaller,
    req: HttpRequest,
    path: web::Path<(String, String)>,
    state: web::Data<AppState>,
) -> Result<HttpResponse, AppError> {
    let (name, id) = path.into_inner();
    let cluster = cluster_of(&caller, &req, &name)?;
    if cluster.service != "cos" {
        return Err(AppError::NotFound);
    }
    own_project(&caller, &id)?;
    let db = &state.db;
    caller.may_use(crate::permissions::Service::Cos)?;
    let pair = crate::object_storage::service::pair_made(db, caller.owner.project_id, caller.owner.account_id).await?;
    let secret_key = state.secrets.object_storage_secret(&pair.access_key, &pair.salt);
    let access_key = pair.access_key;
    Ok(HttpResponse::Ok()
        .insert_header(("Cache-Control", "no-store"))
        .json(json!({ "public": { "access_key": access_key, "secret_key": secret_key } })))
}

/// `{cpu: {usage, quota}, …}` (quota -1: unlimited).
fn gauges_json(gauges: &[Gauge]) -> Map<String, Value> {
    gauges
        .iter()
        .map(|g| {
            (
                g.resource.code().to_string(),
                json!({ "usage": g.usage, "quota": g.quota() }),
            )
        })
        .collect()
}

#[derive(Deserialize)]
pub struct ProjectQuery {
    #[serde(default)]
    project: String,
}

/// `[{project: {name}, cpu: {usage, quota}, …}]` for the key's project.
pub async fn project_quotas(
    caller: ApiCaller,
    req: HttpRequest,
    path: web::Path<String>,
    query: web::Query<ProjectQuery>,
    state: web::Data<AppState>,
) -> Result<HttpResponse, AppError> {
    let service = cluster_of(&caller, &req, &path)?.quotas.ok_or(AppError::NotFound)?;
    own_project(&caller, &query.project)?;
    let gauges = quota_service::project_gauges(&state.db, caller.owner.project_id, service).await?;
    let mut entry = gauges_json(&gauges);
    entry.insert("project".into(), json!({ "name": caller.owner.project_code }));
    Ok(HttpResponse::Ok().json(json!([entry])))
}

/// Tenant admins only: `[{user: {username}, cpu: {usage, quota}, …}]`.
pub async fn user_quotas(
    caller: ApiCaller,
    req: HttpRequest,
    path: web::Path<(String, String)>,
    state: web::Data<AppState>,
) -> Result<HttpResponse, AppError> {
    let (name, id) = path.into_inner();
    let service = cluster_of(&caller, &req, &name)?.quotas.ok_or(AppError::NotFound)?;
    own_project(&caller, &id)?;
    if !caller.is_tenant_admin() {
        return Err(AppError::Forbidden);
    }
    let db = &state.db;
    let project_id = caller.owner.project_id;
    let rows: Vec<Value> = quota_service::members_with_gauges(db, project_id, service)
        .await?
        .into_iter()
        .map(|(m, gauges)| {
            let mut entry = gauges_json(&gauges);
            entry.insert(
                "user".into(),
                json!({ "username": m.username, "display_name": m.display_name }),
            );
            Value::Object(entry)
        })
        .collect();
    Ok(HttpResponse::Ok().json(rows))
}

/// `{"wallet": [{計畫系統代碼, 計畫名稱, 錢包ID, 錢包餘額, 錢包擁有者, 計畫開始時間, 計畫結束時間}]}`
pub async fn all_wallets(caller: ApiCaller, state: web::Data<AppState>) -> Result<HttpResponse, AppError> {
    let rows = store::wallets_of(&state.db, caller.owner.account_id).await?;
    let wallets: Vec<Value> = rows
        .into_iter()
        .map(|w| {
            json!({
                "計畫系統代碼": w.code,
                "計畫名稱": w.name,
                "錢包ID": w.wallet_id,
                "錢包餘額": credits(w.balance),
                "錢包擁有者": w.owner,
                "計畫開始時間": w.starts_on,
                "計畫結束時間": w.ends_on,
            })
        })
        .collect();
    Ok(HttpResponse::Ok().json(json!({ "wallet": wallets })))
}

/// The key's project wallet: its code, what is left to me (my sub-wallet,
/// else the project's), and what was obtained.
pub async fn wallet(caller: ApiCaller, state: web::Data<AppState>) -> Result<HttpResponse, AppError> {
    let db = &state.db;
    let parent = wallet_service::parent(db, caller.owner.project_id).await?;
    let sub = wallet_service::sub_wallet(db, caller.owner.project_id, caller.owner.account_id).await?;
    let project_obtained = store::obtained(db, parent.id).await?;
    let (mine, mine_obtained) = match &sub {
        Some(sub) => (sub.balance.0, store::obtained(db, sub.id).await?),
        None => (parent.balance.0, project_obtained),
    };
    Ok(HttpResponse::Ok().json(json!({
        "wallet_code": parent.id,
        "su_qouta": credits(mine),
        "obtained_su": credits(mine_obtained.0),
        "prj_su_quota": credits(parent.balance.0),
        "prj_obtained_su": credits(project_obtained.0),
    })))
}
