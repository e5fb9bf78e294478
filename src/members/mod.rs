//! The Members tab of Account & Project: every member sees the list; tenant
//! admins add members, change roles and remove members.

pub mod routes;
pub mod service;
pub mod store;
pub mod views;

pub use crate::projects::Member;

use crate::web::router::Routes;

pub fn configure(r: &mut Routes) {
    r.get("/account", routes::overview)
        .get("/account/members", routes::list)
        .post("/account/members", routes::add)
        .post("/account/members/{account_id}/role", routes::set_role)
        .get("/account/members/{account_id}/remove", routes::remove_dialog)
        .post("/account/members/{account_id}/remove", routes::remove);
}
