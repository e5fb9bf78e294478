//! The platform roles (support staff, operators) and the rule between
//! them. Beside `ids.rs` at the crate's root: the configuration names them
//! (which roles must have a second factor) without importing a capability;
//! `auth::identity` re-exports them with the rest of who someone is.

use crate::error::AppError;

/// Ordered by power: `None < Support < Operator`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum PlatformRole {
    None,
    Support,
    Operator,
}

impl PlatformRole {
    /// The message key of the role's name.
    pub fn label_key(self) -> &'static str {
        match self {
            PlatformRole::None => "platform-role-none",
            PlatformRole::Support => "platform-role-support",
            PlatformRole::Operator => "platform-role-operator",
        }
    }

    /// Where someone with this role starts: their console, or `None` for
    /// the Account & Project overview.
    pub fn console(self) -> Option<&'static str> {
        match self {
            PlatformRole::None => None,
            PlatformRole::Support => Some("/support"),
            PlatformRole::Operator => Some("/operator"),
        }
    }

    pub fn as_str(self) -> &'static str {
        match self {
            PlatformRole::None => "none",
            PlatformRole::Support => "support",
            PlatformRole::Operator => "operator",
        }
    }

    /// The platform-role rule: support and operators act on another account
    /// (reset link, lock, revoke a key, set a role) only when its platform
    /// role is lower than their own, so support cannot take over an operator
    /// and operators are managed from the command line. Refused with 403.
    pub fn may_act_on(self, target: PlatformRole) -> Result<(), AppError> {
        if target < self {
            Ok(())
        } else {
            Err(AppError::Forbidden)
        }
    }

    pub fn parse(value: &str) -> Option<Self> {
        match value {
            "none" => Some(PlatformRole::None),
            "support" => Some(PlatformRole::Support),
            "operator" => Some(PlatformRole::Operator),
            _ => None,
        }
    }
}
