//! The bare baseline for bench/compare.sh: the least an axum + SQLite server
//! does for a page and for a save.
//!
//! - `GET /page?p=N`: one indexed row read (person N's newest entry, from
//!   `(person, day)`) on a pooled read connection inside one `spawn_blocking`,
//!   rendered into a small HTML page.
//! - `POST /save` (form `p=N&mood=M`): one durable insert (WAL,
//!   `synchronous=FULL`, as tend's default) through the one writer connection.
//!
//! `baseline seed DB PEOPLE DAYS` fills the database first;
//! `baseline serve DB ADDR` serves it.

use std::sync::{Arc, Mutex};

use axum::extract::{Form, Query, State};
use axum::http::StatusCode;
use axum::response::{Html, IntoResponse, Response};
use axum::routing::{get, post};
use rusqlite::{Connection, OptionalExtension, params};
use serde::Deserialize;

struct Db {
    path: String,
    readers: Mutex<Vec<Connection>>,
    writer: Mutex<Connection>,
}

fn open(path: &str) -> rusqlite::Result<Connection> {
    let c = Connection::open(path)?;
    c.busy_timeout(std::time::Duration::from_secs(5))?;
    c.pragma_update(None, "journal_mode", "wal")?;
    c.pragma_update(None, "synchronous", "full")?;
    Ok(c)
}

fn html_escape(s: &str) -> String {
    s.replace('&', "&amp;").replace('<', "&lt;").replace('>', "&gt;")
}

#[derive(Deserialize)]
struct PageQuery {
    p: i64,
}

#[derive(Deserialize)]
struct SaveForm {
    p: i64,
    mood: i64,
}

fn fail(e: impl std::fmt::Display) -> Response {
    (StatusCode::INTERNAL_SERVER_ERROR, e.to_string()).into_response()
}

async fn page(State(db): State<Arc<Db>>, Query(q): Query<PageQuery>) -> Response {
    let row = tokio::task::spawn_blocking(move || {
        let c = match db.readers.lock().ok().and_then(|mut v| v.pop()) {
            Some(c) => c,
            None => open(&db.path)?,
        };
        let row = c
            .prepare_cached(
                "SELECT day, mood, note FROM entries WHERE person = ?1 ORDER BY day DESC LIMIT 1",
            )?
            .query_row(params![q.p], |r| {
                Ok((r.get::<_, String>(0)?, r.get::<_, i64>(1)?, r.get::<_, String>(2)?))
            })
            .optional();
        if let Ok(mut v) = db.readers.lock() {
            v.push(c);
        }
        row
    })
    .await;
    match row {
        Ok(Ok(Some((day, mood, note)))) => Html(format!(
            "<!doctype html><html lang=en><meta charset=utf-8><title>Today</title>\
             <h1>Today</h1><section><h2>Check-in</h2><dl><dt>Day</dt><dd>{}</dd>\
             <dt>Mood</dt><dd>{mood} of 5</dd><dt>Note</dt><dd>{}</dd></dl></section></html>",
            html_escape(&day),
            html_escape(&note)
        ))
        .into_response(),
        Ok(Ok(None)) => StatusCode::NOT_FOUND.into_response(),
        Ok(Err(e)) => fail(e),
        Err(e) => fail(e),
    }
}

async fn save(State(db): State<Arc<Db>>, Form(f): Form<SaveForm>) -> Response {
    let done = tokio::task::spawn_blocking(move || {
        let c = db.writer.lock().map_err(|_| rusqlite::Error::InvalidQuery)?;
        let now = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map(|d| d.as_nanos())
            .unwrap_or(0);
        c.prepare_cached("INSERT INTO saves (person, mood, at) VALUES (?1, ?2, ?3)")?
            .execute(params![f.p, f.mood, now.to_string()])
    })
    .await;
    match done {
        Ok(Ok(_)) => (StatusCode::SEE_OTHER, [("location", "/page")]).into_response(),
        Ok(Err(e)) => fail(e),
        Err(e) => fail(e),
    }
}

fn seed(path: &str, people: i64, days: i64) -> rusqlite::Result<()> {
    let mut c = open(path)?;
    c.execute_batch(
        "CREATE TABLE IF NOT EXISTS entries (person INTEGER NOT NULL, day TEXT NOT NULL, \
         mood INTEGER NOT NULL, note TEXT NOT NULL);
         CREATE INDEX IF NOT EXISTS entries_by_day ON entries(person, day);
         CREATE TABLE IF NOT EXISTS saves (id INTEGER PRIMARY KEY, person INTEGER NOT NULL, \
         mood INTEGER NOT NULL, at TEXT NOT NULL);",
    )?;
    let tx = c.transaction()?;
    {
        let mut ins = tx.prepare("INSERT INTO entries (person, day, mood, note) VALUES (?1, ?2, ?3, ?4)")?;
        for p in 0..people {
            for d in 0..days {
                let day = format!("2026-{:02}-{:02}#{d:04}", 1 + d % 12, 1 + d % 28);
                ins.execute(params![p, day, 1 + d % 5, "a kind word from a resident"])?;
            }
        }
    }
    tx.commit()
}

#[tokio::main]
async fn main() {
    let args: Vec<String> = std::env::args().collect();
    let arg = |i: usize, d: &str| args.get(i).cloned().unwrap_or_else(|| d.to_owned());
    match arg(1, "serve").as_str() {
        "seed" => {
            let people = arg(3, "1000").parse().unwrap_or(1000);
            let days = arg(4, "365").parse().unwrap_or(365);
            if let Err(e) = seed(&arg(2, "baseline.db"), people, days) {
                eprintln!("seed failed: {e}");
                std::process::exit(1);
            }
        }
        _ => {
            let path = arg(2, "baseline.db");
            let writer = match open(&path) {
                Ok(c) => c,
                Err(e) => {
                    eprintln!("cannot open {path}: {e}");
                    std::process::exit(1);
                }
            };
            let db = Arc::new(Db {
                path,
                readers: Mutex::new(Vec::new()),
                writer: Mutex::new(writer),
            });
            let app = axum::Router::new()
                .route("/page", get(page))
                .route("/save", post(save))
                .route("/healthz", get(|| async { "ok" }))
                .with_state(db);
            let addr = arg(3, "127.0.0.1:18300");
            let listener = match tokio::net::TcpListener::bind(&addr).await {
                Ok(l) => l,
                Err(e) => {
                    eprintln!("cannot listen on {addr}: {e}");
                    std::process::exit(1);
                }
            };
            if let Err(e) = axum::serve(listener, app).await {
                eprintln!("server stopped: {e}");
            }
        }
    }
}
