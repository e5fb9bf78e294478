//! The row IDs every part of the portal passes around, as types of their
//! own so that an account's ID cannot be mistaken for a project's where both
//! meet in a signature. (Imports nothing of the app; `auth::identity`
//! re-exports them with the rest of who someone is.)

/// Declares an ID newtype: a row ID that cannot be mistaken for another
/// kind's (an account's for a project's) where both meet in a signature.
macro_rules! id_type {
    ($(#[$doc:meta])* $name:ident) => {
        $(#[$doc])*
        #[derive(
            Debug, Clone, Copy, Default, PartialEq, Eq, Hash, PartialOrd, Ord, sqlx::Type, serde::Serialize, serde::Deserialize,
        )]
        #[sqlx(transparent)]
        #[serde(transparent)]
        pub struct $name(pub i64);

        impl std::str::FromStr for $name {
            type Err = std::num::ParseIntError;
            fn from_str(s: &str) -> Result<Self, Self::Err> {
                s.parse().map($name)
            }
        }

        impl std::fmt::Display for $name {
            fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                self.0.fmt(f)
            }
        }
    };
}

id_type!(
    /// An account's row ID.
    AccountId
);
id_type!(
    /// A project's row ID.
    ProjectId
);
