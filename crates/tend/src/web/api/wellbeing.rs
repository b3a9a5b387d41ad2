//! Features beyond the journal, each through the records service as its
//! page uses it, with the page's rules: three good things (gratitude) and
//! the people a student can turn to (support people).

use axum::Json;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use super::{
    ApiQuery, ErrorBody, check, delete_record, limit_of, raw_len, read_record, replace_record,
    today_of,
};
use crate::domain::Invalid;
use crate::domain::gratitude::{FIELDS, Gratitude, GratitudeInput, THING_MAX};
use crate::domain::support::{NAME_MAX, NOTE_MAX, REACH_MAX, SupportPerson, SupportPersonInput};
use crate::service::{RecordFilter, Stored};
use crate::web::error::ApiError;
use crate::web::extract::{ApiJson, ApiPerson};
use crate::web::{AppState, now};

pub fn routes() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(list_gratitude))
        .routes(routes!(get_gratitude_today, save_gratitude_today))
        .routes(routes!(list_people, add_person))
        .routes(routes!(get_person, update_person, delete_person))
}

/// The most people a support list holds (as on the page).
const MAX_PEOPLE: i64 = 100;

#[derive(Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct DaysList {
    /// How many days, newest first: 1 to 400 (default 30). Outside that: 400.
    #[param(minimum = 1, maximum = 400, example = 30)]
    limit: Option<i64>,
}

#[derive(Serialize, ToSchema)]
pub struct GratitudeOut {
    #[schema(example = "2026-03-14")]
    day: Option<String>,
    /// Send back unchanged to update safely.
    version: i64,
    /// One to three good things.
    #[schema(example = json!(["Tea with Sam after the ward round"]))]
    things: Vec<String>,
}

fn gratitude_out(g: Stored<Gratitude>) -> GratitudeOut {
    GratitudeOut {
        day: g.day.map(|d| d.to_string()),
        version: g.version,
        things: g.value.things,
    }
}

#[derive(Serialize, ToSchema)]
pub struct GratitudeDays {
    days: Vec<GratitudeOut>,
}

/// Good things from recent days, newest first.
#[utoipa::path(get, path = "/gratitude", tag = "gratitude", params(DaysList),
    responses((status = 200, description = "Days", body = GratitudeDays)))]
async fn list_gratitude(
    State(state): State<AppState>,
    ApiPerson(who): ApiPerson,
    ApiQuery(q): ApiQuery<DaysList>,
) -> Result<Json<GratitudeDays>, ApiError> {
    let limit = limit_of(q.limit, 30, 400)?;
    let list = state
        .services
        .records(&who)
        .list::<Gratitude>(&RecordFilter {
            limit: Some(limit),
            ..RecordFilter::default()
        })
        .await?;
    Ok(Json(GratitudeDays {
        days: list.into_iter().map(gratitude_out).collect(),
    }))
}

async fn todays_gratitude(
    state: &AppState,
    who: &crate::service::Unlocked,
) -> Result<(jiff::civil::Date, Option<Stored<Gratitude>>), ApiError> {
    let today = today_of(state, who).await?;
    let found = state
        .services
        .records(who)
        .list::<Gratitude>(&RecordFilter {
            day_from: Some(today),
            day_to: Some(today),
            limit: Some(1),
        })
        .await?
        .into_iter()
        .next();
    Ok((today, found))
}

/// Today's good things, if written.
#[utoipa::path(get, path = "/gratitude/today", tag = "gratitude",
    responses(
        (status = 200, description = "Today's good things", body = GratitudeOut),
        (status = 404, description = "None written today yet (`not_found`).", body = ErrorBody),
    ))]
async fn get_gratitude_today(
    State(state): State<AppState>,
    ApiPerson(who): ApiPerson,
) -> Result<Json<GratitudeOut>, ApiError> {
    let (_, found) = todays_gratitude(&state, &who).await?;
    found
        .map(|g| Json(gratitude_out(g)))
        .ok_or_else(ApiError::not_found)
}

fn good_things() -> utoipa::openapi::schema::Array {
    let mut a = super::strings(3, THING_MAX, Some(r"\S"));
    a.min_items = Some(1);
    a
}

/// One to three good things for today.
#[derive(Deserialize, ToSchema)]
#[schema(example = json!({"things": ["Tea with Sam after the ward round", "The patient who laughed"]}))]
pub struct GratitudeBody {
    /// One to three, each with a character that is not a space.
    #[schema(schema_with = good_things)]
    things: Vec<String>,
    /// Needed when today's already exist: the `version` last read (409 `stale` if it changed).
    version: Option<i64>,
}

/// Write or replace today's good things.
#[utoipa::path(put, path = "/gratitude/today", tag = "gratitude", request_body = GratitudeBody,
    responses(
        (status = 200, description = "Saved", body = GratitudeOut),
        (status = 409, description = "Changed since that version was read (`stale`).", body = ErrorBody),
    ))]
async fn save_gratitude_today(
    State(state): State<AppState>,
    ApiPerson(who): ApiPerson,
    ApiJson(b): ApiJson<GratitudeBody>,
) -> Result<Json<GratitudeOut>, ApiError> {
    let mut problems = Vec::new();
    if b.things.is_empty() || b.things.len() > 3 {
        problems.push(Invalid::new("things", "Write one to three good things."));
    }
    for (field, thing) in FIELDS.iter().zip(&b.things) {
        raw_len(&mut problems, field, "A good thing", thing, THING_MAX);
        if thing.trim().is_empty() {
            problems.push(Invalid::new(field, "A good thing can't be only spaces."));
        }
    }
    check(problems)?;
    let at = |i: usize| b.things.get(i).cloned().unwrap_or_default();
    let value = GratitudeInput {
        good1: at(0),
        good2: at(1),
        good3: at(2),
        version: String::new(),
    }
    .validate()?;
    let (today, current) = todays_gratitude(&state, &who).await?;
    let records = state.services.records(&who);
    let saved = match current {
        None => {
            records
                .put_slot(&today.to_string(), Some(today), value, now())
                .await?
        }
        Some(current) => {
            let version = b.version.unwrap_or(current.version);
            records.update(&current.id, version, value, now()).await?
        }
    };
    Ok(Json(gratitude_out(saved)))
}

