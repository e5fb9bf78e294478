//! Email: the SMTP transport the configuration names, and a notice
//! written as an email (text and HTML) in its reader's language.

use std::time::Duration;

use askama::Template;
use lettre::{
    AsyncSmtpTransport, AsyncTransport, Message, Tokio1Executor,
    message::{Mailbox, MultiPart},
    transport::smtp::authentication::Credentials,
};

use super::views::{EmailHtml, EmailText};
use crate::{config::Config, web::i18n::Lang};

/// How long one SMTP conversation may take (well within a sender's lease).
pub const SMTP_TIMEOUT: Duration = Duration::from_secs(20);

/// Where and as whom notices are emailed.
pub struct Mailer {
    transport: AsyncSmtpTransport<Tokio1Executor>,
    from: Mailbox,
    /// The portal's address, for the links in the emails.
    public_url: String,
}

/// An email's parts.
pub struct Email {
    pub subject: String,
    pub text: String,
    pub html: String,
}

impl Mailer {
    /// The mailer `--smtp-url` asks for, or `None` without one. A setting
    /// that cannot work (no sender, no public address, an unreadable
    /// credentials file, a malformed URL) stops the start with a reason.
    pub fn from_config(config: &Config) -> anyhow::Result<Option<Mailer>> {
        let Some(url) = &config.smtp_url else {
            return Ok(None);
        };
        let from: Mailbox = config
            .mail_from
            .as_deref()
            .ok_or_else(|| {
                anyhow::anyhow!("--smtp-url needs --mail-from, e.g. \"Member Center <portal@example.org>\"")
            })?
            .parse()
            .map_err(|e| anyhow::anyhow!("--mail-from is not an address: {e}"))?;
        let public_url = config
            .public_url
            .clone()
            .ok_or_else(|| anyhow::anyhow!("--smtp-url needs --public-url, for the links in the emails"))?;
        // (The URL may carry a password: it is never repeated in an error.)
        let mut builder = AsyncSmtpTransport::<Tokio1Executor>::from_url(url)
            .map_err(|_| anyhow::anyhow!("--smtp-url must be smtp://HOST:PORT or smtps://HOST:PORT"))?
            .timeout(Some(SMTP_TIMEOUT));
        if let Some(file) = &config.smtp_credentials_file {
            let text = std::fs::read_to_string(file)
                .map_err(|e| anyhow::anyhow!("--smtp-credentials-file {}: {e}", file.display()))?;
            let mut lines = text.lines();
            let (Some(user), Some(password)) = (lines.next(), lines.next()) else {
                anyhow::bail!(
                    "--smtp-credentials-file {}: the user name on the first line, the password on the second",
                    file.display()
                );
            };
            builder = builder.credentials(Credentials::new(user.trim().to_string(), password.to_string()));
        }
        Ok(Some(Mailer {
            transport: builder.build(),
            from,
            public_url: public_url.trim_end_matches('/').to_string(),
        }))
    }

    /// `path` on the portal's public address.
    pub fn link(&self, path: &str) -> String {
        format!("{}{path}", self.public_url)
    }

    /// Sends one email; the error is for the log and the operators.
    pub async fn send(&self, to_name: &str, to_address: &str, email: Email) -> Result<(), String> {
        let to = Mailbox::new(
            Some(to_name.to_string()),
            to_address
                .parse()
                .map_err(|e| format!("the address is not valid: {e}"))?,
        );
        let message = Message::builder()
            .from(self.from.clone())
            .to(to)
            .subject(email.subject)
            .multipart(MultiPart::alternative_plain_html(email.text, email.html))
            .map_err(|e| format!("the message could not be made: {e}"))?;
        self.transport
            .send(message)
            .await
            .map(|_| ())
            .map_err(|e| format!("the SMTP server refused or could not be reached: {e}"))
    }
}

/// A notice as an email in `lang`: its sentence as the subject and text,
/// a link to the page concerned, and where to choose what is emailed.
pub fn compose(lang: Lang, name: &str, sentence: &str, link: &str, profile: &str) -> Result<Email, askama::Error> {
    let text = EmailText {
        lang,
        name,
        sentence,
        link,
        profile,
    };
    let html = EmailHtml { text: &text };
    Ok(Email {
        subject: format!("{}: {sentence}", lang.t("app-name")),
        text: text.render()?,
        html: html.render()?,
    })
}
