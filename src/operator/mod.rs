//! The operator console: accounts, platform roles, projects, first tenant
//! admins, project quotas and orders. Its actions are shared with the CLI.

pub mod actions;
pub mod routes;

use actix_web::web;

pub fn configure(cfg: &mut web::ServiceConfig) {
    cfg.route("/operator", web::get().to(routes::console))
        .route("/operator/accounts", web::post().to(routes::create_account))
        .route("/operator/roles", web::post().to(routes::set_role))
        .route("/operator/projects", web::post().to(routes::create_project))
        .route("/operator/members", web::post().to(routes::add_member))
        .route("/operator/quotas", web::post().to(routes::set_quota))
        .route("/operator/orders", web::post().to(routes::add_order))
        .route("/operator/orders/{number}", web::post().to(routes::advance_order));
}
