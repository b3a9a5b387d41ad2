//! tend as an installable app (issue 13): the web app manifest and icons, the
//! service worker that keeps help, the hard-moment page, the practices and the
//! person's safety plan available offline, and the quick lock for shared
//! computers. The worker and `app.js` are extras: every page works without them.
//! The script and icons themselves are served with the other static files
//! (`web::assets`).

use axum::Router;
use axum::extract::State;
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::{get, post};
use maud::{Markup, html};
use serde::Deserialize;
use sha2::{Digest, Sha256};

use crate::web::error::PageError;
use crate::web::extract::{NoFields, Person, SESSION_COOKIE, SignedForm, cookie, set_cookie};
use crate::web::layout::{self, csrf};
use crate::web::{AppState, assets};

/// Minutes of no activity after which `app.js` locks, on this device only.
pub const IDLE_LOCK_COOKIE: &str = "tend_idle_lock";
const IDLE_CHOICES: [u32; 5] = [0, 5, 15, 30, 60];

const SW_TEMPLATE: &str = include_str!("../../../static/sw.js");
const APP_JS: &str = include_str!("../../../static/app.js");
const CSS: &str = include_str!("../../../static/tend.css");

/// Sent with sign-out and lock: the browser drops its HTTP cache of this site.
/// (Not "storage": that would also remove the worker and the offline help.
/// The worker clears its own copies when it sees the sign-out or lock.)
pub const CLEAR_SITE_DATA: &str = "\"cache\"";

pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/manifest.webmanifest", get(manifest))
        .route("/sw.js", get(service_worker))
        .route("/offline", get(offline))
        .route("/unsent", get(unsent))
        .route("/lock", post(lock))
        .route("/locked", get(locked))
        .route("/account/lock", get(lock_settings).post(save_lock_settings))
}

async fn manifest() -> Response {
    let body = serde_json::json!({
        "name": "tend",
        "short_name": "tend",
        "description": "A private self-compassion companion for medical students.",
        "start_url": "/today",
        "scope": "/",
        "display": "standalone",
        "background_color": "#fbfaf7",
        "theme_color": "#1d5f8a",
        "icons": [
            { "src": "/static/icon-192.png", "sizes": "192x192", "type": "image/png" },
            { "src": "/static/icon-512.png", "sizes": "512x512", "type": "image/png" },
            { "src": "/static/icon-maskable-512.png", "sizes": "512x512", "type": "image/png", "purpose": "maskable" },
            { "src": "/static/icon.svg", "sizes": "any", "type": "image/svg+xml" }
        ],
        "shortcuts": [
            { "name": "Hard moment", "url": "/hard-moment" },
            { "name": "My safety plan", "url": "/safety-plan" },
            { "name": "Help lines", "url": "/help" }
        ]
    });
    assets::fixed(
        "application/manifest+json",
        "public, max-age=86400",
        body.to_string(),
    )
}

/// What the worker keeps from the start: public pages and the files they use.
pub fn precache(state: &AppState) -> Vec<String> {
    let mut urls: Vec<String> = [
        "/offline",
        "/help",
        "/hard-moment",
        "/practices",
        // The plain name for the worker's own "not sent yet" page.
        "/static/tend.css",
        "/static/app.js",
        "/static/icon-192.png",
    ]
    .iter()
    .map(|s| (*s).to_owned())
    .collect();
    // Pages link the stylesheet, scripts and icons under their content-hashed names.
    for file in [
        "tend.css",
        "practice.js",
        "app.js",
        "icon.svg",
        "icon-192.png",
    ] {
        urls.push(crate::web::assets::url(file));
    }
    urls.extend(
        state
            .content
            .practices
            .iter()
            .map(|p| format!("/practices/{}", p.slug)),
    );
    urls
}

/// The worker with its list filled in. Its version changes whenever the list,
/// the worker, the stylesheet or the script change, so browsers fetch the new
/// files instead of keeping old ones.
fn worker_source(state: &AppState) -> String {
    let list = precache(state);
    let json = serde_json::to_string(&list).unwrap_or_else(|_| "[]".to_owned());
    let mut h = Sha256::new();
    for part in [SW_TEMPLATE, APP_JS, CSS, env!("CARGO_PKG_VERSION"), &json] {
        h.update(part.as_bytes());
        h.update([0]);
    }
    let version = crate::domain::hex(&h.finalize()[..8]);
    SW_TEMPLATE
        .replace("'__VERSION__'", &format!("'{version}'"))
        .replace("__PRECACHE__", &json)
}

async fn service_worker(State(state): State<AppState>) -> Response {
    (
        [
            (header::CONTENT_TYPE, "text/javascript; charset=utf-8"),
            // Browsers check for a new worker on each visit; never a stale one.
            (header::CACHE_CONTROL, "no-cache"),
        ],
        worker_source(&state),
    )
        .into_response()
}

