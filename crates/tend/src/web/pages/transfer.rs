//! Moving your records and API tokens, on the account page (issue 14):
//! importing an export from another tend server with a file upload that
//! works without JavaScript, and naming, listing and revoking API tokens.

use axum::Router;
use axum::extract::{DefaultBodyLimit, FromRequest, Multipart, Path, Request, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::post;
use maud::{Markup, html};
use serde::Deserialize;

use crate::domain::Invalid;
use crate::service::transfer::ImportReport;
use crate::service::{ServiceError, Unlocked};
use crate::web::error::PageError;
use crate::web::extract::{NoFields, Person, SignedForm, cross_site, tokens_match};
use crate::web::format;
use crate::web::layout::{self, csrf, error_summary, field_error};
use crate::web::{AppState, now};

/// The largest export one import takes (the page and the API alike). Larger
/// than the usual request limit on purpose: a year of daily use exports to
/// well over the 256 KiB a form may send (docs/transfer.md has the numbers).
pub const IMPORT_MAX_BYTES: usize = 16 * 1024 * 1024;

/// At most this many imports are read and checked at once in one process,
/// so a burst of large files cannot take all the memory.
static IMPORTS: tokio::sync::Semaphore = tokio::sync::Semaphore::const_new(2);

/// Waits for a turn to import; the permit ends the turn when dropped.
pub(crate) async fn import_turn() -> Option<tokio::sync::SemaphorePermit<'static>> {
    IMPORTS.acquire().await.ok()
}

pub fn routes() -> Router<AppState> {
    Router::new()
        .route(
            "/account/import",
            post(import).layer(DefaultBodyLimit::max(IMPORT_MAX_BYTES)),
        )
        .route("/account/tokens", post(create_token))
        .route("/account/tokens/{id}/revoke", post(revoke_token))
}

/// The account page's sections for moving records and for API tokens.
pub async fn account_sections(
    state: &AppState,
    who: &Unlocked,
    errors: &[Invalid],
) -> Result<Markup, PageError> {
    let tokens = state.services.tokens(who).list().await?;
    let tz = crate::web::pages::zone_of(state, who).await?;
    Ok(html! {
        (import_section(who, errors))
        section class="card" aria-labelledby="tokens-h" id="tokens" {
            h2 id="tokens-h" { "API tokens" }
            p { "A token lets another app or device (a phone app, a script) reach your records through tend's API without your passphrase. "
                "Give each one a name you will recognise, and revoke it when you stop using it." }
            @if tokens.is_empty() {
                p class="muted" { "You have no API tokens." }
            } @else {
                ul class="tokens" aria-label="Your API tokens" {
                    @for t in &tokens {
                        li {
                            strong { (t.name) }
                            br;
                            span class="muted" {
                                "Created " (format::when(t.created_at, &tz)) " · last used: "
                                @match t.last_used_at { Some(u) => (format::when(u, &tz)), None => "not yet" }
                            }
                            form method="post" action={ "/account/tokens/" (t.id) "/revoke" } {
                                (csrf(who))
                                button type="submit" class="secondary" aria-label={ "Revoke " (t.name) } { "Revoke" }
                            }
                        }
                    }
                }
            }
            form method="post" action="/account/tokens" class="stack" novalidate {
                (csrf(who))
                div {
                    label for="token-name" { "Name for a new token" span class="hint" { "For example: my phone. Up to 60 characters." } }
                    input id="token-name" name="name" type="text" maxlength="60" autocomplete="off" required;
                    (field_error(errors, "name"))
                }
                div class="actions" { button type="submit" { "Create token" } }
            }
        }
    })
}

fn import_section(who: &Unlocked, errors: &[Invalid]) -> Markup {
    html! {
        section class="card" aria-labelledby="import-h" id="import" {
            h2 id="import-h" { "Bring your records from another tend server" }
            p { "Moving schools or servers? Download \"Everything (JSON)\" there, then choose that file here. "
                "Your records are added to this account; anything you already have here stays as it is, and importing the same file twice adds nothing twice." }
            form method="post" action="/account/import" enctype="multipart/form-data" class="stack" {
                (csrf(who))
                div {
                    label for="export-file" { "Your export file" span class="hint" { "tend-export.json, up to " (IMPORT_MAX_BYTES / (1024 * 1024)) " MB." } }
                    input id="export-file" name="export" type="file" accept="application/json,.json" required aria-describedby=[errors.iter().any(|e| e.field == "export").then_some("export-error")];
                    (field_error(errors, "export"))
                }
                div class="actions" { button type="submit" { "Import my records" } }
            }
        }
    }
}

/// The import form alone, with a problem, answered with the right status.
fn import_problem(who: &Unlocked, status: StatusCode, message: String) -> Response {
    let errors = [Invalid::new("export", message)];
    (
        status,
        layout::page(
            "Import your records",
            Some(who),
            html! {
                h1 { "Import your records" }
                (error_summary(&errors))
                p { strong { "Nothing was imported." } " Your records here are as they were." }
                (import_section(who, &errors))
                p { a href="/account" { "Back to your account" } }
            },
        ),
    )
        .into_response()
}

