//! Projects and tenants (an account's membership in a project), and the
//! project switcher.

pub mod routes;
pub mod service;
pub mod store;
pub mod views;

use crate::web::router::Routes;

pub use crate::auth::identity::{Tenant, TenantRole};
use crate::error::AppError;
pub use store::Member;

pub fn configure(r: &mut Routes) {
    r.get("/", routes::home)
        .get("/projects/switch", routes::switcher)
        .post("/projects/switch", routes::switch);
}

/// A project code: 3–20 uppercase ASCII letters and digits, e.g. `MST110001`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ProjectCode(String);

impl ProjectCode {
    pub fn parse(raw: &str) -> Result<Self, AppError> {
        let value = raw.trim().to_ascii_uppercase();
        let valid =
            (3..=20).contains(&value.len()) && value.chars().all(|c| c.is_ascii_uppercase() || c.is_ascii_digit());
        if valid {
            Ok(ProjectCode(value))
        } else {
            Err(AppError::invalid("code", "invalid-project-code"))
        }
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

/// A project name: 1–100 characters once trimmed, no control characters.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ProjectName(String);

impl ProjectName {
    pub fn parse(raw: &str) -> Result<Self, AppError> {
        let value = raw.trim();
        if (1..=100).contains(&value.chars().count()) && !value.chars().any(char::is_control) {
            Ok(ProjectName(value.to_string()))
        } else {
            Err(AppError::invalid("name", "invalid-project-name"))
        }
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn project_codes_are_uppercased_and_checked() {
        assert_eq!(ProjectCode::parse("mst110001").unwrap().as_str(), "MST110001");
        for bad in ["", "AB", "MST-1", "MST 1", &"A".repeat(21)] {
            assert!(ProjectCode::parse(bad).is_err(), "{bad:?} accepted");
        }
    }
}
