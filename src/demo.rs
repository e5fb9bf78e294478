//! Demo data for `serve --demo`: a few accounts and two projects, loaded
//! only into an empty database.

use crate::{
    accounts::{self, DisplayName, Email, PlatformRole, Username, store::NewAccount},
    cli,
    db::Db,
};

pub const PASSWORD: &str = "demo-password";

/// The demo accounts: username, display name, platform role, what they are.
pub const ACCOUNTS: [(&str, &str, PlatformRole, &str); 5] = [
    ("operator", "Olivia Operator", PlatformRole::Operator, "operator"),
    ("support", "Sam Support", PlatformRole::Support, "support staff"),
    ("alice", "Alice Chen", PlatformRole::None, "tenant admin of MST110001, tenant user of MST110002"),
    ("bob", "Bob Lin", PlatformRole::None, "tenant user of MST110001"),
    ("carol", "Carol Wang", PlatformRole::None, "tenant admin of MST110002"),
];

/// Loads the demo data if there are no accounts yet. Returns whether it did.
pub async fn load_if_empty(db: &Db) -> anyhow::Result<bool> {
    if accounts::store::count(db).await? > 0 {
        return Ok(false);
    }
    // One hash for all: they share the password, and hashing is slow on purpose.
    let password_hash = crate::auth::password::hash_blocking(PASSWORD)?;
    for (username, name, platform_role, _) in ACCOUNTS {
        let new = NewAccount {
            username: &Username::parse(username)?,
            display_name: &DisplayName::parse(name)?,
            email: &Email::parse(&format!("{username}@example.org"))?,
            password_hash: &password_hash,
            platform_role,
        };
        accounts::store::insert(db, new).await?;
    }
    cli::add_project(db, "MST110001", "Deep Learning Lab", None, None).await?;
    cli::add_project(db, "MST110002", "Climate Sim", None, None).await?;
    for (project, username, role) in [
        ("MST110001", "alice", "tenant_admin"),
        ("MST110001", "bob", "tenant_user"),
        ("MST110002", "carol", "tenant_admin"),
        ("MST110002", "alice", "tenant_user"),
    ] {
        cli::add_member(db, project, username, role).await?;
    }
    Ok(true)
}
