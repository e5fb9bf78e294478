//! How an API call is stored: its method and its route as small codes (a
//! route's pattern, not its path: `/api/v1/allocations/{id}` whatever the
//! ID), so that a call row stays small. The codes are written to the
//! database, so both lists are only ever appended to; a test checks that
//! every route of the API has one.

/// Methods by code; 0 is any other.
pub const METHODS: [&str; 8] = ["OTHER", "GET", "POST", "PUT", "PATCH", "DELETE", "HEAD", "OPTIONS"];

/// The API's routes by code; 0 is a path that matched no route (a 404).
pub const ROUTES: [&str; 27] = [
    "(no route)",
    "/api/v1/openapi.json",
    "/api/v1/whoami",
    "/api/v1/keys",
    "/api/v1/allocations",
    "/api/v1/allocations/{id}",
    "/api/v1/quotas",
    "/api/v1/usage",
    "/api/v1/wallet",
    "/api/v1/quota-requests",
    "/api/v1/quota-requests/{id}",
    "/api/v1/quota-requests/{id}/withdraw",
    "/api/v1/quota-requests/{id}/decision",
    "/api/v1/keys/{id}",
    "/api/v1/keys/{id}/rotate",
    "/api/v1/members",
    "/api/v1/members/{username}",
    "/api/v1/members/{username}/permissions",
    "/api/v1/members/{username}/quotas/{service}",
    "/api/v1/wallet/sub-wallets",
    "/api/v1/wallet/sub-wallets/{username}",
    "/api/v1/wallet/transfers",
    "/api/v1/wallet/ledger",
    "/api/v1/activity/changes",
    "/api/v1/activity/calls",
    "/api/v1/docs",
    "/api/v1/hpc/jobs",
];

fn code_of(list: &[&str], name: &str) -> u8 {
    list.iter()
        .position(|known| *known == name)
        .and_then(|at| u8::try_from(at).ok())
        .unwrap_or(0)
}

pub fn method_code(method: &str) -> u8 {
    code_of(&METHODS, method)
}

/// The code of a route pattern (`HttpRequest::match_pattern`).
pub fn route_code(pattern: Option<&str>) -> u8 {
    pattern.map_or(0, |pattern| code_of(&ROUTES, pattern))
}

/// A stored code as text; a code this build does not know reads as the 0th.
pub fn name_of(list: &'static [&'static str], code: i64) -> &'static str {
    usize::try_from(code)
        .ok()
        .and_then(|at| list.get(at))
        .copied()
        .unwrap_or(list[0])
}

/// Which of the rollup's counters a status adds to.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum StatusClass {
    Ok,
    ClientError,
    ServerError,
    Other,
}

impl StatusClass {
    pub fn of(status: u16) -> Self {
        match status {
            200..=299 => StatusClass::Ok,
            400..=499 => StatusClass::ClientError,
            500..=599 => StatusClass::ServerError,
            _ => StatusClass::Other,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn codes_go_both_ways_and_unknown_ones_read_as_other() {
        for (code, name) in ROUTES.iter().enumerate().skip(1) {
            assert_eq!(usize::from(route_code(Some(name))), code);
            assert_eq!(name_of(&ROUTES, code as i64), *name);
        }
        assert_eq!(route_code(Some("/api/v1/allocations/42")), 0, "a path is not a pattern");
        assert_eq!(route_code(None), 0);
        assert_eq!(method_code("DELETE"), 5);
        assert_eq!(method_code("BREW"), 0);
        assert_eq!(name_of(&METHODS, 99), "OTHER");
        assert_eq!(name_of(&METHODS, -1), "OTHER");
        assert_eq!(StatusClass::of(201), StatusClass::Ok);
        assert_eq!(StatusClass::of(429), StatusClass::ClientError);
        assert_eq!(StatusClass::of(503), StatusClass::ServerError);
        assert_eq!(StatusClass::of(304), StatusClass::Other);
    }
}