/// Shown by the worker for a page it has not kept, when there is no connection.
/// Rendered signed out, so it holds nothing personal.
async fn offline() -> Markup {
    layout::bare(
        "No connection",
        html! {
            h1 { "No connection right now" }
            p class="lead" { "This page needs the internet. These open without it, on this device:" }
            ul class="stack-list" {
                li { a href="/hard-moment" { "A hard moment" } ": people to call, a short break, grounding" }
                li { a href="/help" { "Help lines" } }
                li { a href="/safety-plan" { "My safety plan" } ", if you opened it here while signed in" }
                li { a href="/practices" { "Practices" } }
            }
            p { "Phone calls and texts to help lines work without the internet." }
            p class="muted" { "A check-in or journal entry you send with no connection is kept on this device and sent when you are connected again ("
                a href="/unsent" { "see what is waiting" } "). Anything else you were writing is still in the form you left: go back, and send it again once you are connected." }
        },
    )
}

/// Entries written offline are kept by the worker, which answers this address
/// itself with what it holds. The server only sees it when no worker is
/// running here, and then nothing can have been kept.
async fn unsent() -> Markup {
    layout::bare(
        "Written offline",
        html! {
            h1 { "Nothing is waiting on this device" }
            p class="lead" { "When you write a check-in or a journal entry with no connection, this browser keeps it and sends it once you are connected again. "
                "Nothing is kept here now." }
            p { "Keeping entries offline needs JavaScript and a browser with service workers. Without them, forms are sent as usual while you are connected." }
            p { a href="/today" { "Today" } }
        },
    )
}

fn end_session(state: &AppState, to: &str) -> Response {
    let mut res = Redirect::to(to).into_response();
    let h = res.headers_mut();
    h.append(
        header::SET_COOKIE,
        set_cookie(SESSION_COOKIE, "", 0, state.secure_cookies),
    );
    h.insert("clear-site-data", HeaderValue::from_static(CLEAR_SITE_DATA));
    res
}

/// "Lock now": ends this session at once (the worker forgets its copies of the
/// person's pages as the request passes), for shared hospital computers.
async fn lock(
    State(state): State<AppState>,
    SignedForm { who, .. }: SignedForm<NoFields>,
) -> Result<Response, PageError> {
    state.services.accounts().sign_out(&who).await?;
    Ok(end_session(&state, "/locked"))
}

async fn locked() -> Markup {
    layout::bare(
        "Locked",
        html! {
            h1 { "tend is locked" }
            p class="lead" { "You are signed out on this computer. The copies of your pages this browser kept for offline use are gone, "
                "and so is anything written offline that had not been sent yet." }
            p class="actions" {
                a class="button" href="/signin" { "Sign in again" }
                a class="button secondary" href="/hard-moment" { "Hard moment" }
            }
        },
    )
}

#[derive(Debug, Default, Deserialize)]
pub struct IdleForm {
    #[serde(default)]
    minutes: String,
}

fn current_idle(headers: &HeaderMap) -> u32 {
    cookie(headers, IDLE_LOCK_COOKIE)
        .and_then(|v| v.parse().ok())
        .filter(|m| IDLE_CHOICES.contains(m))
        .unwrap_or(0)
}

fn settings_page(
    who: &crate::service::Unlocked,
    current: u32,
    saved: bool,
    invalid: bool,
) -> Markup {
    layout::page(
        "Locking on shared computers",
        Some(who),
        html! {
            h1 { "Locking on shared computers" }
            @if saved { (layout::notice("Saved for this browser.")) }
            @if invalid { div class="errors" role="alert" { p { "Please choose one of the times in the list." } } }
            p { "On a ward or library computer, use " strong { "Lock" } " at the top of any page when you step away. "
                "It signs you out and clears what this browser kept of your pages." }
            form method="post" action="/account/lock" class="stack" {
                (csrf(who))
                div {
                    label for="minutes" { "Lock by itself after" }
                    select id="minutes" name="minutes" {
                        @for m in IDLE_CHOICES {
                            option value=(m) selected[m == current] {
                                @if m == 0 { "Never" } @else { (m) " minutes without use" }
                            }
                        }
                    }
                    p class="hint" { "For this browser only, so you can choose a short time on a shared computer and none on your own phone. "
                        "It needs JavaScript; without it, sign out when you leave." }
                }
                div class="actions" { button type="submit" { "Save" } a href="/account" { "Back to account" } }
            }
        },
    )
}

async fn lock_settings(Person(who): Person, headers: HeaderMap) -> Markup {
    settings_page(&who, current_idle(&headers), false, false)
}

async fn save_lock_settings(
    State(state): State<AppState>,
    SignedForm { who, form }: SignedForm<IdleForm>,
) -> Response {
    let Some(minutes) = form
        .minutes
        .trim()
        .parse::<u32>()
        .ok()
        .filter(|m| IDLE_CHOICES.contains(m))
    else {
        let page = settings_page(&who, 0, false, true);
        return (StatusCode::UNPROCESSABLE_ENTITY, page).into_response();
    };
    // Not HttpOnly: `app.js` reads it. It holds only a number of minutes.
    let secure = if state.secure_cookies { "; Secure" } else { "" };
    let value = format!(
        "{IDLE_LOCK_COOKIE}={minutes}; Path=/; SameSite=Lax; Max-Age={}{secure}",
        if minutes == 0 { 0 } else { 365 * 24 * 3600 }
    );
    let mut res = settings_page(&who, minutes, true, false).into_response();
    if let Ok(v) = HeaderValue::from_str(&value) {
        res.headers_mut().append(header::SET_COOKIE, v);
    }
    res
}
