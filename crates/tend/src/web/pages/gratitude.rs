//! Step 10: three good things, and a past note for a hard day.
//!
//! One sealed record per day; today's can be edited all day (safely across
//! tabs, by version), past days are shown read-only.

use axum::Router;
use axum::extract::{Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::get;
use jiff::civil::Date;
use maud::{Markup, html};
use rand::Rng;
use serde::Deserialize;

use super::today_for;
use crate::domain::Invalid;
use crate::domain::gratitude::{FIELDS, Gratitude, GratitudeInput, THING_MAX, prompts_for};
use crate::service::RecordFilter;
use crate::service::{ServiceError, Stored, Unlocked};
use crate::web::error::PageError;
use crate::web::extract::{Person, SignedForm};
use crate::web::layout::{self, csrf, error_summary, field_error, has_error};
use crate::web::{AppState, now};

/// Past days shown under the form; all of them are in the export.
const PAST_LIMIT: i64 = 30;

pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/gratitude", get(page).post(save))
        .route("/gratitude/remind", get(remind))
}

#[derive(Debug, Default, Deserialize)]
pub struct GratitudeQuery {
    saved: Option<String>,
}

/// What to show above the form, besides errors.
enum Banner<'a> {
    None,
    Saved,
    Conflict(&'a Gratitude),
}

struct View<'a> {
    who: &'a Unlocked,
    today: Date,
    input: &'a GratitudeInput,
    editing: bool,
    errors: &'a [Invalid],
    banner: Banner<'a>,
    past: &'a [Stored<Gratitude>],
}

fn render(state: &AppState, v: &View<'_>) -> Markup {
    let prompts = prompts_for(v.today, &state.content.prompts.gratitude);
    layout::page(
        "Three good things",
        Some(v.who),
        html! {
            @match &v.banner {
                Banner::Saved => (layout::notice("Saved. Thank you for noticing something good.")),
                Banner::Conflict(other) => {
                    div class="errors" role="alert" {
                        p { "Today's good things were changed in another tab or device after you opened this page. "
                            "Your words are below, unchanged. Saving now will replace the other version." }
                    }
                    details { summary { "See the other version" }
                        ul { @for t in &other.things { li { (t) } } } }
                }
                Banner::None => {}
            }
            h1 { "Three good things" }
            p { "Write down up to three things that went well today, however small. "
                "One is plenty. Noticing them is the practice." }
            (error_summary(v.errors))
            form method="post" action="/gratitude" class="stack card" id="good-things" novalidate {
                (csrf(v.who))
                input type="hidden" name="version" value=(v.input.version);
                h2 { "Today, " (crate::web::format::weekday(v.today)) }
                @for (i, field) in FIELDS.iter().enumerate() {
                    div {
                        label for=(field) { "Good thing " (i + 1) span class="hint" { (prompts[i]) } }
                        textarea id=(field) name=(field) rows="2" maxlength=(THING_MAX)
                            aria-describedby=[has_error(v.errors, field).then(|| format!("{field}-error"))] {
                            (v.input.fields()[i])
                        }
                        (field_error(v.errors, field))
                    }
                }
                p class="hint" { "Private and encrypted. Leave out anything that could identify a patient." }
                div class="actions" {
                    button type="submit" { @if v.editing { "Update today's good things" } @else { "Save good things" } }
                }
            }
            section class="card" aria-labelledby="remind-me-h" {
                h2 id="remind-me-h" { "For a hard day" }
                p { "See one good thing you wrote before, picked at random." }
                form method="get" action="/gratitude/remind" {
                    button type="submit" class="secondary" { "Remind me" }
                }
            }
            section aria-labelledby="past-h" {
                h2 id="past-h" { "Earlier days" }
                @if v.past.is_empty() {
                    p class="muted" { "Your earlier good things will be listed here." }
                } @else {
                    ul class="entries" {
                        @for g in v.past {
                            @if let Some(d) = g.day {
                                li {
                                    h3 class="day" { (crate::web::format::weekday_year(d)) }
                                    ul { @for t in &g.value.things { li { (t) } } }
                                }
                            }
                        }
                    }
                    @if v.past.len() as i64 >= PAST_LIMIT {
                        p class="muted" { "Showing your " (PAST_LIMIT) " most recent days. All of them are in your export." }
                    }
                }
            }
            p { a href="/learn/gratitude" { "Why three good things?" } }
        },
    )
}

struct Loaded {
    today: Date,
    todays: Option<Stored<Gratitude>>,
    past: Vec<Stored<Gratitude>>,
}

async fn load(state: &AppState, who: &Unlocked) -> Result<Loaded, PageError> {
    let today = today_for(state, who).await?;
    let mut recent = state
        .services
        .records(who)
        .list::<Gratitude>(&RecordFilter {
            day_to: Some(today),
            limit: Some(PAST_LIMIT + 1),
            ..RecordFilter::default()
        })
        .await?;
    let todays = recent
        .iter()
        .position(|g| g.day == Some(today))
        .map(|i| recent.remove(i));
    recent.truncate(usize::try_from(PAST_LIMIT).unwrap_or(30));
    Ok(Loaded {
        today,
        todays,
        past: recent,
    })
}

fn input_for(todays: Option<&Stored<Gratitude>>) -> GratitudeInput {
    todays
        .map(|g| GratitudeInput::from_gratitude(&g.value, g.version))
        .unwrap_or_default()
}

