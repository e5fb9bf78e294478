//! Object-storage key pairs: one per member per project, for members allowed
//! to use Cloud Object Storage. The member and their tenant admin can rotate
//! a pair (a new access key and salt: the old pair stops working), and
//! removing a member deletes theirs. The TWCC-compatible API hands them out
//! (`twcc::routes::object_storage_key`).

pub mod routes;
pub mod store;

use actix_web::web;

pub fn configure(cfg: &mut web::ServiceConfig) {
    cfg.route("/object-storage", web::get().to(routes::page))
        .route("/object-storage/rotate", web::post().to(routes::rotate_own))
        .route(
            "/object-storage/{account_id}/rotate",
            web::post().to(routes::rotate_member),
        );
}
