//! The questionnaires in the JSON API: the same service as the pages.

use axum::Json;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use jiff::civil::Date;
use serde::Deserialize;
use serde_json::json;
use tend_instruments::{Instrument, ScoreResult};

use crate::domain::Invalid;
use crate::domain::questionnaire::{Response as Answers, from_time};
use crate::service::questionnaires::{Questionnaires, score_of};
use crate::service::{Stored, Unlocked};
use crate::web::AppState;
use crate::web::clock;
use crate::web::error::ApiError;
use crate::web::extract::{ApiJson, ApiPerson};
use utoipa::ToSchema;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

pub fn routes() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(api_list))
        .routes(routes!(api_instrument))
        .routes(routes!(api_respond, api_responses))
}

async fn api_today(state: &AppState, who: &Unlocked) -> Result<Date, ApiError> {
    Ok(state
        .services
        .records(who)
        .today(crate::web::clock())
        .await?)
}

fn service<'a>(state: &'a AppState, who: &'a Unlocked) -> Questionnaires<'a> {
    state.services.questionnaires(who, &state.catalog)
}

fn api_instrument_of<'a>(state: &'a AppState, id: &str) -> Result<&'a Instrument, ApiError> {
    state.catalog.get(id).ok_or_else(|| {
        ApiError::Status(
            StatusCode::NOT_FOUND,
            "not_found",
            format!("No questionnaire called \"{id}\"."),
        )
    })
}

/// Every questionnaire with whether it is chosen and due, and when it was last completed.
#[utoipa::path(get, path = "/questionnaires", tag = "questionnaires",
    responses((status = 200, description = "The questionnaires", body = Object)))]
async fn api_list(
    State(state): State<AppState>,
    ApiPerson(who): ApiPerson,
) -> Result<Response, ApiError> {
    let today = api_today(&state, &who).await?;
    let due = service(&state, &who).due(today).await?;
    let instruments: Vec<_> = state
        .catalog
        .instruments()
        .iter()
        .map(|i| {
            let s = due.statuses.iter().find(|s| s.instrument == i.id);
            json!({
                "id": i.id,
                "name": i.name,
                "short_name": i.short_name,
                "items": i.items.len(),
                "chosen": s.is_some(),
                "due": s.is_some_and(|s| s.due),
                "next_due": s.and_then(|s| s.next_due).and_then(from_time).map(|d| d.to_string()),
                "last_completed": due.last_completed(&i.id).map(|d| d.to_string()),
            })
        })
        .collect();
    Ok(Json(json!({
        "paused": due.paused,
        "due": due.scheduled().map(|s| s.instrument.clone()).collect::<Vec<_>>(),
        "instruments": instruments,
    }))
    .into_response())
}

/// One questionnaire's form: instructions, items with their code range, response sets, follow-up, citation.
#[utoipa::path(get, path = "/questionnaires/{id}", tag = "questionnaires",
    params(("id" = String, Path, description = "The questionnaire's id", example = "pss10")),
    responses((status = 200, description = "The questionnaire", body = Object)))]
async fn api_instrument(
    State(state): State<AppState>,
    ApiPerson(_who): ApiPerson,
    Path(id): Path<String>,
) -> Result<Response, ApiError> {
    let inst = api_instrument_of(&state, &id)?;
    let items: Vec<_> = (1..=inst.items.len())
        .map(|n| {
            let (min, max) = inst.item_range(n).unwrap_or((0, 0));
            json!({ "n": n, "text": inst.items[n - 1].text, "min": min, "max": max })
        })
        .collect();
    Ok(Json(json!({
        "id": inst.id,
        "name": inst.name,
        "short_name": inst.short_name,
        "measures": inst.measures,
        "not_a": inst.not_a,
        "instructions": inst.instructions,
        "response_sets": inst.response_sets,
        "items": items,
        "followup": inst.followup,
        "citation": inst.citation,
        "attribution": inst.licence.attribution,
    }))
    .into_response())
}

/// The answers, in item order (`null` for one not answered), and the follow-up answer.
#[derive(Debug, Deserialize, ToSchema)]
#[schema(example = json!({"answers": [1, 2, 1, 3, 2, 1, 2, 1, 3, 2]}))]
pub struct ResponseBody {
    #[schema(max_items = 200)]
    answers: Vec<Option<i64>>,
    #[serde(default)]
    followup: Option<i64>,
}

fn response_json(state: &AppState, inst: &Instrument, r: &Stored<Answers>) -> serde_json::Value {
    let res = score_of(inst, &r.value);
    let support = res.as_ref().is_some_and(ScoreResult::needs_support);
    json!({
        "id": r.id,
        "instrument": inst.id,
        "day": r.day.map(|d| d.to_string()),
        "answers": r.value.answers,
        "followup": r.value.followup,
        "result": res,
        "needs_crisis_help": res.as_ref().is_some_and(ScoreResult::needs_crisis_help),
        "needs_support": support,
        "helplines": if support { Some(&state.helplines.lines) } else { None },
    })
}

/// Answer a questionnaire; the result is scored and saved, with help lines when support is needed.
#[utoipa::path(post, path = "/questionnaires/{id}/responses", tag = "questionnaires",
    params(("id" = String, Path, description = "The questionnaire's id", example = "pss10")),
    request_body = ResponseBody,
    responses((status = 201, description = "Saved and scored", body = Object)))]
async fn api_respond(
    State(state): State<AppState>,
    ApiPerson(who): ApiPerson,
    Path(id): Path<String>,
    ApiJson(body): ApiJson<ResponseBody>,
) -> Result<Response, ApiError> {
    let inst = api_instrument_of(&state, &id)?;
    let to_code = |v: i64, what: String| {
        u8::try_from(v).map_err(|_| {
            ApiError::Invalid(vec![Invalid::new(
                "answers",
                format!("{what} is {v}, which is not a response code of {id}"),
            )])
        })
    };
    let mut answers = Vec::with_capacity(body.answers.len());
    for (i, a) in body.answers.iter().enumerate() {
        answers.push(match a {
            Some(v) => Some(to_code(*v, format!("answer {}", i + 1))?),
            None => None,
        });
    }
    let followup = match body.followup {
        Some(v) => Some(to_code(v, "followup".into())?),
        None => None,
    };
    let today = api_today(&state, &who).await?;
    let saved = service(&state, &who)
        .submit(inst, answers, followup, today, clock())
        .await?;
    Ok((
        StatusCode::CREATED,
        Json(response_json(&state, inst, &saved)),
    )
        .into_response())
}

/// The last year's responses to one questionnaire, newest first, each re-scored.
#[utoipa::path(get, path = "/questionnaires/{id}/responses", tag = "questionnaires",
    params(("id" = String, Path, description = "The questionnaire's id", example = "pss10")),
    responses((status = 200, description = "Responses", body = Object)))]
async fn api_responses(
    State(state): State<AppState>,
    ApiPerson(who): ApiPerson,
    Path(id): Path<String>,
) -> Result<Response, ApiError> {
    let inst = api_instrument_of(&state, &id)?;
    let today = api_today(&state, &who).await?;
    let responses = service(&state, &who).history(today).await?;
    let list: Vec<_> = responses
        .iter()
        .filter(|r| r.value.instrument == inst.id)
        .map(|r| response_json(&state, inst, r))
        .collect();
    Ok(Json(json!({ "responses": list })).into_response())
}
