//! The layout's rules, checked against the source (run by `cargo test`):
//! the shared web layer knows no capability, a store holds SQL only (no
//! messages, no `AppError`), and every write goes through `db::Db` (a `Tx`
//! or `Db::execute`), so that committing it forgets what is remembered.

use std::path::{Path, PathBuf};

/// Every capability module: `src/web/` may import none of them.
const CAPABILITIES: &[&str] = &[
    "accounts",
    "activity",
    "api",
    "api_keys",
    "auth",
    "members",
    "object_storage",
    "operator",
    "permissions",
    "projects",
    "quotas",
    "support",
    "twcc",
    "wallets",
    "cli",
    "demo",
    "seed",
];

fn rust_files(dir: &Path, found: &mut Vec<PathBuf>) {
    for entry in std::fs::read_dir(dir).expect("src/ is readable").flatten() {
        let path = entry.path();
        if path.is_dir() {
            rust_files(&path, found);
        } else if path.extension().is_some_and(|e| e == "rs") {
            found.push(path);
        }
    }
}

fn sources() -> Vec<(String, String)> {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let mut files = Vec::new();
    rust_files(&root.join("src"), &mut files);
    files
        .into_iter()
        .map(|path| {
            let name = path.strip_prefix(root).unwrap().display().to_string();
            let text = std::fs::read_to_string(&path).unwrap();
            // Comments may name anything.
            let code = text
                .lines()
                .filter(|l| !l.trim_start().starts_with("//"))
                .collect::<Vec<_>>()
                .join("\n");
            (name, code)
        })
        .collect()
}

/// The violations of the rules in one file (`name` relative to the crate).
fn violations(name: &str, code: &str) -> Vec<String> {
    let mut found = Vec::new();
    let flat: String = code.split_whitespace().collect::<Vec<_>>().join(" ");
    if name.starts_with("src/web/") {
        for capability in CAPABILITIES {
            for form in [format!("crate::{capability}::"), format!("crate::{{{capability}")] {
                if flat.contains(&form) {
                    found.push(format!("{name} imports the capability `{capability}`"));
                }
            }
            if flat.contains("use crate::{") {
                let list = flat
                    .split("use crate::{")
                    .nth(1)
                    .and_then(|r| r.split("};").next())
                    .unwrap_or("");
                if list
                    .split([',', '{', '}', ' '])
                    .any(|item| item == *capability || item.starts_with(&format!("{capability}::")))
                {
                    found.push(format!("{name} imports the capability `{capability}`"));
                }
            }
        }
    }
    if name.ends_with("/store.rs") {
        for word in ["AppError", "Msg", "crate::error", "i18n::Msg"] {
            if flat.contains(word) {
                found.push(format!("{name} uses `{word}`: a store holds SQL only"));
            }
        }
    }
    // A capability reaches another through its service, never its store;
    // and a store reaches no other capability at all.
    if let Some(own) = name
        .strip_prefix("src/")
        .and_then(|rest| rest.split_once('/'))
        .map(|(dir, _)| dir)
    {
        for other in CAPABILITIES.iter().filter(|c| **c != own) {
            for layer in ["store", "service"] {
                let uses = flat.contains(&format!("{other}::{layer}::"))
                    || flat.contains(&format!("{other}::{layer},"))
                    || flat.contains(&format!("{other}::{layer} as"))
                    || flat.contains(&format!("{other}::{{{layer}"));
                let allowed = layer == "service" && !name.ends_with("/store.rs");
                if uses && !allowed {
                    found.push(format!("{name} uses `{other}::{layer}`"));
                }
            }
        }
    }
    for (alias, capability) in [
        ("quota_store", "quotas"),
        ("wallet_store", "wallets"),
        ("project_store", "projects"),
    ] {
        if flat.contains(alias)
            && !name.starts_with(&format!("src/{capability}/"))
            && !name.ends_with("layout_rules.rs")
        {
            found.push(format!("{name} uses `{capability}::store` (as `{alias}`)"));
        }
    }
    let exempt = ["src/db.rs", "src/seed.rs", "src/layout_rules.rs"];
    if !exempt.contains(&name) && flat.contains(".execute(db.read())") {
        found.push(format!("{name} writes outside a transaction: use Db::execute or a Tx"));
    }
    found.sort();
    found.dedup();
    found
}

#[test]
fn the_layout_rules_hold() {
    let all: Vec<String> = sources()
        .iter()
        .flat_map(|(name, code)| violations(name, code))
        .collect();
    assert!(all.is_empty(), "layout rules broken:\n{}", all.join("\n"));
}

#[test]
fn the_rules_catch_what_they_forbid() {
    assert!(!violations("src/web/mod.rs", "use crate::accounts::store;").is_empty());
    assert!(
        !violations(
            "src/web/mod.rs",
            "use crate::{\n    auth::session::Viewer,\n    error::AppError,\n};"
        )
        .is_empty()
    );
    assert!(violations("src/web/mod.rs", "use crate::{error::AppError, token::digest};").is_empty());
    assert!(!violations("src/wallets/store.rs", "use crate::error::AppError;").is_empty());
    assert!(!violations("src/quotas/store.rs", "Msg::new(\"x\")").is_empty());
    assert!(!violations("src/quotas/store.rs", "sqlx::query(\"DELETE\").execute(db.read())").is_empty());
    assert!(violations("src/quotas/service.rs", "Msg::new(\"x\")").is_empty());
    assert!(!violations("src/support/routes.rs", "accounts::store::by_id(db, 1)").is_empty());
    assert!(!violations("src/members/store.rs", "crate::quotas::service::forget(tx)").is_empty());
    assert!(violations("src/members/service.rs", "crate::quotas::service::forget(tx)").is_empty());
    assert!(violations("src/members/service.rs", "store::delete(tx)").is_empty());
}
