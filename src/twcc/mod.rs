//! A TWCC-compatible subset of the API, so that the existing TWCC
//! command-line client (`twcc-cli`) works against Member Center unchanged.
//! It shares the stores with the native API; errors are `{"detail": "…"}`,
//! which the client prints as `Error-<detail>`.

pub mod routes;
pub mod store;

use actix_web::{
    Error, HttpResponse,
    body::{BoxBody, MessageBody},
    dev::{ServiceRequest, ServiceResponse},
    middleware::{Next, from_fn},
};

use crate::{
    quotas::QuotaService,
    web::{i18n::Lang, router::Routes},
};

/// The clusters the client knows, by the `x-api-host` it sends.
pub const CLUSTERS: [Cluster; 4] = [
    Cluster {
        name: "k8s-D-twcc",
        service: "ccs",
        quotas: Some(QuotaService::Ccs),
    },
    Cluster {
        name: "openstack-taichung-default-2",
        service: "vcs",
        quotas: Some(QuotaService::Vcs),
    },
    Cluster {
        name: "slurm-taichung-default",
        service: "hpc",
        quotas: Some(QuotaService::Hpc),
    },
    Cluster {
        name: "ceph-taichung-default",
        service: "cos",
        quotas: None,
    },
];

/// The accounts "cluster".
pub const GOC: &str = "goc";

#[derive(Debug, Clone, Copy)]
pub struct Cluster {
    pub name: &'static str,
    /// The Member Center service it stands for.
    pub service: &'static str,
    pub quotas: Option<QuotaService>,
}

pub fn cluster(name: &str) -> Option<Cluster> {
    CLUSTERS.iter().copied().find(|c| c.name == name)
}

/// TWCC's error shape: its client prints `detail` as "Error-<detail>".
async fn render_errors(
    req: ServiceRequest,
    next: Next<impl MessageBody + 'static>,
) -> Result<ServiceResponse<BoxBody>, Error> {
    crate::web::errors::render_in_scope(req, next, |_, status, report| {
        let detail = report.message.in_lang(Lang::En);
        HttpResponse::build(status).json(serde_json::json!({ "detail": detail }))
    })
    .await
}

pub fn configure(r: &mut Routes) {
    r.scope(
        "/api/v2",
        |scope| scope.wrap(from_fn(render_errors)).wrap(from_fn(crate::api::record)),
        |r| {
            r.get("/users/", routes::users)
                .get("/{cluster}/projects/", routes::projects)
                .get("/{cluster}/projects/{id}/key/", routes::object_storage_key)
                .get("/{cluster}/project_quotas/", routes::project_quotas)
                .get("/{cluster}/projects/{id}/user_quotas/", routes::user_quotas);
        },
    )
    .scope(
        "/iservice",
        |scope| scope.wrap(from_fn(render_errors)).wrap(from_fn(crate::api::record)),
        |r| {
            r.get("/user/all_wallet/", routes::all_wallets)
                .get("/user/wallet/", routes::wallet);
        },
    );
}
