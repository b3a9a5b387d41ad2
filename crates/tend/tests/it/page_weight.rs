//! Page weight (issue 12): what a first visit to each main page costs over
//! the network, measured, not guessed. For every main page this fetches the
//! HTML with `Accept-Encoding: br, gzip`, as a browser does, then every
//! stylesheet, script, icon and manifest the page links (compressed too, each
//! once per page, as with an empty cache), and adds up the bytes on the wire:
//! each response's body as sent (the test's HTTP client does not decompress)
//! plus its status line and headers as HTTP/1.1 writes them. The total must
//! stay at or under 30 KiB. It also checks that the static files the pages
//! link carry a content hash in their names and may be kept for a year.
//!
//! SQLite only: this is about what goes over HTTP, which does not depend on
//! the store behind it.
//!
//! This is a size test, not a timing test: nothing here depends on speed.

use reqwest::StatusCode;
use reqwest::header::HeaderMap;

use crate::helpers::{Backend, TestApp, csrf_of, sign_up_in_browser};

const BUDGET: usize = 30 * 1024;

/// A year, the least a hashed file's lifetime may be.
const LONG_MAX_AGE: u64 = 365 * 24 * 60 * 60;

/// Pages anyone sees before signing in.
const PUBLIC_PAGES: [&str; 3] = ["/", "/signup", "/signin"];

/// Pages a signed-in person moves between (every top-level page in
/// `web::pages`, the public ones included, seen with the signed-in navigation).
const SIGNED_IN_PAGES: [&str; 23] = [
    "/today",
    "/checkin",
    "/journal",
    "/critic",
    "/practices",
    "/gratitude",
    "/goals",
    "/selfcare",
    "/support",
    "/review",
    "/questionnaires",
    "/help",
    "/hard-moment",
    "/safety-plan",
    "/account",
    "/notifications",
    "/learn",
    "/circles",
    "/kindness",
    "/debrief",
    "/programmes",
    "/journal/new",
    "/critic/new",
];

/// Bytes of the status line and headers as HTTP/1.1 sends them.
fn head_bytes(headers: &HeaderMap) -> usize {
    "HTTP/1.1 200 OK\r\n".len()
        + headers
            .iter()
            .map(|(n, v)| n.as_str().len() + 2 + v.len() + 2)
            .sum::<usize>()
        + 2
}

/// One response: (body bytes as sent, headers + body bytes, headers).
async fn fetch(c: &reqwest::Client, url: String) -> (StatusCode, usize, usize, HeaderMap) {
    let res = c
        .get(&url)
        .header("accept-encoding", "br, gzip")
        .send()
        .await
        .unwrap();
    let status = res.status();
    let headers = res.headers().clone();
    let body = res.bytes().await.unwrap().len();
    (status, body, head_bytes(&headers) + body, headers)
}

/// The value of `attr="..."` inside one tag's text, if present.
fn attr(tag: &str, attr: &str) -> Option<String> {
    let marker = format!(" {attr}=\"");
    let start = tag.find(&marker)? + marker.len();
    let end = tag[start..].find('"')?;
    Some(tag[start..start + end].replace("&amp;", "&"))
}

/// What a browser fetches on its own to show the page: stylesheets, icons and
/// the manifest (`<link>`), scripts (`<script src>`) and images (`<img src>`),
/// tend's own only (it makes no third-party requests), each once.
fn subresources(html: &str) -> Vec<String> {
    let mut found: Vec<String> = Vec::new();
    for (open, name) in [("<link ", "href"), ("<script ", "src"), ("<img ", "src")] {
        let mut rest = html;
        while let Some(i) = rest.find(open) {
            let tag_end = rest[i..].find('>').unwrap() + i;
            let tag = &rest[i..tag_end];
            rest = &rest[tag_end..];
            // `<link rel="preconnect">` and the like would be hints, not fetches;
            // tend has none, but only count what a browser loads.
            if open == "<link " {
                let rel = attr(tag, "rel").unwrap_or_default();
                if !["stylesheet", "icon", "apple-touch-icon", "manifest"].contains(&rel.as_str()) {
                    continue;
                }
            }
            if let Some(url) = attr(tag, name)
                && url.starts_with('/')
                && !url.starts_with("//")
                && !found.contains(&url)
            {
                found.push(url);
            }
        }
    }
    found
}

/// A file under `/static/` is named `stem.HASH.ext`, HASH ten hex digits.
fn has_hashed_name(path: &str) -> bool {
    let file = path.rsplit('/').next().unwrap_or_default();
    let parts: Vec<&str> = file.split('.').collect();
    parts.len() >= 3
        && parts.iter().rev().nth(1).is_some_and(|h| {
            h.len() == 10
                && h.chars()
                    .all(|c| c.is_ascii_hexdigit() && !c.is_uppercase())
        })
}

fn max_age(cache_control: &str) -> Option<u64> {
    cache_control
        .split(',')
        .map(str::trim)
        .find_map(|d| d.strip_prefix("max-age="))
        .and_then(|v| v.parse().ok())
}

struct Row {
    page: String,
    html: usize,
    total: usize,
    files: usize,
}

