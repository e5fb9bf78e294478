//! Tenant management permissions: which of the cloud's services each member
//! of a project may use. Tenant admins edit anyone's; a tenant user sees
//! only their own, read-only.

pub mod routes;
pub mod service;
pub mod store;
pub mod views;

use crate::web::router::Routes;

pub fn configure(r: &mut Routes) {
    r.get("/permissions", routes::page)
        .get("/permissions/{account_id}", routes::dialog)
        .post("/permissions/{account_id}", routes::save);
}

/// A service of the cloud that a tenant may be allowed to use.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Service {
    /// Container Compute Service.
    Ccs,
    /// Virtual Compute Service.
    Vcs,
    Hpc,
    /// Cloud Object Storage.
    Cos,
    /// Container Registry.
    Registry,
}

impl Service {
    pub const ALL: [Service; 5] = [
        Service::Ccs,
        Service::Vcs,
        Service::Hpc,
        Service::Cos,
        Service::Registry,
    ];

    pub fn code(self) -> &'static str {
        match self {
            Service::Ccs => "ccs",
            Service::Vcs => "vcs",
            Service::Hpc => "hpc",
            Service::Cos => "cos",
            Service::Registry => "registry",
        }
    }

    pub fn parse(code: &str) -> Option<Self> {
        Service::ALL.into_iter().find(|s| s.code() == code)
    }

    /// The message key of the service's name.
    pub fn label_key(self) -> &'static str {
        match self {
            Service::Ccs => "service-ccs",
            Service::Vcs => "service-vcs",
            Service::Hpc => "service-hpc",
            Service::Cos => "service-cos",
            Service::Registry => "service-registry",
        }
    }
}

impl std::fmt::Display for Service {
    /// Its code, as forms and the API carry it.
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.code())
    }
}

/// The message key of a service's name, from a stored code.
pub fn service_label_key(code: &str) -> &'static str {
    Service::parse(code).map_or("service-registry", Service::label_key)
}
