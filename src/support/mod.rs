//! The support console: find any account, look at it read-only, and lock
//! it, revoke one of its keys or issue a reset link — each with a written
//! reason, and every look recorded.

pub mod routes;

use actix_web::web;

pub fn configure(cfg: &mut web::ServiceConfig) {
    cfg.route("/support", web::get().to(routes::search))
        .route("/support/accounts/{account_id}", web::get().to(routes::account))
        .route("/support/accounts/{account_id}/lock", web::post().to(routes::lock))
        .route(
            "/support/accounts/{account_id}/keys/{key_id}/revoke",
            web::post().to(routes::revoke_key),
        );
}
