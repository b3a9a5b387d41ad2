//! Prometheus metrics, served on their own listen address (off by default) so
//! they are never exposed on the public port by accident.
//!
//! Labels are route templates (`/circles/{id}`), methods and status codes
//! only: never a handle, an id, an address or anything a person wrote.

use std::collections::BTreeMap;
use std::fmt::Write as _;
use std::sync::Mutex;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Instant;

use axum::extract::{MatchedPath, Request, State};
use axum::http::header;
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};

use crate::service::Services;

/// Upper bounds of the latency histogram, in seconds.
const BUCKETS: [f64; 12] = [
    0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 10.0,
];

#[derive(Default)]
struct Series {
    count: u64,
    sum_seconds: f64,
    buckets: [u64; BUCKETS.len()],
}

/// Counters shared by every request of this process.
#[derive(Default)]
pub struct Metrics {
    /// (route template, method, status) → requests and their durations.
    requests: Mutex<BTreeMap<(String, String, u16), Series>>,
    housekeeping_runs: AtomicU64,
    /// Live reply streams open in this process right now.
    open_streams: AtomicU64,
}

/// Held by a live stream while it is open; counts it out when dropped, however
/// the stream ends (the viewer leaves, the session ends, the process stops).
pub struct OpenStream(std::sync::Arc<Metrics>);

impl Drop for OpenStream {
    fn drop(&mut self) {
        self.0.open_streams.fetch_sub(1, Ordering::Relaxed);
    }
}

impl Metrics {
    fn observe(&self, route: String, method: String, status: u16, seconds: f64) {
        // A poisoned lock only means a panic mid-update; the counts still serve.
        let mut map = self.requests.lock().unwrap_or_else(|e| e.into_inner());
        let series = map.entry((route, method, status)).or_default();
        series.count += 1;
        series.sum_seconds += seconds;
        for (i, bound) in BUCKETS.iter().enumerate() {
            if seconds <= *bound {
                series.buckets[i] += 1;
            }
        }
    }

    /// Counts a live stream in until the returned guard is dropped.
    pub fn stream_opened(self: &std::sync::Arc<Self>) -> OpenStream {
        self.open_streams.fetch_add(1, Ordering::Relaxed);
        OpenStream(self.clone())
    }

    fn open_streams(&self) -> u64 {
        self.open_streams.load(Ordering::Relaxed)
    }

    /// Counts a run of the periodic jobs by this process.
    pub fn housekeeping_ran(&self) {
        self.housekeeping_runs.fetch_add(1, Ordering::Relaxed);
    }

