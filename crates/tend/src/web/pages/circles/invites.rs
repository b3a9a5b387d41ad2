//! Invite codes: a facilitator makes, lists and withdraws them.

use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use maud::{Markup, html};

use super::{JoinForm, circle_nav, viewer_tz, when};
use crate::domain::Invalid;
use crate::domain::circles::{self, InviteInput};
use crate::service::circles::{Access, InviteRow};
use crate::service::{ServiceError, Unlocked};
use crate::web::error::PageError;
use crate::web::extract::{Person, SignedForm};
use crate::web::layout::{self, csrf, error_summary, field_error, has_error};
use crate::web::{AppState, now};

fn invite_page(
    who: &Unlocked,
    a: &Access,
    list: &[InviteRow],
    input: &InviteInput,
    errors: &[Invalid],
    tz: &jiff::tz::TimeZone,
) -> Markup {
    let id = &a.circle.id;
    let at = now();
    html! {
        h1 { "Invites for " (a.circle.name) }
        (circle_nav(a))
        p { "Share a code, or its link, with someone you'd like to join. Codes can expire, be limited in uses, and be withdrawn." }
        (error_summary(errors))
        form method="post" action={ "/circles/" (id) "/invites" } class="stack" novalidate {
            (csrf(who))
            div {
                label for="days" { "Expires after (days)" span class="hint" { "Leave empty for no expiry." } }
                input id="days" name="days" type="text" inputmode="numeric" value=(input.days)
                    aria-invalid=[has_error(errors, "days").then_some("true")];
                (field_error(errors, "days"))
            }
            div {
                label for="uses" { "How many people can use it" span class="hint" { "Leave empty for no limit." } }
                input id="uses" name="uses" type="text" inputmode="numeric" value=(input.uses)
                    aria-invalid=[has_error(errors, "uses").then_some("true")];
                (field_error(errors, "uses"))
            }
            div class="actions" { button type="submit" { "Make an invite" } }
        }
        @if !list.is_empty() {
            h2 { "Invites" }
            ul class="entries" {
                @for i in list {
                    li {
                        strong class="invite-code" { (i.code) }
                        br;
                        // A real link, so "copy link address" gives the full
                        // address to paste into a message.
                        span class="muted" {
                            "Link to share: "
                            a class="feed-url" href={ "/circles/join/" (i.code) } { "/circles/join/" (i.code) }
                        }
                        // Shown by app.js only: copying needs a script, and
                        // without one the link above is there to copy.
                        " " button type="button" class="link" hidden data-copy={ "/circles/join/" (i.code) }
                            aria-label={ "Copy link for invite " (i.code) } { "Copy link" }
                        " " span class="copy-status" role="status" {}
                        br;
                        span {
                            @if i.revoked_at.is_some() { "Withdrawn" }
                            @else if i.expires_at.is_some_and(|e| e <= at) { "Expired" }
                            @else if i.max_uses.is_some_and(|m| i.uses >= m) { "Used up" }
                            @else { "Active" }
                            " · used " (i.uses) @if let Some(m) = i.max_uses { " of " (m) } " times"
                            @if let Some(e) = i.expires_at { " · expires " (when(e, tz)) }
                        }
                        @if i.revoked_at.is_none() {
                            form method="post" action={ "/circles/" (id) "/invites/revoke" } class="inline" {
                                (csrf(who))
                                input type="hidden" name="code" value=(i.code);
                                " " button type="submit" class="link" aria-label={ "Withdraw invite " (i.code) } { "Withdraw" }
                            }
                        }
                    }
                }
            }
        }
    }
}

#[derive(Debug, Default, serde::Deserialize)]
pub struct InvitesQuery {
    created: Option<String>,
}

pub async fn invites(
    State(state): State<AppState>,
    Person(who): Person,
    Path(id): Path<String>,
    Query(q): Query<InvitesQuery>,
) -> Result<Markup, PageError> {
    let (a, list) = state.services.circles().invites(&who, &id, now()).await?;
    let tz = viewer_tz(&state, &who).await?;
    Ok(layout::page(
        "Invites",
        Some(&who),
        html! {
            // Straight after "Start a circle": say it worked, and what comes next.
            @if q.created.is_some() {
                (layout::notice(&format!("Your circle “{}” is ready, and you are its facilitator. Make an invite below to bring people in.", a.circle.name)))
            }
            (invite_page(&who, &a, &list, &InviteInput::default(), &[], &tz))
        },
    ))
}

pub async fn create(
    State(state): State<AppState>,
    Path(id): Path<String>,
    SignedForm { who, form }: SignedForm<InviteInput>,
) -> Result<Response, PageError> {
    let circles = state.services.circles();
    match circles.create_invite(&who, &id, &form, now()).await {
        Ok(_) => {}
        Err(ServiceError::Invalid(errors)) => {
            let (a, list) = circles.invites(&who, &id, now()).await?;
            let tz = viewer_tz(&state, &who).await?;
            let page = layout::page(
                "Invites",
                Some(&who),
                invite_page(&who, &a, &list, &form, &errors, &tz),
            );
            return Ok((StatusCode::UNPROCESSABLE_ENTITY, page).into_response());
        }
        Err(ServiceError::TooManyAttempts(secs)) => {
            return Ok(super::slow_down(&who, "made an invite", secs, ""));
        }
        Err(e) => return Err(e.into()),
    }
    Ok(Redirect::to(&format!("/circles/{id}/invites")).into_response())
}

pub async fn revoke(
    State(state): State<AppState>,
    Path(id): Path<String>,
    SignedForm { who, form }: SignedForm<JoinForm>,
) -> Result<Response, PageError> {
    let code = circles::normalise_code(&form.code);
    state
        .services
        .circles()
        .revoke_invite(&who, &id, &code, now())
        .await?;
    Ok(Redirect::to(&format!("/circles/{id}/invites")).into_response())
}
