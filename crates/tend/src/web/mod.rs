//! The web layer: server-rendered pages, the JSON API, and the middleware that
//! keeps both safe (sessions, anti-forgery, rate limits, security headers).

mod api;
pub(crate) mod assets;
mod components;
mod error;
mod extract;
mod format;
mod headers;
mod helplines;
mod layout;
mod metrics;
mod pages;
mod serve;
mod sse;

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

use crate::config::{Config, ConnectionLimits};
use crate::content::Content;
use crate::domain::helplines::Helplines;
use crate::service::Services;

pub use error::{ApiError, PageError};

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
    /// Sign-up, sign-in and recovery requests allowed per client address a
    /// minute (counted in the database, so shared by every process).
    pub auth_attempts_per_minute: u32,
    /// Request counts and timings for `/metrics`.
    pub metrics: Arc<metrics::Metrics>,
    /// Set when shutdown begins: live streams end with a retry hint.
    pub closing: serve::Closing,
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
            auth_attempts_per_minute: config.auth_attempts_per_minute,
            metrics: Arc::new(metrics::Metrics::default()),
            closing: serve::Closing::new(),
            content: Arc::new(content),
            catalog: Arc::new(catalog),
            detector: Arc::new(Detector::new()),
        })
    }
}

/// The whole application as a router.
pub fn router(state: AppState) -> Router {
    let metrics = state.metrics.clone();
    Router::new()
        .merge(pages::routes())
        .nest(api::PREFIX, api::routes())
        .route("/api/openapi.json", get(api::openapi))
        .route("/api/docs", get(api::docs_page))
        .route("/healthz", get(healthz))
        .route("/static/{file}", get(assets::serve))
        .fallback(pages::not_found)
        .layer(axum::middleware::from_fn(headers::security_headers))
        // Pages and styles are text: brotli or gzip makes them a fraction of
        // their size on a weak connection. Live event streams are left as they
        // are (tower-http's default predicate skips them, and tiny bodies).
        .layer(tower_http::compression::CompressionLayer::new())
        .layer(axum::middleware::from_fn_with_state(
            metrics,
            metrics::track,
        ))
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
    limits: ConnectionLimits,
    metrics: Arc<metrics::Metrics>,
    closing: serve::Closing,
    /// The separate listener for `/metrics`, when configured.
    metrics_listener: Option<TcpListener>,
}

impl Server {
    pub async fn bind(config: Config, services: Services) -> anyhow::Result<Self> {
        let listener = TcpListener::bind(config.addr)
            .await
            .map_err(|e| anyhow::anyhow!("could not listen on {}: {e}", config.addr))?;
        // A body that trickles in is cut off (the handler sees an error and
        // answers 400) rather than holding a connection and a task forever.
        let state = AppState::new(&config, services)?;
        let services = state.services.clone();
        let metrics = state.metrics.clone();
        let closing = state.closing.clone();
        let metrics_listener = match config.metrics_addr {
            Some(addr) => Some(
                TcpListener::bind(addr)
                    .await
                    .map_err(|e| anyhow::anyhow!("could not listen for metrics on {addr}: {e}"))?,
            ),
            None => None,
        };
        let app = router(state).layer(tower_http::timeout::RequestBodyTimeoutLayer::new(
            config.limits.body_read_timeout,
        ));
        Ok(Self {
            listener,
            app,
            services,
            limits: config.limits,
            metrics,
            closing,
            metrics_listener,
        })
    }

    pub fn local_addr(&self) -> SocketAddr {
        self.listener
            .local_addr()
            .unwrap_or_else(|_| SocketAddr::from(([127, 0, 0, 1], 0)))
    }

    /// Where `/metrics` is served, if it is.
    pub fn metrics_addr(&self) -> Option<SocketAddr> {
        self.metrics_listener
            .as_ref()
            .and_then(|l| l.local_addr().ok())
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
        let metrics = self.metrics.clone();
        let metrics_server = self.metrics_listener.map(|listener| {
            let app = Router::new()
                .route("/metrics", get(metrics::page))
                .with_state((self.metrics.clone(), self.services.clone()));
            tokio::spawn(async move {
                if let Err(e) = axum::serve(listener, app).await {
                    tracing::warn!(error = %e, "the metrics listener stopped");
                }
            })
        });
        // Housekeeping runs once an hour across all processes sharing the
        // database: each process asks every minute, and the database lets
        // exactly one of them claim the run.
        let sweeper = tokio::spawn(async move {
            let mut tick = tokio::time::interval(std::time::Duration::from_secs(60));
            loop {
                tick.tick().await;
                if services.housekeeping(now()).await {
                    metrics.housekeeping_ran();
                }
            }
        });
        // The push job (reminders people chose to have pushed, pushes held
        // by quiet hours): each process asks every 30 seconds, the database
        // lets one run it, and each send is claimed on its own there.
        let push_services = self.services.clone();
        let pusher = tokio::spawn(async move {
            let every = u64::try_from(crate::service::push::JOB_EVERY).unwrap_or(30);
            let mut tick = tokio::time::interval(std::time::Duration::from_secs(every));
            tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
            loop {
                tick.tick().await;
                push_services.push_job(now()).await;
            }
        });
        let result =
            serve::serve(self.listener, self.app, self.limits, self.closing, shutdown).await;
        sweeper.abort();
        pusher.abort();
        if let Some(m) = metrics_server {
            m.abort();
        }
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