    /// The text exposition format (version 0.0.4).
    pub fn render(&self, services: &Services) -> String {
        let mut out = String::new();
        let map = self.requests.lock().unwrap_or_else(|e| e.into_inner());
        out.push_str("# HELP tend_http_requests_total HTTP requests answered, by route template, method and status.\n");
        out.push_str("# TYPE tend_http_requests_total counter\n");
        for ((route, method, status), s) in map.iter() {
            let _ = writeln!(
                out,
                "tend_http_requests_total{{route=\"{}\",method=\"{method}\",status=\"{status}\"}} {}",
                escape(route),
                s.count
            );
        }
        out.push_str("# HELP tend_http_rate_limited_total Requests refused by an attempt limit (429), by route template.\n");
        out.push_str("# TYPE tend_http_rate_limited_total counter\n");
        let mut limited: BTreeMap<&str, u64> = BTreeMap::new();
        for ((route, _, status), s) in map.iter() {
            if *status == 429 {
                *limited.entry(route.as_str()).or_default() += s.count;
            }
        }
        for (route, n) in limited {
            let _ = writeln!(
                out,
                "tend_http_rate_limited_total{{route=\"{}\"}} {n}",
                escape(route)
            );
        }
        out.push_str("# HELP tend_http_request_duration_seconds Time to answer, by route template and method.\n");
        out.push_str("# TYPE tend_http_request_duration_seconds histogram\n");
        let mut by_route: BTreeMap<(&str, &str), Series> = BTreeMap::new();
        for ((route, method, _), s) in map.iter() {
            let agg = by_route.entry((route, method)).or_default();
            agg.count += s.count;
            agg.sum_seconds += s.sum_seconds;
            for (a, b) in agg.buckets.iter_mut().zip(s.buckets.iter()) {
                *a += b;
            }
        }
        for ((route, method), s) in by_route {
            let labels = format!("route=\"{}\",method=\"{method}\"", escape(route));
            for (bound, n) in BUCKETS.iter().zip(s.buckets.iter()) {
                let _ = writeln!(
                    out,
                    "tend_http_request_duration_seconds_bucket{{{labels},le=\"{bound}\"}} {n}"
                );
            }
            let _ = writeln!(
                out,
                "tend_http_request_duration_seconds_bucket{{{labels},le=\"+Inf\"}} {}",
                s.count
            );
            let _ = writeln!(
                out,
                "tend_http_request_duration_seconds_sum{{{labels}}} {}",
                s.sum_seconds
            );
            let _ = writeln!(
                out,
                "tend_http_request_duration_seconds_count{{{labels}}} {}",
                s.count
            );
        }
        drop(map);
        let (size, idle) = services.pool_use();
        out.push_str(
            "# HELP tend_db_connections Database connections held by this process's pool.\n",
        );
        out.push_str("# TYPE tend_db_connections gauge\n");
        let _ = writeln!(out, "tend_db_connections{{state=\"idle\"}} {idle}");
        let _ = writeln!(
            out,
            "tend_db_connections{{state=\"busy\"}} {}",
            size.saturating_sub(idle)
        );
        out.push_str("# HELP tend_live_streams_open Live reply streams open in this process.\n");
        out.push_str("# TYPE tend_live_streams_open gauge\n");
        let _ = writeln!(out, "tend_live_streams_open {}", self.open_streams());
        out.push_str(
            "# HELP tend_housekeeping_runs_total Periodic job runs claimed by this process.\n",
        );
        out.push_str("# TYPE tend_housekeeping_runs_total counter\n");
        let _ = writeln!(
            out,
            "tend_housekeeping_runs_total {}",
            self.housekeeping_runs.load(Ordering::Relaxed)
        );
        out
    }
}

/// Label values are route templates we wrote, but escape them anyway.
fn escape(value: &str) -> String {
    value
        .replace('\\', "\\\\")
        .replace('"', "\\\"")
        .replace('\n', "\\n")
}

/// Middleware: times every request and counts it under its route template.
pub async fn track(
    State(metrics): State<std::sync::Arc<Metrics>>,
    req: Request,
    next: Next,
) -> Response {
    let route = req
        .extensions()
        .get::<MatchedPath>()
        .map_or_else(|| "unmatched".to_owned(), |p| p.as_str().to_owned());
    let method = req.method().as_str().to_owned();
    let started = Instant::now();
    let res = next.run(req).await;
    metrics.observe(
        route,
        method,
        res.status().as_u16(),
        started.elapsed().as_secs_f64(),
    );
    res
}

/// The `/metrics` page of the metrics listener.
pub async fn page(
    State((metrics, services)): State<(std::sync::Arc<Metrics>, Services)>,
) -> Response {
    (
        [(header::CONTENT_TYPE, "text/plain; version=0.0.4")],
        metrics.render(&services),
    )
        .into_response()
}

#[cfg(test)]
mod tests {
    use std::sync::Arc;

    use super::Metrics;

    #[test]
    fn open_streams_are_counted_until_their_guard_drops() {
        let m = Arc::new(Metrics::default());
        let a = m.stream_opened();
        let b = m.stream_opened();
        assert_eq!(m.open_streams(), 2);
        drop(a);
        assert_eq!(m.open_streams(), 1);
        drop(b);
        assert_eq!(m.open_streams(), 0);
    }
}
