//! Signing in and out, passwords, tokens, and the extractors that say who is
//! asking.

pub mod identity;
pub mod password;
pub mod routes;
pub mod service;
pub mod session;
pub mod store;
pub mod throttle;
pub mod totp;
pub mod views;

use std::net::IpAddr;

use actix_web::HttpRequest;

use crate::web::router::Routes;

pub use session::{CurrentTenant, CurrentUser, Operator, Support, TenantAdmin, Viewer};

pub fn configure(r: &mut Routes) {
    r.get("/sign-in", routes::sign_in_page)
        .post("/sign-in", routes::sign_in)
        .post("/sign-out", routes::sign_out)
        .get("/sign-in/code", routes::code_page)
        .post("/sign-in/code", routes::sign_in_code)
        .get("/account/two-factor", routes::two_factor_page)
        .post("/account/two-factor", routes::enable_two_factor)
        .post("/account/two-factor/disable", routes::disable_two_factor);
}

/// Who is on the other end of a request: the client's address and what its
/// browser calls itself.
#[derive(Debug, Clone)]
pub struct Client {
    pub address: String,
    pub user_agent: String,
}

impl Client {
    /// The socket's peer, or, when that is one of the `trusted` proxies, the
    /// last address in `X-Forwarded-For` that is not a trusted proxy.
    pub fn of(req: &HttpRequest, trusted: &[IpAddr]) -> Self {
        let address = Self::address_of(req, trusted);
        let user_agent = req
            .headers()
            .get("user-agent")
            .and_then(|v| v.to_str().ok())
            .unwrap_or("")
            .chars()
            .filter(|c| !c.is_control())
            .take(200)
            .collect();
        Client {
            address: address.to_string(),
            user_agent,
        }
    }

    /// The client's address alone (see `of`).
    pub fn address_of(req: &HttpRequest, trusted: &[IpAddr]) -> IpAddr {
        let peer = req.peer_addr().map(|addr| addr.ip());
        let forwarded = || {
            req.headers()
                .get_all("x-forwarded-for")
                .filter_map(|value| value.to_str().ok())
                .flat_map(|value| value.split(','))
                .filter_map(|part| part.trim().parse::<IpAddr>().ok())
                .collect::<Vec<_>>()
        };
        match peer {
            Some(peer) if trusted.contains(&peer) => forwarded()
                .into_iter()
                .rev()
                .find(|addr| !trusted.contains(addr))
                .unwrap_or(peer),
            Some(peer) => peer,
            None => IpAddr::from([0, 0, 0, 0]),
        }
    }
}