/// Measures one page as a first visit, and notes every linked static file
/// that is not under a hashed, long-lived name.
async fn measure(
    app: &TestApp,
    c: &reqwest::Client,
    page: &str,
    caching_problems: &mut Vec<String>,
    file_sizes: &mut Vec<(String, usize)>,
) -> Row {
    let (status, html_body, html_total, headers) = fetch(c, app.url(page)).await;
    assert_eq!(status, StatusCode::OK, "{page} did not answer 200");
    // The page itself went compressed: otherwise the number means little.
    assert!(
        headers.get("content-encoding").is_some(),
        "{page} was sent uncompressed"
    );
    let html = c
        .get(app.url(page))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    let files = subresources(&html);
    assert!(
        files.iter().any(|f| f.ends_with(".css")),
        "{page} links no stylesheet: {files:?}"
    );
    let mut total = html_total;
    for file in &files {
        let (status, _, bytes, headers) = fetch(c, app.url(file)).await;
        assert_eq!(status, StatusCode::OK, "{file} (linked from {page})");
        total += bytes;
        if !file_sizes.iter().any(|(f, _)| f == file) {
            file_sizes.push((file.clone(), bytes));
        }
        if file.starts_with("/static/") {
            let cache = headers
                .get("cache-control")
                .and_then(|v| v.to_str().ok())
                .unwrap_or_default();
            let long = max_age(cache).is_some_and(|a| a >= LONG_MAX_AGE);
            if !has_hashed_name(file) || !cache.contains("immutable") || !long {
                let problem = format!("{file} (cache-control: {cache:?})");
                if !caching_problems.contains(&problem) {
                    caching_problems.push(problem);
                }
            }
        }
    }
    Row {
        page: page.to_owned(),
        html: html_body,
        total,
        files: files.len(),
    }
}

#[tokio::test]
async fn every_main_page_is_at_most_30_kib_on_a_first_visit() {
    let app = TestApp::spawn(Backend::Sqlite).await.unwrap();

    // Someone new, before signing in.
    let visitor = app.browser();
    let mut rows = Vec::new();
    let mut caching_problems = Vec::new();
    let mut file_sizes = Vec::new();
    for page in PUBLIC_PAGES {
        rows.push(measure(&app, &visitor, page, &mut caching_problems, &mut file_sizes).await);
    }

    // Someone signed in, with a little of their own content on the pages.
    let b = app.browser();
    sign_up_in_browser(&app, &b, "weigher", "kettle maple orbit").await;
    let today = b
        .get(app.url("/today"))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    let csrf = csrf_of(&today);
    let res = b
        .post(app.url("/checkin"))
        .form(&[
            ("csrf", csrf.as_str()),
            ("mood", "3"),
            ("energy", "4"),
            ("sleep_hours", "6.5"),
            ("movement_minutes", "20"),
            ("meals", "eaten"),
            ("joy", "A long walk home past the river."),
            (
                "note",
                "Tired after the ward round, but steadier by evening.",
            ),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), StatusCode::SEE_OTHER);
    let res = b
        .post(app.url("/journal/new"))
        .form(&[
            ("csrf", csrf.as_str()),
            ("title", "After the exam"),
            (
                "body",
                "I expected to feel relief and mostly felt empty. That is allowed. \
                 Tomorrow I will eat breakfast and call my sister.",
            ),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), StatusCode::SEE_OTHER);
    let entry = res.headers()["location"].to_str().unwrap().to_owned();

    for page in SIGNED_IN_PAGES.iter().copied().chain([entry.as_str()]) {
        rows.push(measure(&app, &b, page, &mut caching_problems, &mut file_sizes).await);
    }

    eprintln!(
        "\n{:<22} {:>11} {:>6} {:>18} {:>8}",
        "page", "HTML bytes", "files", "first-visit bytes", "budget"
    );
    for r in &rows {
        eprintln!(
            "{:<22} {:>11} {:>6} {:>18} {:>7}%",
            r.page,
            r.html,
            r.files,
            r.total,
            r.total * 100 / BUDGET
        );
    }

    eprintln!("\n{:<40} {:>18}", "linked file", "bytes (first fetch)");
    for (file, bytes) in &file_sizes {
        eprintln!("{file:<40} {bytes:>18}");
    }

    let over: Vec<String> = rows
        .iter()
        .filter(|r| r.total > BUDGET)
        .map(|r| format!("{} is {} bytes over", r.page, r.total - BUDGET))
        .collect();
    assert!(over.is_empty(), "over the {BUDGET}-byte budget: {over:?}");
    assert!(
        caching_problems.is_empty(),
        "linked static files without a hashed name, `immutable` and a year's max-age: {caching_problems:?}"
    );
}

#[test]
fn the_link_reader_finds_what_a_browser_would_fetch() {
    let html = r#"<head><link rel="stylesheet" href="/static/tend.0123456789.css"><link rel="icon" href="/static/icon.svg" type="image/svg+xml"><link rel="preconnect" href="/x"><link rel="manifest" href="/manifest.webmanifest"><script src="/static/app.js" defer></script><script src="/static/app.js"></script></head><a href="/help">help</a>"#;
    assert_eq!(
        subresources(html),
        [
            "/static/tend.0123456789.css",
            "/static/icon.svg",
            "/manifest.webmanifest",
            "/static/app.js"
        ]
    );
    assert!(has_hashed_name("/static/tend.0123456789.css"));
    assert!(!has_hashed_name("/static/tend.css"));
    assert!(!has_hashed_name("/static/icon-192.png"));
    assert_eq!(
        max_age("public, max-age=31536000, immutable"),
        Some(31_536_000)
    );
}
