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
    "notices",
    "object_storage",
    "operator",
    "permissions",
    "projects",
    "quota_requests",
    "quotas",
    "reminders",
    "slurm",
    "sso",
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
    if ["src/format.rs", "src/token.rs", "src/ids.rs"].contains(&name) && flat.contains("crate::") {
        found.push(format!("{name} imports the app: it may import nothing of it"));
    }
    if name.ends_with("/routes.rs") && flat.contains("derive(Template)") {
        found.push(format!("{name} defines a template: templates belong in views.rs"));
    }
    if name.ends_with("/views.rs") {
        for word in [".await", "sqlx", "AppState"] {
            if flat.contains(word) {
                found.push(format!("{name} uses `{word}`: a view reads no database"));
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
                    || flat.contains(&format!("{other}::{{{layer}"))
                    || flat.split(&format!("{other}::{{")).skip(1).any(|group| {
                        group
                            .split('}')
                            .next()
                            .unwrap_or("")
                            .split([',', ' ', '{'])
                            .any(|w| w == layer || w.starts_with(&format!("{layer}::")))
                    });
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

/// The capabilities `code` names (`crate::x…`, or `x` in `use crate::{…}`).
fn capabilities_used(code: &str) -> Vec<&'static str> {
    let flat: String = code.split_whitespace().collect::<Vec<_>>().join(" ");
    let mut named: Vec<String> = flat
        .split("crate::")
        .skip(1)
        .map(|rest| {
            rest.split(|c: char| !(c.is_ascii_lowercase() || c == '_'))
                .next()
                .unwrap_or("")
                .to_string()
        })
        .collect();
    for group in flat.split("use crate::{").skip(1) {
        let mut depth = 1;
        let mut item = String::new();
        for c in group.chars() {
            match c {
                '{' => depth += 1,
                '}' if depth == 1 => break,
                '}' => depth -= 1,
                ',' if depth == 1 => {
                    named.push(std::mem::take(&mut item));
                    continue;
                }
                _ => {}
            }
            if depth == 1 {
                item.push(c);
            }
        }
        named.push(item);
    }
    CAPABILITIES
        .iter()
        .copied()
        .filter(|cap| named.iter().any(|n| n.trim().split("::").next() == Some(*cap)))
        .collect()
}

/// A cycle among the capabilities' dependencies, if there is one.
fn cycle(edges: &std::collections::BTreeMap<&str, std::collections::BTreeSet<&str>>) -> Option<Vec<String>> {
    fn visit<'a>(
        node: &'a str,
        edges: &std::collections::BTreeMap<&'a str, std::collections::BTreeSet<&'a str>>,
        path: &mut Vec<&'a str>,
        done: &mut std::collections::BTreeSet<&'a str>,
    ) -> Option<Vec<String>> {
        if let Some(at) = path.iter().position(|n| *n == node) {
            return Some(
                path[at..]
                    .iter()
                    .map(|n| n.to_string())
                    .chain([node.to_string()])
                    .collect(),
            );
        }
        if !done.insert(node) {
            return None;
        }
        path.push(node);
        for next in edges.get(node).into_iter().flatten() {
            if let Some(found) = visit(next, edges, path, done) {
                return Some(found);
            }
        }
        path.pop();
        None
    }
    let mut done = std::collections::BTreeSet::new();
    edges
        .keys()
        .find_map(|node| visit(node, edges, &mut Vec::new(), &mut done))
}

#[test]
fn no_capability_depends_on_itself_through_others() {
    let mut edges: std::collections::BTreeMap<&str, std::collections::BTreeSet<&str>> = Default::default();
    for (name, code) in sources() {
        let Some(own) = name.strip_prefix("src/").and_then(|r| r.split('/').next()) else {
            continue;
        };
        let Some(own) = CAPABILITIES.iter().copied().find(|c| *c == own.trim_end_matches(".rs")) else {
            continue;
        };
        for used in capabilities_used(&code) {
            if used != own {
                edges.entry(own).or_default().insert(used);
            }
        }
    }
    assert_eq!(cycle(&edges), None, "the capabilities depend on each other in a cycle");
    let mut looped = edges.clone();
    looped.entry("auth").or_default().insert("accounts");
    looped.entry("accounts").or_default().insert("auth");
    assert!(cycle(&looped).is_some(), "the cycle check finds a cycle");
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
    assert!(!violations("src/ids.rs", "use crate::db::Db;").is_empty());
    assert!(!violations("src/quotas/store.rs", "sqlx::query(\"DELETE\").execute(db.read())").is_empty());
    assert!(violations("src/quotas/service.rs", "Msg::new(\"x\")").is_empty());
    assert!(!violations("src/support/routes.rs", "accounts::store::by_id(db, 1)").is_empty());
    assert!(
        !violations(
            "src/support/views.rs",
            "use crate::{activity::{self, Change, store::ChangeRow}};"
        )
        .is_empty()
    );
    assert!(!violations("src/members/store.rs", "crate::quotas::service::forget(tx)").is_empty());
    assert!(violations("src/members/service.rs", "crate::quotas::service::forget(tx)").is_empty());
    assert!(violations("src/members/service.rs", "store::delete(tx)").is_empty());
    assert!(!violations("src/members/routes.rs", "#[derive(Template)] struct Page;").is_empty());
    assert!(!violations("src/members/views.rs", "store::members(&state.db).await").is_empty());
}
