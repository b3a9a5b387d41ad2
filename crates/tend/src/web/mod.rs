//! The web layer: server-rendered pages, the JSON API, and the middleware that
//! keeps both safe (sessions, anti-forgery, rate limits, security headers).

mod api;
mod components;
mod error;
mod extract;
mod format;
mod headers;
mod layout;
mod pages;
mod ratelimit;

use std::net::SocketAddr;
use std::sync::Arc;

use axum::Router;
use axum::extract::State;
use axum::http::StatusCode;
use axum::response::IntoResponse;
use axum::routing::get;
use tokio::net::TcpListener;

use tend_detector::Detector;
use tend_instruments::Catalog;

use crate::config::Config;
use crate::content::Content;
use crate::domain::helplines::Helplines;
use crate::service::Services;

pub use error::{ApiError, PageError};
pub use ratelimit::RateLimiter;

/// Shared by every request.
#[derive(Clone)]
pub struct AppState {
    pub services: Services,
    /// tend's own articles, practices, guides and prompts.
    pub content: Arc<Content>,
    /// The validated questionnaires.
    pub catalog: Arc<Catalog>,
    /// The thinking-pattern, risk-language and patient-identifier detector.
    pub detector: Arc<Detector>,
    pub helplines: Arc<Helplines>,
    pub secure_cookies: bool,
    pub max_body_bytes: usize,
    pub auth_limiter: Arc<RateLimiter>,
}

impl AppState {
    /// Loads and checks the built-in content and questionnaires; a broken file
    /// stops start-up with a message naming it.
    pub fn new(config: &Config, services: Services) -> anyhow::Result<Self> {
        let content = Content::embedded().map_err(|e| anyhow::anyhow!("content: {e}"))?;
        let catalog = Catalog::embedded().map_err(|e| anyhow::anyhow!("questionnaires: {e}"))?;
        Ok(Self {
            services,
            helplines: Arc::new(config.helplines.clone()),
            secure_cookies: config.secure_cookies,
            max_body_bytes: config.max_body_bytes,
            auth_limiter: Arc::new(RateLimiter::per_minute(config.auth_attempts_per_minute)),
            content: Arc::new(content),
            catalog: Arc::new(catalog),
            detector: Arc::new(Detector::new()),
        })
    }
}

/// The whole application as a router.
pub fn router(state: AppState) -> Router {
    Router::new()
        .merge(pages::routes())
        .nest("/api/v1", api::routes().merge(pages::api_routes()))
        .route("/api/openapi.json", get(api::openapi))
        .route("/healthz", get(healthz))
        .fallback(pages::not_found)
        .layer(axum::middleware::from_fn(headers::security_headers))
        .with_state(state)
}

async fn healthz(State(state): State<AppState>) -> impl IntoResponse {
    match state.services.ping().await {
        Ok(()) => (StatusCode::OK, "ok\n"),
        Err(e) => {
            tracing::error!(error = %e, "health check: database unreachable");
            (StatusCode::SERVICE_UNAVAILABLE, "database unavailable\n")
        }
    }
}

/// A bound, not yet running server; binding first lets callers learn the port.
pub struct Server {
    listener: TcpListener,
    app: Router,
    services: Services,
}

impl Server {
    pub async fn bind(config: Config, services: Services) -> anyhow::Result<Self> {
        let listener = TcpListener::bind(config.addr)
            .await
            .map_err(|e| anyhow::anyhow!("could not listen on {}: {e}", config.addr))?;
        let app = router(AppState::new(&config, services.clone())?);
        Ok(Self {
            listener,
            app,
            services,
        })
    }

    pub fn local_addr(&self) -> SocketAddr {
        self.listener
            .local_addr()
            .unwrap_or_else(|_| SocketAddr::from(([127, 0, 0, 1], 0)))
    }

    /// Serves until Ctrl-C or SIGTERM, finishing requests in flight.
    pub async fn run_until_shutdown(self) -> anyhow::Result<()> {
        self.run(shutdown_signal()).await
    }

    pub async fn run(
        self,
        shutdown: impl std::future::Future<Output = ()> + Send + 'static,
    ) -> anyhow::Result<()> {
        let services = self.services.clone();
        // Expired sessions are removed hourly; they are already refused on use.
        let sweeper = tokio::spawn(async move {
            let mut tick = tokio::time::interval(std::time::Duration::from_secs(3600));
            loop {
                tick.tick().await;
                if let Err(e) = services.accounts().purge_expired_sessions(now()).await {
                    tracing::warn!(error = %e, "could not purge expired sessions");
                }
            }
        });
        let result = axum::serve(
            self.listener,
            self.app.into_make_service_with_connect_info::<SocketAddr>(),
        )
        .with_graceful_shutdown(shutdown)
        .await;
        sweeper.abort();
        result.map_err(Into::into)
    }
}

async fn shutdown_signal() {
    let ctrl_c = async {
        let _ = tokio::signal::ctrl_c().await;
    };
    #[cfg(unix)]
    let term = async {
        if let Ok(mut s) = tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate())
        {
            s.recv().await;
        }
    };
    #[cfg(not(unix))]
    let term = std::future::pending::<()>();
    tokio::select! {
        () = ctrl_c => {},
        () = term => {},
    }
}

/// The current instant; the only place tend reads the clock (see `clippy.toml`):
/// everything else is given the time, so tests can choose it.
#[allow(clippy::disallowed_methods)] // the one sanctioned clock read
pub(crate) fn clock() -> jiff::Timestamp {
    jiff::Timestamp::now()
}

/// Seconds since the epoch.
pub(crate) fn now() -> i64 {
    clock().as_second()
}
