//! The pages and fragments of auth: askama templates and the view
//! models they show. No database and no rules here (`routes.rs` fills them).

use crate::web::Layout;
use askama::Template;

#[derive(Template)]
#[template(path = "auth/sign_in.html")]
pub(super) struct SignInPage {
    pub(super) l: Layout,
    pub(super) next: String,
    pub(super) username: String,
    pub(super) error: Option<String>,
}
