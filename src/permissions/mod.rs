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

/// The message key of a service's name.
pub fn service_label_key(code: &str) -> &'static str {
    match code {
        "ccs" => "service-ccs",
        "vcs" => "service-vcs",
        "hpc" => "service-hpc",
        "cos" => "service-cos",
        _ => "service-registry",
    }
}