#[derive(Serialize, ToSchema)]
pub struct PersonOut {
    id: String,
    /// Send back unchanged to update safely.
    version: i64,
    #[schema(example = "Ana")]
    name: String,
    #[schema(example = "Text first; evenings")]
    reach: String,
    note: String,
}

fn person_out(p: Stored<SupportPerson>) -> PersonOut {
    PersonOut {
        id: p.id,
        version: p.version,
        name: p.value.name,
        reach: p.value.reach,
        note: p.value.note,
    }
}

#[derive(Serialize, ToSchema)]
pub struct People {
    people: Vec<PersonOut>,
}

/// The support list, by name.
#[utoipa::path(get, path = "/support-people", tag = "support people",
    responses((status = 200, description = "People", body = People)))]
async fn list_people(
    State(state): State<AppState>,
    ApiPerson(who): ApiPerson,
) -> Result<Json<People>, ApiError> {
    let mut list = state
        .services
        .records(&who)
        .list::<SupportPerson>(&RecordFilter {
            limit: Some(MAX_PEOPLE),
            ..RecordFilter::default()
        })
        .await?;
    list.sort_by_key(|p| p.value.name.to_lowercase());
    Ok(Json(People {
        people: list.into_iter().map(person_out).collect(),
    }))
}

#[derive(Deserialize, ToSchema)]
#[schema(example = json!({"name": "Ana", "reach": "Text first; evenings", "note": "Good at listening"}))]
pub struct PersonBody {
    #[schema(min_length = 1, max_length = 100, pattern = r"[^\s\u0085]")]
    name: String,
    #[serde(default)]
    #[schema(max_length = 200)]
    reach: String,
    #[serde(default)]
    #[schema(max_length = 500)]
    note: String,
}

fn person_input(b: PersonBody) -> Result<SupportPerson, ApiError> {
    let mut problems = Vec::new();
    raw_len(&mut problems, "name", "The name", &b.name, NAME_MAX);
    raw_len(
        &mut problems,
        "reach",
        "How to reach them",
        &b.reach,
        REACH_MAX,
    );
    raw_len(&mut problems, "note", "The note", &b.note, NOTE_MAX);
    check(problems)?;
    Ok(SupportPersonInput {
        name: b.name,
        reach: b.reach,
        note: b.note,
    }
    .validate()?)
}

/// Add someone to the support list (at most 100 people: then 422).
#[utoipa::path(post, path = "/support-people", tag = "support people", request_body = PersonBody,
    responses((status = 201, description = "Added", body = PersonOut)))]
async fn add_person(
    State(state): State<AppState>,
    ApiPerson(who): ApiPerson,
    ApiJson(b): ApiJson<PersonBody>,
) -> Result<(StatusCode, Json<PersonOut>), ApiError> {
    let person = person_input(b)?;
    let records = state.services.records(&who);
    if records.count::<SupportPerson>().await? >= MAX_PEOPLE {
        return Err(ApiError::Invalid(vec![Invalid::new(
            "name",
            format!("Your list already has {MAX_PEOPLE} people, the most it holds."),
        )]));
    }
    let saved = records.create(None, person, now()).await?;
    Ok((StatusCode::CREATED, Json(person_out(saved))))
}

/// One person on the support list.
#[utoipa::path(get, path = "/support-people/{id}", tag = "support people",
    params(("id" = String, Path, description = "The person's id")),
    responses((status = 200, description = "The person", body = PersonOut)))]
async fn get_person(
    State(state): State<AppState>,
    ApiPerson(who): ApiPerson,
    Path(id): Path<String>,
) -> Result<Json<PersonOut>, ApiError> {
    read_record(&state, &who, &id, person_out).await
}

#[derive(Deserialize, ToSchema)]
#[schema(example = json!({"name": "Ana", "reach": "Call after 6", "note": "", "version": 1}))]
pub struct PersonUpdate {
    #[serde(flatten)]
    person: PersonBody,
    /// The `version` last read; a different one answers 409 `stale`.
    version: i64,
}

/// Change someone on the support list.
#[utoipa::path(put, path = "/support-people/{id}", tag = "support people",
    params(("id" = String, Path, description = "The person's id")),
    request_body = PersonUpdate,
    responses(
        (status = 200, description = "Saved", body = PersonOut),
        (status = 409, description = "Changed since that version was read (`stale`).", body = ErrorBody),
    ))]
async fn update_person(
    State(state): State<AppState>,
    ApiPerson(who): ApiPerson,
    Path(id): Path<String>,
    ApiJson(b): ApiJson<PersonUpdate>,
) -> Result<Json<PersonOut>, ApiError> {
    let person = person_input(b.person)?;
    replace_record(&state, &who, &id, b.version, person, person_out).await
}

/// Take someone off the support list.
#[utoipa::path(delete, path = "/support-people/{id}", tag = "support people",
    params(("id" = String, Path, description = "The person's id")),
    responses((status = 204, description = "Removed")))]
async fn delete_person(
    State(state): State<AppState>,
    ApiPerson(who): ApiPerson,
    Path(id): Path<String>,
) -> Result<StatusCode, ApiError> {
    delete_record::<SupportPerson>(&state, &who, &id).await
}
