//! The Notices page.

use askama::Template;

use super::{NoticeKind, store::NoticeRow};
use crate::web::Layout;

#[derive(Template)]
#[template(path = "notices/page.html")]
pub(super) struct NoticesPage {
    pub(super) l: Layout,
    pub(super) notices: Vec<NoticeRow>,
    pub(super) page: i64,
    pub(super) pages: i64,
}

impl NoticesPage {
    pub(super) fn page_link(&self, page: &i64) -> String {
        crate::web::page_link("/notices", &[], *page)
    }

    pub(super) fn any_unread(&self) -> bool {
        self.l.unread_notices > 0
    }
}

impl NoticeRow {
    /// What happened, in the reader's language.
    pub fn sentence(&self, l: &Layout) -> String {
        match NoticeKind::parse(&self.kind) {
            Some(kind) => l.lang.t_args(
                kind.message_key(),
                &[
                    ("actor", self.actor.clone()),
                    ("project", self.project.clone()),
                    ("subject", self.subject.clone()),
                ],
            ),
            None => format!("{} {} {} {}", self.kind, self.actor, self.project, self.subject),
        }
    }

    /// The page concerned (only ever a path on this site).
    pub fn href(&self) -> String {
        crate::web::local_path(&self.link)
    }
}
