//! The operator console: accounts, platform roles, projects, first tenant
//! admins, project quotas and orders. Its actions are shared with the CLI.

pub mod routes;
pub mod service;
pub mod views;

use crate::web::router::Routes;

pub fn configure(r: &mut Routes) {
    r.get("/operator", routes::console)
        .get("/operator/projects/{code}", routes::project)
        .post("/operator/accounts", routes::create_account)
        .post("/operator/roles", routes::set_role)
        .post("/operator/projects", routes::create_project)
        .post("/operator/members", routes::add_member)
        .post("/operator/quotas", routes::set_quota)
        .post("/operator/orders", routes::add_order)
        .post("/operator/orders/{number}", routes::advance_order);
}