fn report_page(who: &Unlocked, r: &ImportReport) -> Markup {
    layout::page(
        "Records imported",
        Some(who),
        html! {
            h1 { "Your records are here" }
            (layout::notice(&if r.imported == 0 && r.already_here > 0 {
                "Everything in this file was already here, so nothing new was added.".to_owned()
            } else {
                format!("Imported {} {}.", r.imported, if r.imported == 1 { "record" } else { "records" })
            }))
            p { "From the export of " strong { (r.from_handle) } " (" (r.format) ")." }
            @if !r.kinds.is_empty() {
                table {
                    caption { "What was imported" }
                    thead { tr { th scope="col" { "Kind" } th scope="col" { "Added" } th scope="col" { "Already here" } } }
                    tbody {
                        @for k in &r.kinds {
                            tr { td { (k.label) } td { (k.imported) } td { (k.already_here) } }
                        }
                    }
                }
            }
            @if r.already_here > 0 {
                p class="muted" { "\"Already here\" means this account had the same record, or its own for the same day or setting; those were left as they are." }
            }
            @for l in &r.left_behind {
                p { "Not moved: " (l.count) " " (l.label) "." }
            }
            p class="actions" { a class="button" href="/today" { "Go to Today" } a href="/account" { "Back to your account" } }
        },
    )
}

/// Reads the upload (CSRF token and file) and imports it. Any problem with
/// the file answers with the form and one plain sentence; nothing is written.
pub async fn import(
    State(state): State<AppState>,
    Person(who): Person,
    req: Request,
) -> Result<Response, PageError> {
    let (parts, body) = req.into_parts();
    if cross_site(&parts) {
        return Err(PageError::Forbidden);
    }
    let _turn = import_turn().await;
    let req = Request::from_parts(parts, body);
    let mut multipart = Multipart::from_request(req, &state).await.map_err(|_| {
        PageError::BadRequest(
            "The upload could not be read. Choose the file again and send it.".into(),
        )
    })?;
    let too_big = || {
        import_problem(
            &who,
            StatusCode::PAYLOAD_TOO_LARGE,
            format!(
                "This file is larger than the {} MB one import takes. Ask whoever runs this server to import it with the API in parts, or see docs/transfer.md.",
                IMPORT_MAX_BYTES / (1024 * 1024)
            ),
        )
    };
    let mut token = String::new();
    let mut file: Option<axum::body::Bytes> = None;
    loop {
        let field = match multipart.next_field().await {
            Ok(Some(f)) => f,
            Ok(None) => break,
            Err(e) if e.status() == StatusCode::PAYLOAD_TOO_LARGE => return Ok(too_big()),
            Err(_) => {
                return Err(PageError::BadRequest(
                    "The upload could not be read. Choose the file again and send it.".into(),
                ));
            }
        };
        let name = field.name().unwrap_or_default().to_owned();
        let bytes = match field.bytes().await {
            Ok(b) => b,
            Err(e) if e.status() == StatusCode::PAYLOAD_TOO_LARGE => return Ok(too_big()),
            Err(_) => {
                return Err(PageError::BadRequest(
                    "The upload could not be read. Choose the file again and send it.".into(),
                ));
            }
        };
        match name.as_str() {
            "csrf" => token = String::from_utf8_lossy(&bytes).into_owned(),
            "export" => file = Some(bytes),
            _ => {}
        }
    }
    if !tokens_match(&token, &who.csrf) {
        return Err(PageError::Forbidden);
    }
    let Some(file) = file.filter(|f| !f.is_empty()) else {
        return Ok(import_problem(
            &who,
            StatusCode::UNPROCESSABLE_ENTITY,
            "Choose your export file first (tend-export.json).".into(),
        ));
    };
    match state.services.transfer(&who).import(&file).await {
        Ok(report) => {
            tracing::info!(
                imported = report.imported,
                already_here = report.already_here,
                "records imported"
            );
            Ok(report_page(&who, &report).into_response())
        }
        Err(ServiceError::Invalid(problems)) => Ok(import_problem(
            &who,
            StatusCode::UNPROCESSABLE_ENTITY,
            problems
                .into_iter()
                .map(|p| p.message)
                .collect::<Vec<_>>()
                .join(" "),
        )),
        Err(e) => Err(e.into()),
    }
}

#[derive(Debug, Default, Deserialize)]
pub struct TokenForm {
    #[serde(default)]
    name: String,
}

/// Creates a token and shows it once.
pub async fn create_token(
    State(state): State<AppState>,
    SignedForm { who, form }: SignedForm<TokenForm>,
) -> Result<Response, PageError> {
    match state.services.tokens(&who).create(&form.name, now()).await {
        Ok(new) => Ok(layout::page(
            "New API token",
            Some(&who),
            html! {
                h1 { "Your new token" }
                p { "Copy it into the app or device called " strong { (new.info.name) } " now. "
                    "tend keeps only a fingerprint of it, so this is the only time it is shown." }
                div {
                    label for="new-token" { "Token" }
                    input id="new-token" type="text" readonly value=(new.token) autocomplete="off" spellcheck="false";
                }
                p { "The app sends it as " code { "Authorization: Bearer <token>" } ". It works until you revoke it, sign out everywhere else, or change your passphrase." }
                p class="actions" { a class="button" href="/account#tokens" { "Done" } }
            },
        )
        .into_response()),
        Err(ServiceError::Invalid(errors)) => {
            let sections = account_sections(&state, &who, &errors).await?;
            Ok((
                StatusCode::UNPROCESSABLE_ENTITY,
                layout::page(
                    "API tokens",
                    Some(&who),
                    html! { h1 { "API tokens" } (error_summary(&errors)) (sections) p { a href="/account" { "Back to your account" } } },
                ),
            )
                .into_response())
        }
        Err(e) => Err(e.into()),
    }
}

pub async fn revoke_token(
    State(state): State<AppState>,
    Path(id): Path<String>,
    SignedForm { who, .. }: SignedForm<NoFields>,
) -> Result<Response, PageError> {
    state.services.tokens(&who).revoke(&id).await?;
    Ok(Redirect::to("/account?done=token-revoked#tokens").into_response())
}
