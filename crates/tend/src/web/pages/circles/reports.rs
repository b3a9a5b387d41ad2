//! Reporting a thread or reply to the circle's moderators.

use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use maud::{Markup, html};
use serde::Deserialize;

use super::slow_down;
use crate::domain::Invalid;
use crate::service::Unlocked;
use crate::service::circles::{Access, ReportOutcome};
use crate::web::error::PageError;
use crate::web::extract::{Person, SignedForm};
use crate::web::layout::{self, csrf, error_summary, field_error, has_error};
use crate::web::{AppState, now};

#[derive(Debug, Default, Deserialize)]
pub struct ReportQuery {
    #[serde(default)]
    kind: String,
    #[serde(default)]
    id: String,
}

#[derive(Debug, Default, Deserialize)]
pub struct ReportForm {
    #[serde(default)]
    kind: String,
    #[serde(default)]
    id: String,
    #[serde(default)]
    reason: String,
}

fn report_page(
    who: &Unlocked,
    a: &Access,
    kind: &str,
    id: &str,
    excerpt: &str,
    reason: &str,
    errors: &[Invalid],
) -> Markup {
    let short: String = excerpt.chars().take(200).collect();
    html! {
        h1 { "Report this " (if kind == "thread" { "thread" } else { "reply" }) }
        p { "Moderators of " (a.circle.name) " will see your report. The author won't see who sent it." }
        blockquote { (short) @if excerpt.chars().count() > 200 { "…" } }
        (error_summary(errors))
        form method="post" action={ "/circles/" (a.circle.id) "/report" } class="stack" novalidate {
            (csrf(who))
            input type="hidden" name="kind" value=(kind);
            input type="hidden" name="id" value=(id);
            div {
                label for="reason" { "What's the problem?" }
                textarea id="reason" name="reason" rows="4" aria-invalid=[has_error(errors, "reason").then_some("true")] { (reason) }
                (field_error(errors, "reason"))
            }
            div class="actions" { button type="submit" { "Send report" } a href={ "/circles/" (a.circle.id) } { "Cancel" } }
        }
    }
}

pub async fn form(
    State(state): State<AppState>,
    Person(who): Person,
    Path(cid): Path<String>,
    Query(q): Query<ReportQuery>,
) -> Result<Markup, PageError> {
    let (a, excerpt) = state
        .services
        .circles()
        .report_target(&who, &cid, &q.kind, &q.id, now())
        .await?;
    Ok(layout::page(
        "Report",
        Some(&who),
        report_page(&who, &a, &q.kind, &q.id, &excerpt, "", &[]),
    ))
}

pub async fn send(
    State(state): State<AppState>,
    Path(cid): Path<String>,
    SignedForm { who, form }: SignedForm<ReportForm>,
) -> Result<Response, PageError> {
    let outcome = state
        .services
        .circles()
        .report(&who, &cid, &form.kind, &form.id, &form.reason, now())
        .await?;
    Ok(match outcome {
        ReportOutcome::Sent(a) => layout::page(
            "Report sent",
            Some(&who),
            html! {
                h1 { "Thank you" }
                (layout::notice("Your report was sent to the circle's moderators."))
                p { a href={ "/circles/" (cid) } { "Back to " (a.circle.name) } }
            },
        )
        .into_response(),
        ReportOutcome::Invalid {
            access,
            excerpt,
            errors,
        } => {
            let page = layout::page(
                "Report",
                Some(&who),
                report_page(
                    &who,
                    &access,
                    &form.kind,
                    &form.id,
                    &excerpt,
                    &form.reason,
                    &errors,
                ),
            );
            (StatusCode::UNPROCESSABLE_ENTITY, page).into_response()
        }
        ReportOutcome::SlowDown { secs, kept } => slow_down(&who, "sent a report", secs, &kept),
    })
}
