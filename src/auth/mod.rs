//! Signing in and out, passwords, tokens, and the extractors that say who is
//! asking.

pub mod password;
pub mod routes;
pub mod session;
pub mod store;
pub mod token;

use actix_web::web;

pub use session::{CurrentTenant, CurrentUser, Operator, Support, TenantAdmin, Viewer};

pub fn configure(cfg: &mut web::ServiceConfig) {
    cfg.route("/sign-in", web::get().to(routes::sign_in_page))
        .route("/sign-in", web::post().to(routes::sign_in))
        .route("/sign-out", web::post().to(routes::sign_out));
}
