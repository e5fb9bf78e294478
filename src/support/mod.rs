//! The support console: find any account, look at it read-only, and lock
//! it, revoke one of its keys or issue a reset link — each with a written
//! reason, and every look recorded.

pub mod routes;
pub mod views;

use crate::web::router::Routes;

pub fn configure(r: &mut Routes) {
    r.get("/support", routes::search)
        .get("/support/accounts/{account_id}", routes::account)
        .post("/support/accounts/{account_id}/lock", routes::lock)
        .post(
            "/support/accounts/{account_id}/two-factor/reset",
            routes::reset_two_factor,
        )
        .post(
            "/support/accounts/{account_id}/keys/{key_id}/revoke",
            routes::revoke_key,
        )
        .post("/operator/accounts/{account_id}/sso", routes::link_sso)
        .post("/operator/accounts/{account_id}/sso/remove", routes::unlink_sso);
}
