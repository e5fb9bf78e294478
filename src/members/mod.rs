//! The Members tab of Account & Project: every member sees the list; tenant
//! admins add members, change roles and remove members. The SQL lives in
//! `projects::store`, with the rest of the membership statements.

pub mod routes;

use crate::web::router::Routes;

pub fn configure(r: &mut Routes) {
    r.get("/account/members", routes::list)
        .post("/account/members", routes::add)
        .post("/account/members/{account_id}/role", routes::set_role)
        .get("/account/members/{account_id}/remove", routes::remove_dialog)
        .post("/account/members/{account_id}/remove", routes::remove);
}
