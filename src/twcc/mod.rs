//! A TWCC-compatible subset of the API, so that the existing TWCC
//! command-line client (`twcc-cli`) works against Member Center unchanged.
//! It shares the stores with the native API; errors are `{"detail": "…"}`,
//! which the client prints as `Error-<detail>`.

pub mod routes;
pub mod store;

use actix_web::{middleware::from_fn, web};

use crate::quotas::QuotaService;

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
        quotas: None,
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

/// Paths answered in TWCC's shape.
pub fn is_twcc_path(path: &str) -> bool {
    path.starts_with("/api/v2/") || path.starts_with("/iservice/")
}

pub fn configure(cfg: &mut web::ServiceConfig) {
    cfg.service(
        web::scope("/api/v2")
            .wrap(from_fn(crate::api::record))
            .route("/users/", web::get().to(routes::users))
            .route("/{cluster}/projects/", web::get().to(routes::projects))
            .route(
                "/{cluster}/projects/{id}/key/",
                web::get().to(routes::object_storage_key),
            )
            .route("/{cluster}/project_quotas/", web::get().to(routes::project_quotas))
            .route(
                "/{cluster}/projects/{id}/user_quotas/",
                web::get().to(routes::user_quotas),
            ),
    )
    .service(
        web::scope("/iservice")
            .wrap(from_fn(crate::api::record))
            .route("/user/all_wallet/", web::get().to(routes::all_wallets))
            .route("/user/wallet/", web::get().to(routes::wallet)),
    );
}
