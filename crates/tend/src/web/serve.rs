//! The connection loop: axum's router served on hyper connections with the
//! limits `axum::serve` does not set. Without them a client that trickles its
//! headers, or simply opens sockets and says nothing, holds a connection (and
//! a file descriptor) for as long as it likes.
//!
//! - **Header and idle timeout**: hyper's `header_read_timeout` runs from the
//!   moment a connection waits for a request (the first one, or the next one on
//!   a kept-alive connection) until its headers are complete.
//! - **Connection cap**: at most `max_connections` at once; past that, new
//!   connections wait in the kernel's backlog until one closes.
//! - **Graceful shutdown**: stop accepting, tell long responses (live
//!   streams) through [`Closing`] so they end at once with an SSE `retry:`
//!   hint, let requests in flight finish, and close whatever is still open
//!   after a grace period. A browser reconnects a closed event stream on its
//!   own, with `Last-Event-ID`, to another process behind the load balancer.

use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Duration;

use axum::Router;
use axum::extract::ConnectInfo;
use hyper::body::Incoming;
use hyper_util::rt::{TokioIo, TokioTimer};
use hyper_util::server::graceful::GracefulShutdown;
use tokio::net::TcpListener;
use tokio::sync::Semaphore;
use tower::ServiceExt;

use crate::config::ConnectionLimits;

/// "This process is shutting down", for responses that would otherwise stay
/// open until the grace period cuts them (live streams). Cloned into every
/// request's state; set once by [`serve`] when shutdown begins.
#[derive(Clone)]
pub struct Closing(Arc<tokio::sync::watch::Sender<bool>>);

impl Closing {
    pub fn new() -> Self {
        Self(Arc::new(tokio::sync::watch::channel(false).0))
    }

    /// Shutdown has begun: wakes every [`Closing::wait`], now and later.
    pub fn begin(&self) {
        self.0.send_replace(true);
    }

    /// Resolves once shutdown has begun (at once if it already has).
    pub async fn wait(&self) {
        let mut rx = self.0.subscribe();
        // The sender lives in `self`, so this cannot fail while we wait.
        let _ = rx.wait_for(|closing| *closing).await;
    }
}

impl Default for Closing {
    fn default() -> Self {
        Self::new()
    }
}

/// Serves `app` on `listener` until `shutdown` completes, then tells `closing`.
pub async fn serve(
    listener: TcpListener,
    app: Router,
    limits: ConnectionLimits,
    closing: Closing,
    shutdown: impl std::future::Future<Output = ()> + Send + 'static,
) -> std::io::Result<()> {
    let permits = Arc::new(Semaphore::new(limits.max_connections.max(1)));
    let graceful = GracefulShutdown::new();
    let mut http = hyper::server::conn::http1::Builder::new();
    http.timer(TokioTimer::new())
        .header_read_timeout(limits.header_read_timeout)
        .keep_alive(true);
    tokio::pin!(shutdown);

    loop {
        let permit = tokio::select! {
            permit = permits.clone().acquire_owned() => match permit {
                Ok(p) => p,
                // The semaphore is never closed; treat it as a shutdown.
                Err(_) => break,
            },
            () = &mut shutdown => break,
        };
        let (stream, remote) = tokio::select! {
            accepted = listener.accept() => match accepted {
                Ok(a) => a,
                Err(e) => {
                    // Out of file descriptors or a connection reset before we
                    // took it: wait a moment rather than spin, then go on.
                    tracing::warn!(error = %e, "accept failed");
                    tokio::time::sleep(Duration::from_millis(50)).await;
                    continue;
                }
            },
            () = &mut shutdown => break,
        };
        let _ = stream.set_nodelay(true);
        let app = app.clone();
        let proxied = limits.trusted_proxy == Some(remote.ip());
        let service = hyper::service::service_fn(move |mut req: hyper::Request<Incoming>| {
            let client = if proxied {
                forwarded_client(req.headers()).unwrap_or(remote)
            } else {
                remote
            };
            req.extensions_mut()
                .insert(ConnectInfo::<SocketAddr>(client));
            app.clone().oneshot(req)
        });
        let connection = graceful.watch(http.serve_connection(TokioIo::new(stream), service));
        tokio::spawn(async move {
            // Timeouts and resets end connections as errors; nothing to report.
            let _ = connection.await;
            drop(permit);
        });
    }

    // New connections are refused from here on; the load balancer's health
    // check sees that and sends them to the other processes.
    drop(listener);
    // Live streams end now (with a retry hint) rather than at the grace
    // period, so their connections count as finished below.
    closing.begin();
    tokio::select! {
        () = graceful.shutdown() => {}
        () = tokio::time::sleep(limits.shutdown_grace) => {
            tracing::info!("closing connections still open after the shutdown grace period");
        }
    }
    Ok(())
}

/// The client a trusted proxy reports: the last `X-Forwarded-For` entry, the
/// one the proxy itself added (earlier entries come from the client and can
/// say anything).
fn forwarded_client(headers: &axum::http::HeaderMap) -> Option<SocketAddr> {
    let last = headers
        .get_all("x-forwarded-for")
        .iter()
        .next_back()?
        .to_str()
        .ok()?
        .rsplit(',')
        .next()?
        .trim();
    let ip: std::net::IpAddr = last.parse().ok()?;
    Some(SocketAddr::new(ip, 0))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_forwarded_client_is_the_entry_the_proxy_added() {
        let mut h = axum::http::HeaderMap::new();
        assert_eq!(forwarded_client(&h), None);
        h.append(
            "x-forwarded-for",
            "203.0.113.9, 198.51.100.7".parse().unwrap(),
        );
        assert_eq!(
            forwarded_client(&h).map(|a| a.ip().to_string()),
            Some("198.51.100.7".into())
        );
        h.append("x-forwarded-for", "2001:db8::1".parse().unwrap());
        assert_eq!(
            forwarded_client(&h).map(|a| a.ip().to_string()),
            Some("2001:db8::1".into())
        );
        let mut bad = axum::http::HeaderMap::new();
        bad.insert("x-forwarded-for", "not an address".parse().unwrap());
        assert_eq!(forwarded_client(&bad), None);
    }
}
