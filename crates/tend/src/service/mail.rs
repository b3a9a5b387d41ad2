//! E-mail for facilitators and leads who gave an address (issue 13). One
//! message only: "something in tend needs you" and a link. It never names a
//! circle, a person or anything anyone wrote, because mail passes through
//! servers tend does not control.

use std::time::Duration;

use lettre::message::Mailbox;
use lettre::message::header::ContentType;
use lettre::transport::smtp::authentication::Credentials;
use lettre::{AsyncSmtpTransport, AsyncTransport, Message, Tokio1Executor};

use crate::config::{MailConfig, MailTls};

pub const SUBJECT: &str = "tend: something needs you";

/// A configured SMTP server.
pub struct Mailer {
    transport: AsyncSmtpTransport<Tokio1Executor>,
    from: Mailbox,
    public_url: String,
}

impl Mailer {
    pub fn new(c: &MailConfig) -> Result<Self, String> {
        let builder = match c.tls {
            MailTls::None => AsyncSmtpTransport::<Tokio1Executor>::builder_dangerous(&c.host),
            MailTls::StartTls => AsyncSmtpTransport::<Tokio1Executor>::starttls_relay(&c.host)
                .map_err(|e| format!("SMTP STARTTLS setup: {e}"))?,
            MailTls::Tls => AsyncSmtpTransport::<Tokio1Executor>::relay(&c.host)
                .map_err(|e| format!("SMTP TLS setup: {e}"))?,
        };
        let mut builder = builder.port(c.port).timeout(Some(Duration::from_secs(20)));
        if let (Some(user), Some(password)) = (&c.user, &c.password) {
            builder = builder.credentials(Credentials::new(user.clone(), password.clone()));
        }
        let from = c
            .from
            .parse::<Mailbox>()
            .map_err(|e| format!("the sender address (--smtp-from) is not valid: {e}"))?;
        Ok(Self {
            transport: builder.build(),
            from,
            public_url: c.public_url.clone(),
        })
    }

    /// The whole message: no circle, no person, no words from anyone.
    pub fn body(&self) -> String {
        let url = &self.public_url;
        // Short lines, so the message goes as plain 7-bit text that any
        // mail program shows as written.
        format!(
            "Something in tend needs you.\r\n\r\n\
             Open tend to see what:\r\n{url}/notifications\r\n\r\n\
             You get this because you gave tend this address.\r\n\
             To stop these e-mails:\r\n{url}/notifications/off?reminder=email\r\n"
        )
    }

    /// Sends the one message to `to`. Errors say what failed, never the address.
    pub async fn something_needs_you(&self, to: &str) -> Result<(), String> {
        let to = to
            .parse::<Mailbox>()
            .map_err(|_| "a stored address does not parse".to_owned())?;
        let message = Message::builder()
            .from(self.from.clone())
            .to(to)
            .subject(SUBJECT)
            .header(ContentType::TEXT_PLAIN)
            .body(self.body())
            .map_err(|e| format!("could not build the message: {e}"))?;
        self.transport
            .send(message)
            .await
            .map(|_| ())
            .map_err(|e| format!("SMTP: {e}"))
    }
}

/// Whether an address is one lettre can send to (after the domain's shape
/// check in `domain::notifications`).
pub fn deliverable(address: &str) -> bool {
    address.parse::<lettre::Address>().is_ok()
}
