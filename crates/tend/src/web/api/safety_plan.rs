//! The safety plan: one per person, seven steps of short lines, with the
//! page's limits (12 lines a step, 300 characters a line) and the page's
//! safe saving across devices (`version`).

use axum::Json;
use axum::extract::State;
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use super::{ErrorBody, check};
use crate::domain::Invalid;
use crate::domain::safety_plan::{LINE_MAX, LINES_MAX, SafetyPlan, SafetyPlanInput, Step};
use crate::service::{ServiceError, Stored};
use crate::web::error::ApiError;
use crate::web::extract::{ApiJson, ApiPerson};
use crate::web::{AppState, now};

/// Where the plan is kept (the same slot as the page's).
const SLOT: &str = "safety-plan";

pub fn routes() -> OpenApiRouter<AppState> {
    OpenApiRouter::new().routes(routes!(get_plan, save_plan))
}

fn step_lines() -> utoipa::openapi::schema::Array {
    super::strings(LINES_MAX, LINE_MAX, Some(r"^[^\r\n]*$"))
}

/// The seven steps, each a list of short lines (any step may be empty).
#[derive(Serialize, Deserialize, ToSchema, Default)]
#[schema(example = json!({"warning_signs": ["Not sleeping before exams"], "on_my_own": ["A walk by the river"], "distractions": [], "people": ["Ana"], "professionals": ["Student counselling"], "environment": [], "reasons": ["My sister"]}))]
pub struct Steps {
    #[serde(default)]
    #[schema(schema_with = step_lines)]
    warning_signs: Vec<String>,
    #[serde(default)]
    #[schema(schema_with = step_lines)]
    on_my_own: Vec<String>,
    #[serde(default)]
    #[schema(schema_with = step_lines)]
    distractions: Vec<String>,
    #[serde(default)]
    #[schema(schema_with = step_lines)]
    people: Vec<String>,
    #[serde(default)]
    #[schema(schema_with = step_lines)]
    professionals: Vec<String>,
    #[serde(default)]
    #[schema(schema_with = step_lines)]
    environment: Vec<String>,
    #[serde(default)]
    #[schema(schema_with = step_lines)]
    reasons: Vec<String>,
}

impl Steps {
    fn of(p: SafetyPlan) -> Self {
        Self {
            warning_signs: p.warning_signs,
            on_my_own: p.on_my_own,
            distractions: p.distractions,
            people: p.people,
            professionals: p.professionals,
            environment: p.environment,
            reasons: p.reasons,
        }
    }

    fn step(&self, step: Step) -> &[String] {
        match step {
            Step::WarningSigns => &self.warning_signs,
            Step::OnMyOwn => &self.on_my_own,
            Step::Distractions => &self.distractions,
            Step::People => &self.people,
            Step::Professionals => &self.professionals,
            Step::Environment => &self.environment,
            Step::Reasons => &self.reasons,
        }
    }
}

#[derive(Serialize, ToSchema)]
pub struct PlanOut {
    /// 0 before the first save. Send back unchanged to update safely.
    version: i64,
    #[serde(flatten)]
    steps: Steps,
}

fn plan_out(p: Option<Stored<SafetyPlan>>) -> PlanOut {
    match p {
        Some(s) => PlanOut {
            version: s.version,
            steps: Steps::of(s.value),
        },
        None => PlanOut {
            version: 0,
            steps: Steps::default(),
        },
    }
}

/// The safety plan (empty steps and version 0 before it is first written).
#[utoipa::path(get, path = "/safety-plan", tag = "safety plan",
    responses((status = 200, description = "The plan", body = PlanOut)))]
async fn get_plan(
    State(state): State<AppState>,
    ApiPerson(who): ApiPerson,
) -> Result<Json<PlanOut>, ApiError> {
    Ok(Json(plan_out(
        state
            .services
            .records(&who)
            .slot::<SafetyPlan>(SLOT)
            .await?,
    )))
}

#[derive(Deserialize, ToSchema)]
#[schema(example = json!({"warning_signs": ["Not sleeping before exams"], "reasons": ["My sister"], "version": 0}))]
pub struct PlanBody {
    #[serde(flatten)]
    steps: Steps,
    /// The `version` last read (0 for the first save); a different one answers 409 `stale`.
    version: i64,
}

/// Write the whole plan. Lines are trimmed and empty ones left out.
#[utoipa::path(put, path = "/safety-plan", tag = "safety plan", request_body = PlanBody,
    responses(
        (status = 200, description = "Saved", body = PlanOut),
        (status = 409, description = "Changed since that version was read (`stale`).", body = ErrorBody),
    ))]
async fn save_plan(
    State(state): State<AppState>,
    ApiPerson(who): ApiPerson,
    ApiJson(b): ApiJson<PlanBody>,
) -> Result<Json<PlanOut>, ApiError> {
    // The document's limits hold for the lines as sent; the page's rules
    // (which count lines after dropping empty ones) then apply as well.
    let mut problems = Vec::new();
    for step in Step::ALL {
        let lines = b.steps.step(step);
        if lines.len() > LINES_MAX {
            problems.push(Invalid::new(
                step.field(),
                format!("A step can hold {LINES_MAX} lines."),
            ));
        }
        if lines
            .iter()
            .any(|l| l.chars().count() > LINE_MAX || l.contains(['\n', '\r']))
        {
            problems.push(Invalid::new(
                step.field(),
                format!("Each line is one line of at most {LINE_MAX} characters."),
            ));
        }
    }
    check(problems)?;
    let text = |step: Step| b.steps.step(step).join("\n");
    let plan = SafetyPlanInput {
        warning_signs: text(Step::WarningSigns),
        on_my_own: text(Step::OnMyOwn),
        distractions: text(Step::Distractions),
        people: text(Step::People),
        professionals: text(Step::Professionals),
        environment: text(Step::Environment),
        reasons: text(Step::Reasons),
    }
    .validate()?;
    let records = state.services.records(&who);
    let current = records.slot::<SafetyPlan>(SLOT).await?;
    let saved = match &current {
        None if b.version == 0 => records.put_slot(SLOT, None, plan, now()).await?,
        Some(c) if c.version == b.version => records.update(&c.id, b.version, plan, now()).await?,
        _ => return Err(ServiceError::Stale.into()),
    };
    Ok(Json(plan_out(Some(saved))))
}
