//! How a notice reads: its sentence in a language (for the Notices page and
//! for emails), and the email templates.

use askama::Template;

use super::{NoticeKind, store::NoticeRow};
use crate::web::{Layout, i18n::Lang};

impl NoticeRow {
    /// What happened, in the reader's language.
    pub fn sentence(&self, l: &Layout) -> String {
        self.sentence_in(l.lang)
    }

    /// What happened, in `lang` (for a page or an email). Some kinds carry
    /// codes in their subject, shown by their names.
    pub fn sentence_in(&self, lang: Lang) -> String {
        let Some(kind) = NoticeKind::parse(&self.kind) else {
            return format!("{} {} {} {}", self.kind, self.actor, self.project, self.subject);
        };
        let whose = || {
            if self.actor.is_empty() {
                "none".to_string()
            } else {
                self.actor.clone()
            }
        };
        let mut args = vec![
            ("actor", self.actor.clone()),
            ("project", self.project.clone()),
            ("subject", self.subject.clone()),
        ];
        match kind {
            NoticeKind::QuotaThreshold => {
                // `ccs:gpu:95`
                let mut parts = self.subject.split(':');
                let (service, resource, percent) = (parts.next(), parts.next(), parts.next());
                args.push(("service", lang.t(service_key(service.unwrap_or(""))).to_string()));
                args.push(("resource", lang.t(resource_key(resource.unwrap_or(""))).to_string()));
                args.push(("percent", percent.unwrap_or("").to_string()));
                args.push(("member", whose()));
            }
            NoticeKind::WalletLow | NoticeKind::WalletNegative => args.push(("member", whose())),
            NoticeKind::MemberAdded | NoticeKind::MemberRoleChanged => {
                let role = if self.subject == "tenant_admin" {
                    "role-tenant-admin"
                } else {
                    "role-tenant-user"
                };
                args.push(("role", lang.t(role).to_string()));
            }
            NoticeKind::OrderCredited => {
                let (number, amount) = self.subject.split_once(' ').unwrap_or((&self.subject, ""));
                args.push(("number", number.to_string()));
                args.push(("amount", amount.to_string()));
            }
            _ => {}
        }
        lang.t_args(&kind.message_key(), &args)
    }

    /// The page concerned (only ever a path on this site).
    pub fn href(&self) -> String {
        crate::web::local_path(&self.link)
    }
}

fn service_key(code: &str) -> &'static str {
    match code {
        "vcs" => "service-vcs",
        _ => "service-ccs",
    }
}

fn resource_key(code: &str) -> &'static str {
    match code {
        "gpu" => "resource-gpu",
        "memory" => "resource-memory",
        "floating_ip" => "resource-floating-ip",
        _ => "resource-cpu",
    }
}

/// A notice's email, as text.
#[derive(Template)]
#[template(path = "email/notice.txt")]
pub(super) struct EmailText<'a> {
    pub(super) lang: Lang,
    pub(super) name: &'a str,
    pub(super) sentence: &'a str,
    pub(super) link: &'a str,
    pub(super) profile: &'a str,
}

/// The same, as HTML.
#[derive(Template)]
#[template(path = "email/notice.html")]
pub(super) struct EmailHtml<'a> {
    pub(super) text: &'a EmailText<'a>,
}

impl EmailText<'_> {
    /// "Dear Bob Lin," in the email's language.
    pub(super) fn greeting(&self) -> String {
        self.lang.t_args("email-greeting", &[("name", self.name.to_string())])
    }
}
