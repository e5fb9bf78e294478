//! Who may reach each route: the one table of access decisions. The
//! extractors in each handler's signature enforce them (`auth::session`,
//! `api::caller`); this table says what they must add up to, and
//! `tests/suite/access.rs` sweeps every route the app registers for every role
//! against it. A route registered without a decision here stops the server
//! from starting, so it fails every test.

use actix_web::http::Method;

/// Who may reach a route.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Access {
    /// Anyone, signed in or not.
    Public,
    /// Any signed-in person.
    SignedIn,
    /// A signed-in member of a project, acting in their current one.
    Member,
    /// A tenant admin of their current project.
    TenantAdmin,
    /// Support staff or an operator.
    Support,
    /// An operator.
    Operator,
    /// A call with a current member's API key (`x-api-key`).
    ApiKey,
    /// A call with a current tenant admin's API key.
    AdminKey,
}

use Access::*;

/// Every route and its decision (paths as registered, with their patterns).
pub const TABLE: &[(&str, &str, Access)] = &[
    ("GET", "/static/{hash}/{name}", Public),
    ("GET", "/healthz", Public),
    ("GET", "/readyz", Public),
    ("POST", "/language", Public),
    ("GET", "/api/v1/openapi.json", Public),
    ("GET", "/api/v1/docs", Public),
    ("GET", "/api/v1/whoami", ApiKey),
    ("GET", "/api/v1/keys", ApiKey),
    ("POST", "/api/v1/keys", ApiKey),
    ("PATCH", "/api/v1/keys/{id}", ApiKey),
    ("DELETE", "/api/v1/keys/{id}", ApiKey),
    ("POST", "/api/v1/keys/{id}/rotate", ApiKey),
    ("GET", "/api/v1/members", AdminKey),
    ("POST", "/api/v1/members", AdminKey),
    ("PATCH", "/api/v1/members/{username}", AdminKey),
    ("DELETE", "/api/v1/members/{username}", AdminKey),
    ("GET", "/api/v1/members/{username}/permissions", AdminKey),
    ("PUT", "/api/v1/members/{username}/permissions", AdminKey),
    ("PUT", "/api/v1/members/{username}/quotas/{service}", AdminKey),
    ("GET", "/api/v1/wallet/sub-wallets", AdminKey),
    ("POST", "/api/v1/wallet/sub-wallets", AdminKey),
    ("DELETE", "/api/v1/wallet/sub-wallets/{username}", AdminKey),
    ("POST", "/api/v1/wallet/transfers", AdminKey),
    ("GET", "/api/v1/wallet/ledger", AdminKey),
    ("GET", "/api/v1/activity/changes", ApiKey),
    ("GET", "/api/v1/activity/calls", ApiKey),
    ("POST", "/api/v1/allocations", ApiKey),
    ("GET", "/api/v1/allocations", ApiKey),
    ("DELETE", "/api/v1/allocations/{id}", ApiKey),
    ("GET", "/api/v1/quotas", ApiKey),
    ("POST", "/api/v1/usage", ApiKey),
    ("GET", "/api/v1/hpc/jobs", ApiKey),
    ("GET", "/api/v1/wallet", ApiKey),
    ("POST", "/api/v1/quota-requests", ApiKey),
    ("GET", "/api/v1/quota-requests", ApiKey),
    ("GET", "/api/v1/quota-requests/{id}", ApiKey),
    ("POST", "/api/v1/quota-requests/{id}/withdraw", ApiKey),
    ("POST", "/api/v1/quota-requests/{id}/decision", AdminKey),
    ("GET", "/api/v2/users/", ApiKey),
    ("GET", "/api/v2/{cluster}/projects/", ApiKey),
    ("GET", "/api/v2/{cluster}/projects/{id}/key/", ApiKey),
    ("GET", "/api/v2/{cluster}/project_quotas/", ApiKey),
    ("GET", "/api/v2/{cluster}/projects/{id}/user_quotas/", AdminKey),
    ("GET", "/iservice/user/all_wallet/", ApiKey),
    ("GET", "/iservice/user/wallet/", ApiKey),
    ("GET", "/sign-in", Public),
    ("POST", "/sign-in", Public),
    ("POST", "/sign-out", Public),
    ("GET", "/sign-in/code", Public),
    ("POST", "/sign-in/code", Public),
    ("GET", "/account/two-factor", SignedIn),
    ("POST", "/account/two-factor", SignedIn),
    ("POST", "/account/two-factor/disable", SignedIn),
    ("POST", "/sign-in/sso", Public),
    ("GET", "/sign-in/sso/callback", Public),
    ("GET", "/sign-in/sso/failed/{reason}", Public),
    ("GET", "/sign-in/sso/sign-out", Public),
    ("POST", "/account/sso/link", SignedIn),
    ("POST", "/account/sso/unlink", SignedIn),
    ("GET", "/", Public),
    ("GET", "/account", SignedIn),
    ("GET", "/projects/switch", SignedIn),
    ("POST", "/projects/switch", SignedIn),
    ("GET", "/keys", Member),
    ("POST", "/keys", Member),
    ("GET", "/keys/new", Member),
    ("GET", "/keys/delete", Member),
    ("POST", "/keys/delete", Member),
    ("GET", "/keys/{key_id}/edit", Member),
    ("POST", "/keys/{key_id}", Member),
    ("POST", "/keys/{key_id}/rotate", Member),
    ("GET", "/quota", TenantAdmin),
    ("GET", "/quota/members/{account_id}/edit", TenantAdmin),
    ("POST", "/quota/members/{account_id}", TenantAdmin),
    ("POST", "/quota/allocations/{id}/release", TenantAdmin),
    ("GET", "/quota/mine", Member),
    ("GET", "/quota-requests", Member),
    ("GET", "/quota-requests/new", Member),
    ("POST", "/quota-requests", Member),
    ("GET", "/quota-requests/{id}", SignedIn),
    ("GET", "/quota-requests/{id}/edit", SignedIn),
    ("POST", "/quota-requests/{id}/edit", SignedIn),
    ("POST", "/quota-requests/{id}/withdraw", SignedIn),
    ("POST", "/quota-requests/{id}/decision", TenantAdmin),
    ("GET", "/operator/quota-requests", Operator),
    ("GET", "/operator/quota-requests/{id}", Operator),
    ("POST", "/operator/quota-requests/{id}/decision", Operator),
    ("GET", "/account/email/{token}", Public),
    ("GET", "/account/email/cancel/{token}", Public),
    ("POST", "/account/email/cancel/{token}", Public),
    ("POST", "/account/notices", SignedIn),
    ("GET", "/notices", SignedIn),
    ("GET", "/notices/latest", SignedIn),
    ("POST", "/notices/read-all", SignedIn),
    ("POST", "/notices/{id}/read", SignedIn),
    ("GET", "/account/members", Member),
    ("POST", "/account/members", TenantAdmin),
    ("POST", "/account/members/{account_id}/role", TenantAdmin),
    ("GET", "/account/members/{account_id}/remove", TenantAdmin),
    ("POST", "/account/members/{account_id}/remove", TenantAdmin),
    ("GET", "/permissions", Member),
    ("GET", "/permissions/{account_id}", Member),
    ("POST", "/permissions/{account_id}", TenantAdmin),
    ("GET", "/object-storage", Member),
    ("POST", "/object-storage/rotate", Member),
    ("POST", "/object-storage/{account_id}/rotate", TenantAdmin),
    ("GET", "/account/profile", SignedIn),
    ("POST", "/account/profile", SignedIn),
    ("POST", "/account/sessions/{id}/sign-out", SignedIn),
    ("POST", "/account/sessions/sign-out-others", SignedIn),
    ("GET", "/account/password", SignedIn),
    ("POST", "/account/password", SignedIn),
    ("GET", "/forgot", Public),
    ("POST", "/forgot", Public),
    ("GET", "/reset/{token}", Public),
    ("POST", "/reset/{token}", Public),
    ("GET", "/support/reset", Support),
    ("POST", "/support/reset", Support),
    ("GET", "/account/wallet", Member),
    ("GET", "/account/wallet/ledger.csv", Member),
    ("POST", "/account/wallet/sub-wallets", TenantAdmin),
    ("POST", "/account/wallet/transfer", TenantAdmin),
    ("POST", "/account/wallet/warn-below", TenantAdmin),
    ("GET", "/account/wallet/sub-wallets/{account_id}/remove", TenantAdmin),
    ("POST", "/account/wallet/sub-wallets/{account_id}/remove", TenantAdmin),
    ("GET", "/account/usage", Member),
    ("GET", "/account/usage.csv", Member),
    ("GET", "/account/statement", TenantAdmin),
    ("GET", "/account/statement.csv", TenantAdmin),
    ("GET", "/support/projects/{code}/statement", Support),
    ("GET", "/support/projects/{code}/statement.csv", Support),
    ("GET", "/account/hpc-jobs", Member),
    ("GET", "/account/hpc-jobs.csv", Member),
    ("GET", "/account/orders", Member),
    ("GET", "/operator", Operator),
    ("GET", "/operator/projects/{code}", Operator),
    ("POST", "/operator/accounts", Operator),
    ("POST", "/operator/roles", Operator),
    ("POST", "/operator/projects", Operator),
    ("POST", "/operator/members", Operator),
    ("POST", "/operator/quotas", Operator),
    ("POST", "/operator/orders", Operator),
    ("POST", "/operator/orders/{number}", Operator),
    ("GET", "/operator/clusters", Operator),
    ("POST", "/operator/clusters/sync", Operator),
    ("POST", "/operator/cluster-users", Operator),
    ("POST", "/operator/hpc-rates", Operator),
    ("POST", "/operator/hpc-jobs/{id}", Operator),
    ("GET", "/support", Support),
    ("GET", "/support/accounts/{account_id}", Support),
    ("POST", "/support/accounts/{account_id}/lock", Support),
    ("POST", "/support/accounts/{account_id}/two-factor/reset", Support),
    ("POST", "/operator/accounts/{account_id}/sso", Operator),
    ("POST", "/operator/accounts/{account_id}/sso/remove", Operator),
    ("POST", "/support/accounts/{account_id}/keys/{key_id}/revoke", Support),
    ("GET", "/activity", Member),
    ("GET", "/activity.csv", Member),
];

/// The decision for a registered route, if it has one.
pub fn decision(method: &Method, path: &str) -> Option<Access> {
    TABLE
        .iter()
        .find(|(m, p, _)| *m == method.as_str() && *p == path)
        .map(|(_, _, access)| *access)
}

/// Refuses to go on when a route has no decision, or a decision no route.
pub fn check_every_route_decided(routes: &[(Method, String)]) -> anyhow::Result<()> {
    for (method, path) in routes {
        if decision(method, path).is_none() {
            anyhow::bail!("route {method} {path} has no access decision in src/access.rs");
        }
    }
    for (method, path, _) in TABLE {
        if !routes.iter().any(|(m, p)| m.as_str() == *method && p == path) {
            anyhow::bail!("src/access.rs decides {method} {path}, which is no route");
        }
    }
    Ok(())
}
