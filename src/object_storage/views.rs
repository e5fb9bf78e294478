//! The pages and fragments of object_storage: askama templates and the view
//! models they show. No database and no rules here (`routes.rs` fills them).

use super::store::Pair;
use crate::web::Layout;
use askama::Template;

/// A pair as the page shows it, with its secret key.
pub struct Shown {
    pub pair: Pair,
    pub secret_key: String,
}

#[derive(Template)]
#[template(path = "object_storage/page.html")]
pub(super) struct Page {
    pub(super) l: Layout,
    /// Whether the viewer may use Cloud Object Storage in this project.
    pub(super) permitted: bool,
    pub(super) own: Option<Shown>,
    /// Every member's pair (tenant admins only).
    pub(super) members: Vec<Pair>,
}
