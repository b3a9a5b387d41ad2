//! Settings for `tend serve`, from flags or `TEND_*` environment variables.

use std::net::{IpAddr, SocketAddr};
use std::path::PathBuf;
use std::time::Duration;

use crate::domain::helplines::Helplines;
use crate::vault::KdfParams;

#[derive(Clone)]
pub struct Config {
    pub addr: SocketAddr,
    pub data_dir: PathBuf,
    /// `None`: SQLite in `data_dir`.
    pub database_url: Option<String>,
    /// Most PostgreSQL connections this process keeps (`--db-pool-size`);
    /// SQLite keeps its own fixed pool.
    pub db_pool_size: u32,
    /// Mark cookies `Secure`; set when tend is served over HTTPS.
    pub secure_cookies: bool,
    /// Largest request body accepted, in bytes.
    pub max_body_bytes: usize,
    /// Sign-in, sign-up and recovery attempts per client per minute.
    pub auth_attempts_per_minute: u32,
    pub helplines: Helplines,
    pub kdf: KdfParams,
    pub session_ttl_seconds: i64,
    pub limits: ConnectionLimits,
    /// Where to serve Prometheus `/metrics`; `None` (the default) serves none.
    pub metrics_addr: Option<SocketAddr>,
    /// The SMTP server for e-mail to facilitators and leads; `None` (the
    /// default) sends no e-mail.
    pub mail: Option<MailConfig>,
    /// Web Push (on unless `--no-web-push`; docs/notifications.md).
    pub push: crate::service::push::PushConfig,
}

/// How tend reaches its SMTP server (issue 13, docs/notifications.md).
#[derive(Clone)]
pub struct MailConfig {
    pub host: String,
    pub port: u16,
    /// The sender address, e.g. `tend <tend@school.example>`.
    pub from: String,
    pub user: Option<String>,
    pub password: Option<String>,
    pub tls: MailTls,
    /// The address people reach tend at, for the link in the message, e.g.
    /// `https://tend.school.example`.
    pub public_url: String,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum MailTls {
    /// Plain SMTP: only for a relay on the same machine or a test.
    None,
    /// Upgrade with STARTTLS (port 587), required.
    StartTls,
    /// TLS from the start (port 465).
    Tls,
}

impl MailTls {
    pub fn parse(s: &str) -> Option<Self> {
        match s {
            "none" => Some(Self::None),
            "starttls" => Some(Self::StartTls),
            "tls" => Some(Self::Tls),
            _ => None,
        }
    }
}

/// Without the password.
impl std::fmt::Debug for MailConfig {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("MailConfig")
            .field("host", &self.host)
            .field("port", &self.port)
            .field("from", &self.from)
            .field("user", &self.user)
            .field("password", &self.password.as_ref().map(|_| "***"))
            .field("tls", &self.tls)
            .field("public_url", &self.public_url)
            .finish()
    }
}

impl Config {
    /// Settings for tests and the benchmark: everything default but the data folder.
    pub fn for_data_dir(data_dir: PathBuf) -> Result<Self, String> {
        Ok(Self {
            addr: SocketAddr::from(([127, 0, 0, 1], 0)),
            data_dir,
            database_url: None,
            db_pool_size: crate::store::default_pool_size(),
            secure_cookies: false,
            max_body_bytes: 256 * 1024,
            auth_attempts_per_minute: 10,
            helplines: Helplines::defaults()?,
            kdf: KdfParams::default(),
            session_ttl_seconds: 14 * 24 * 3600,
            limits: ConnectionLimits::default(),
            metrics_addr: None,
            mail: None,
            push: crate::service::push::PushConfig::default(),
        })
    }
}

/// Limits on connections, enforced by `web::serve` (see there for why).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ConnectionLimits {
    pub max_connections: usize,
    /// How long a connection may take to send a request's headers, and how
    /// long it may sit idle between requests.
    pub header_read_timeout: Duration,
    /// How long a request body may take to arrive.
    pub body_read_timeout: Duration,
    /// How long shutdown waits for open connections before closing them.
    pub shutdown_grace: Duration,
    /// The load balancer in front, if any: for connections from this address
    /// the client is the last address in `X-Forwarded-For` (the one the
    /// proxy added), so per-address limits count real clients. Connections
    /// from anywhere else are never trusted with that header.
    pub trusted_proxy: Option<IpAddr>,
}

impl Default for ConnectionLimits {
    fn default() -> Self {
        Self {
            max_connections: 4096,
            header_read_timeout: Duration::from_secs(10),
            body_read_timeout: Duration::from_secs(30),
            shutdown_grace: Duration::from_secs(10),
            trusted_proxy: None,
        }
    }
}

/// Written out by hand so that logging a `Config` never prints the database
/// password: the URL's user information is replaced by `***`.
impl std::fmt::Debug for Config {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Config")
            .field("addr", &self.addr)
            .field("data_dir", &self.data_dir)
            .field(
                "database_url",
                &self.database_url.as_deref().map(redact_url),
            )
            .field("db_pool_size", &self.db_pool_size)
            .field("secure_cookies", &self.secure_cookies)
            .field("max_body_bytes", &self.max_body_bytes)
            .field("auth_attempts_per_minute", &self.auth_attempts_per_minute)
            .field("helplines", &self.helplines)
            .field("kdf", &self.kdf)
            .field("session_ttl_seconds", &self.session_ttl_seconds)
            .field("limits", &self.limits)
            .field("metrics_addr", &self.metrics_addr)
            .field("mail", &self.mail)
            .field("push", &self.push)
            .finish()
    }
}

/// A database URL fit for logs: `postgres://***@db.example/tend` for
/// `postgres://tend:secret@db.example/tend`. URLs without user information
/// (SQLite paths, `postgres://host/db`) are unchanged.
pub fn redact_url(url: &str) -> String {
    let Some((scheme, rest)) = url.split_once("://") else {
        return url.to_owned();
    };
    // The user information ends at the last `@` before the path.
    let authority_end = rest.find('/').unwrap_or(rest.len());
    match rest[..authority_end].rfind('@') {
        Some(at) => format!("{scheme}://***{}", &rest[at..]),
        None => url.to_owned(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_database_password_never_reaches_debug_output() {
        let mut c = Config::for_data_dir("/tmp/x".into()).unwrap();
        c.database_url = Some("postgres://tend:hunter2@db.example:5432/tend".into());
        let shown = format!("{c:?}");
        assert!(!shown.contains("hunter2"), "{shown}");
        assert!(!shown.contains("tend:"), "{shown}");
        assert!(
            shown.contains("postgres://***@db.example:5432/tend"),
            "{shown}"
        );
    }

    #[test]
    fn urls_without_user_information_are_kept() {
        assert_eq!(redact_url("sqlite:/data/tend.db"), "sqlite:/data/tend.db");
        assert_eq!(redact_url("postgres://db/tend"), "postgres://db/tend");
        assert_eq!(
            redact_url("postgres://u:p@ss@db/tend"),
            "postgres://***@db/tend"
        );
    }
}
