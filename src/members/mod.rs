//! The Members tab of Account & Project: every member sees the list; tenant
//! admins add members, change roles and remove members. The SQL lives in
//! `projects::store`, with the rest of the membership statements.

pub mod routes;

use actix_web::web;

pub fn configure(cfg: &mut web::ServiceConfig) {
    cfg.route("/account/members", web::get().to(routes::list))
        .route("/account/members", web::post().to(routes::add))
        .route("/account/members/{account_id}/role", web::post().to(routes::set_role))
        .route(
            "/account/members/{account_id}/remove",
            web::get().to(routes::remove_dialog),
        )
        .route("/account/members/{account_id}/remove", web::post().to(routes::remove));
}
