//! Object-storage key pairs: one per member per project, for members allowed
//! to use Cloud Object Storage. The member and their tenant admin can rotate
//! a pair (a new access key and salt: the old pair stops working), and
//! removing a member deletes theirs. The TWCC-compatible API hands them out
//! (`twcc::routes::object_storage_key`).

pub mod routes;
pub mod service;
pub mod store;
pub mod views;

use crate::web::router::Routes;

pub fn configure(r: &mut Routes) {
    r.get("/object-storage", routes::page)
        .post("/object-storage/rotate", routes::rotate_own)
        .post("/object-storage/{account_id}/rotate", routes::rotate_member);
}