pub async fn page(
    State(state): State<AppState>,
    Person(who): Person,
    Query(q): Query<GratitudeQuery>,
) -> Result<Markup, PageError> {
    let l = load(&state, &who).await?;
    let input = input_for(l.todays.as_ref());
    Ok(render(
        &state,
        &View {
            who: &who,
            today: l.today,
            input: &input,
            editing: l.todays.is_some(),
            errors: &[],
            banner: if q.saved.is_some() {
                Banner::Saved
            } else {
                Banner::None
            },
            past: &l.past,
        },
    ))
}

/// At most this many records are opened to find a reminder when the quick way misses.
const REMIND_SCAN: i64 = 64;

/// One good thing from a random day. There is at most one record a day, so the
/// r-th newest record is usually on the r-th day back: one record is opened,
/// not the whole history. When days are sparse the newest on or before that
/// day is used, and only failing that are the newest few scanned.
async fn pick_reminder(
    state: &AppState,
    who: &Unlocked,
    today: Date,
) -> Result<Option<(Date, String)>, PageError> {
    let records = state.services.records(who);
    let count = records.count::<Gratitude>().await?;
    if count == 0 {
        return Ok(None);
    }
    let r = rand::thread_rng().gen_range(0..count);
    let back = today.saturating_sub(jiff::Span::new().days(r));
    let mut rows = records
        .list::<Gratitude>(&RecordFilter {
            day_to: Some(back),
            limit: Some(1),
            ..RecordFilter::default()
        })
        .await?;
    if rows.is_empty() {
        rows = records
            .list::<Gratitude>(&RecordFilter {
                limit: Some((r + 1).min(REMIND_SCAN)),
                ..RecordFilter::default()
            })
            .await?;
    }
    Ok(rows.last().and_then(|g| {
        let day = g.day?;
        let things = &g.value.things;
        let thing = things.get(rand::thread_rng().gen_range(0..things.len().max(1)))?;
        Some((day, thing.clone()))
    }))
}

/// A page of its own, so a hard day gets one calm thing, not the whole list.
pub async fn remind(
    State(state): State<AppState>,
    Person(who): Person,
) -> Result<Markup, PageError> {
    let today = today_for(&state, &who).await?;
    let picked = pick_reminder(&state, &who, today).await?;
    Ok(layout::page(
        "A good thing",
        Some(&who),
        html! {
            @match &picked {
                Some((day, thing)) => {
                    section class="card reminder" aria-labelledby="remind-h" id="reminder" {
                        h1 id="remind-h" { "A good thing from " (crate::web::format::weekday_year(*day)) }
                        blockquote { (layout::paragraphs(thing)) }
                        p class="muted" { "It happened, and it was yours. Hard days pass too." }
                    }
                }
                None => {
                    section class="card reminder" aria-labelledby="remind-h" id="reminder" {
                        h1 id="remind-h" { "Nothing here yet" }
                        p { "When you write down a good thing, it will wait here for a harder day. "
                            "For now: is there one small thing, even from this morning, that went all right?" }
                    }
                }
            }
            div class="actions" {
                @if picked.is_some() {
                    form method="get" action="/gratitude/remind" {
                        button type="submit" class="secondary" { "Another one" }
                    }
                }
                a class="button" href="/gratitude" { "Three good things" }
                a href="/hard-moment" { "More for a hard moment" }
            }
        },
    ))
}

pub async fn save(
    State(state): State<AppState>,
    SignedForm { who, form }: SignedForm<GratitudeInput>,
) -> Result<Response, PageError> {
    let value = form.validate();
    let l = load(&state, &who).await?;
    let value = match value {
        Ok(v) => v,
        Err(errors) => {
            let page = render(
                &state,
                &View {
                    who: &who,
                    today: l.today,
                    input: &form,
                    editing: l.todays.is_some(),
                    errors: &errors,
                    banner: Banner::None,
                    past: &l.past,
                },
            );
            return Ok((StatusCode::UNPROCESSABLE_ENTITY, page).into_response());
        }
    };
    let records = state.services.records(&who);
    let result = match &l.todays {
        None => records
            .put_slot(&l.today.to_string(), Some(l.today), value, now())
            .await
            .map(|_| ()),
        Some(current) => {
            let version: i64 = form.version.trim().parse().unwrap_or(0);
            records
                .update(&current.id, version, value, now())
                .await
                .map(|_| ())
        }
    };
    match result {
        Ok(()) => Ok(Redirect::to("/gratitude?saved=1").into_response()),
        Err(ServiceError::Stale) => {
            // Saved elsewhere meanwhile: keep this person's words, show the other
            // version, and let the next save (with the new version) win.
            let l = load(&state, &who).await?;
            let Some(current) = &l.todays else {
                return Err(PageError::NotFound);
            };
            let mut input = form.clone();
            input.version = current.version.to_string();
            let page = render(
                &state,
                &View {
                    who: &who,
                    today: l.today,
                    input: &input,
                    editing: true,
                    errors: &[],
                    banner: Banner::Conflict(&current.value),
                    past: &l.past,
                },
            );
            Ok((StatusCode::CONFLICT, page).into_response())
        }
        Err(e) => Err(e.into()),
    }
}
