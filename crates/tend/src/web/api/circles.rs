//! Peer-support circles: the circles someone is in, threads and replies
//! (with the risk hold and the patient-identifier check), the live reply
//! stream, meetings, invites, reports and moderation.
//!
//! Every rule lives in `service::circles` (its policy decides who may do
//! what; posting runs the risk hold and the identifier check); these
//! handlers only turn requests into its calls and its outcomes into
//! answers. Two answers differ from the pages on purpose:
//! - someone who is not in a circle gets 404 for everything in it (as on the
//!   pages: nobody learns what they may not see), but a member asking for
//!   something their role does not allow (moderating, scheduling, inviting)
//!   gets 403 `forbidden`: they can already see the circle, so a 404 would
//!   only mislead. The 403 comes from asking the same policy
//!   ([`Access::may`]) before the service is called;
//! - words that might identify a patient answer 422
//!   `might_identify_patient` with each place in `fields`; sending the same
//!   post again with `identifiers_ok: true` posts it as it is.

use axum::Json;
use axum::extract::{Path, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use super::{ApiQuery, ErrorBody, FieldProblem, bad_query, check, limit_of, raw_len};
use crate::domain::Invalid;
use crate::domain::circles::{
    self, CircleInput, DESCRIPTION_MAX, GUIDELINES_MAX, InviteInput, LINK_MAX, MeetingInput,
    NAME_MAX, NOTE_MAX, POST_MAX, REASON_MAX, Schedule, Status, TITLE_MAX, ThreadInput,
};
use crate::service::Unlocked;
use crate::service::circles::{
    Access, Action, Identifier, JoinOutcome, MeetingRow, Moderated, ModerationRequest, Posted,
    ReplyOutcome, ReplyView, ReportOutcome, ThreadView,
};
use crate::web::error::ApiError;
use crate::web::extract::{ApiJson, ApiPerson};
use crate::web::sse;
use crate::web::{AppState, clock, now};

pub fn routes() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(my_circles, create_circle))
        .routes(routes!(join))
        .routes(routes!(get_circle))
        .routes(routes!(leave))
        .routes(routes!(list_threads, start_thread))
        .routes(routes!(get_thread, delete_thread))
        .routes(routes!(reply))
        .routes(routes!(delete_reply))
        .routes(routes!(events))
        .routes(routes!(list_meetings, schedule_meeting))
        .routes(routes!(cancel_meeting))
        .routes(routes!(list_invites, create_invite))
        .routes(routes!(revoke_invite))
        .routes(routes!(report))
        .routes(routes!(queue, moderate))
        .routes(routes!(moderation_log))
}

/// 403 for a member whose role (or a suspension) does not allow this.
fn forbidden(message: &str) -> ApiError {
    ApiError::Status(StatusCode::FORBIDDEN, "forbidden", message.to_owned())
}

/// The circle as this person stands in it: 404 unless they are in it (or a
/// server admin) and it is an ordinary circle; 403 when they are, but the
/// policy does not allow `action`.
async fn gate(
    state: &AppState,
    who: &Unlocked,
    id: &str,
    action: Action,
    refusal: &str,
) -> Result<Access, ApiError> {
    let a = state.services.circles().access(who, id, now()).await?;
    if a.may(action) {
        Ok(a)
    } else if a.may(Action::Read) {
        // A server admin reads every circle but posts only where a member.
        if matches!(action, Action::Post | Action::Reply) && a.me.is_none() {
            return Err(forbidden("Only members of this circle post in it."));
        }
        Err(forbidden(refusal))
    } else {
        Err(ApiError::not_found())
    }
}

// ----- circles -----

#[derive(Serialize, ToSchema)]
pub struct CircleSummary {
    id: String,
    #[schema(example = "Night shift")]
    name: String,
    description: String,
    /// `member`, `moderator` or `facilitator`.
    #[schema(example = "member")]
    role: String,
    /// The name this person posts under in this circle.
    #[schema(example = "Quiet Heron 41")]
    pseudonym: String,
}

#[derive(Serialize, ToSchema)]
pub struct MyCircles {
    circles: Vec<CircleSummary>,
    /// Whether this person may start a circle (server facilitators and admins).
    may_create: bool,
}

/// The circles I am in.
#[utoipa::path(get, path = "/circles", tag = "circles",
    responses((status = 200, description = "My circles", body = MyCircles)))]
async fn my_circles(
    State(state): State<AppState>,
    ApiPerson(who): ApiPerson,
) -> Result<Json<MyCircles>, ApiError> {
    let mine = state.services.circles().mine(&who).await?;
    Ok(Json(MyCircles {
        circles: mine
            .circles
            .into_iter()
            .map(|c| CircleSummary {
                id: c.id,
                name: c.name,
                description: c.description,
                role: c.role,
                pseudonym: c.pseudonym,
            })
            .collect(),
        may_create: mine.may_create,
    }))
}

#[derive(Deserialize, ToSchema)]
#[schema(example = json!({"name": "Night shift", "description": "For those on nights this block.", "guidelines": "Be kind. What is said here stays here."}))]
pub struct CircleBody {
    #[schema(min_length = 1, max_length = 80, pattern = r"[^\s\u0085]")]
    name: String,
    #[serde(default)]
    #[schema(max_length = 1000)]
    description: String,
    #[serde(default)]
    #[schema(max_length = 4000)]
    guidelines: String,
}

#[derive(Serialize, ToSchema)]
pub struct Created {
    id: String,
}

/// Start a circle, as its facilitator (server facilitators and admins only).
#[utoipa::path(post, path = "/circles", tag = "circles", request_body = CircleBody,
    responses(
        (status = 201, description = "Started", body = Created),
        (status = 403, description = "Only server facilitators and admins start circles (`forbidden`).", body = ErrorBody),
    ))]
async fn create_circle(
    State(state): State<AppState>,
    ApiPerson(who): ApiPerson,
    ApiJson(b): ApiJson<CircleBody>,
) -> Result<(StatusCode, Json<Created>), ApiError> {
    let mut problems = Vec::new();
    raw_len(&mut problems, "name", "The name", &b.name, NAME_MAX);
    raw_len(
        &mut problems,
        "description",
        "The description",
        &b.description,
        DESCRIPTION_MAX,
    );
    raw_len(
        &mut problems,
        "guidelines",
        "The guidelines",
        &b.guidelines,
        GUIDELINES_MAX,
    );
    check(problems)?;
    let circles = state.services.circles();
    if !circles.may_create(&who).await? {
        return Err(forbidden(
            "Only server facilitators and admins can start a circle.",
        ));
    }
    let input = CircleInput {
        name: b.name,
        description: b.description,
        guidelines: b.guidelines,
    };
    let id = circles.create(&who, &input, now()).await?;
    Ok((StatusCode::CREATED, Json(Created { id })))
}

#[derive(Deserialize, ToSchema)]
#[schema(example = json!({"code": "K7MQ-2XPA-9C"}))]
pub struct JoinBody {
    /// The invite code; case, spaces and dashes do not matter.
    #[schema(min_length = 1, max_length = 64, pattern = r"[^\s\u0085]")]
    code: String,
}

#[derive(Serialize, ToSchema)]
pub struct Joined {
    circle_id: String,
    /// False when this person was already in the circle.
    joined: bool,
}

/// Join a circle with an invite code.
#[utoipa::path(post, path = "/circles/join", tag = "circles", request_body = JoinBody,
    responses(
        (status = 200, description = "In the circle", body = Joined),
        (status = 422, description = "The code is unknown, withdrawn, expired or used up (`invalid` on `code`).", body = ErrorBody),
        (status = 429, description = "Too many codes tried in a minute (`rate_limited`, with `Retry-After`).", body = ErrorBody),
    ))]
async fn join(
    State(state): State<AppState>,
    ApiPerson(who): ApiPerson,
    ApiJson(b): ApiJson<JoinBody>,
) -> Result<Json<Joined>, ApiError> {
    let mut problems = Vec::new();
    raw_len(&mut problems, "code", "The code", &b.code, 64);
    check(problems)?;
    let code = circles::normalise_code(&b.code);
    let refuse = |msg: &str| Err(ApiError::Invalid(vec![Invalid::new("code", msg)]));
    if code.is_empty() {
        return refuse("Enter the invite code you were given.");
    }
    let (outcome, circle) = state.services.circles().join(&who, &code, now()).await?;
    match (outcome, circle) {
        (JoinOutcome::Joined, Some(circle_id)) => Ok(Json(Joined {
            circle_id,
            joined: true,
        })),
        (JoinOutcome::AlreadyMember, Some(circle_id)) => Ok(Json(Joined {
            circle_id,
            joined: false,
        })),
        (JoinOutcome::Revoked, _) => {
            refuse("That invite was withdrawn. Ask the facilitator for a new one.")
        }
        (JoinOutcome::Expired, _) => {
            refuse("That invite has expired. Ask the facilitator for a new one.")
        }
        (JoinOutcome::UsedUp, _) => refuse(
            "That invite has been used as many times as it allows. Ask the facilitator for a new one.",
        ),
        _ => refuse("We don't recognise that code. Check it with the person who shared it."),
    }
}

/// What this person may do here (asked of the circles policy).
#[derive(Serialize, ToSchema)]
pub struct Abilities {
    post: bool,
    reply: bool,
    report: bool,
    moderate: bool,
    invite: bool,
    schedule: bool,
    leave: bool,
}

#[derive(Serialize, ToSchema)]
pub struct CircleOut {
    id: String,
    name: String,
    description: String,
    guidelines: String,
    /// `member`, `moderator` or `facilitator`; absent for a server admin
    /// who is not a member.
    role: Option<String>,
    pseudonym: Option<String>,
    /// When a moderator's pause on this person's posting ends (seconds
    /// since 1970), while it lasts.
    suspended_until: Option<i64>,
    may: Abilities,
}

fn circle_out(a: &Access) -> CircleOut {
    CircleOut {
        id: a.circle.id.clone(),
        name: a.circle.name.clone(),
        description: a.circle.description.clone(),
        guidelines: a.circle.guidelines.clone(),
        role: a.me.as_ref().map(|m| m.role.clone()),
        pseudonym: a.me.as_ref().map(|m| m.pseudonym.clone()),
        suspended_until: a.suspended_until(),
        may: Abilities {
            post: a.may(Action::Post),
            reply: a.may(Action::Reply),
            report: a.may(Action::Report),
            moderate: a.may(Action::Moderate),
            invite: a.may(Action::Invite),
            schedule: a.may(Action::Schedule),
            leave: a.may(Action::Leave),
        },
    }
}

/// One circle: its guidelines and what I may do in it.
#[utoipa::path(get, path = "/circles/{id}", tag = "circles", params(("id" = String, Path, description = "The circle's id")),
    responses((status = 200, description = "The circle", body = CircleOut)))]
async fn get_circle(
    State(state): State<AppState>,
    ApiPerson(who): ApiPerson,
    Path(id): Path<String>,
) -> Result<Json<CircleOut>, ApiError> {
    let a = gate(&state, &who, &id, Action::Read, "").await?;
    Ok(Json(circle_out(&a)))
}

/// Leave a circle (my posts stay, under my pseudonym).
#[utoipa::path(delete, path = "/circles/{id}/membership", tag = "circles", params(("id" = String, Path, description = "The circle's id")),
    responses(
        (status = 204, description = "Left"),
        (status = 403, description = "A server admin who is not a member has nothing to leave (`forbidden`).", body = ErrorBody),
    ))]
async fn leave(
    State(state): State<AppState>,
    ApiPerson(who): ApiPerson,
    Path(id): Path<String>,
) -> Result<StatusCode, ApiError> {
    gate(
        &state,
        &who,
        &id,
        Action::Leave,
        "Only a member can leave a circle.",
    )
    .await?;
    state.services.circles().leave(&who, &id, now()).await?;
    Ok(StatusCode::NO_CONTENT)
}

// ----- threads and replies -----

#[derive(Serialize, ToSchema)]
pub struct ThreadOut {
    id: String,
    /// Empty when its words are not shown to this person (removed by a
    /// moderator, or deleted by its author).
    title: String,
    body: String,
    /// `visible`, `held` (waiting for a moderator), `hidden`, `removed` or
    /// `deleted`.
    #[schema(example = "visible")]
    status: String,
    /// Held for risk language (moderators see these first).
    urgent: bool,
    /// Takes no new replies.
    locked: bool,
    reply_count: i64,
    created_at: i64,
    last_activity: i64,
    /// The author's pseudonym; absent once they have left the circle.
    author: Option<String>,
    /// Written by this person.
    mine: bool,
}

fn thread_out(a: &Access, who: &Unlocked, t: ThreadView) -> ThreadOut {
    let shown = a.shows_thread(&t);
    ThreadOut {
        mine: t.author_account.as_deref() == Some(who.account_id.as_str()),
        title: if shown { t.title } else { String::new() },
        body: if shown { t.body } else { String::new() },
        urgent: t.urgent == 1,
        locked: t.locked == 1,
        id: t.id,
        status: t.status,
        reply_count: t.reply_count,
        created_at: t.created_at,
        last_activity: t.last_activity,
        author: t.author_name,
    }
}

#[derive(Serialize, ToSchema)]
pub struct ReplyOut {
    id: String,
    /// Its position in the thread: the `after` (and `Last-Event-ID`) cursor.
    seq: i64,
    /// Empty when its words are not shown to this person.
    body: String,
    #[schema(example = "visible")]
    status: String,
    created_at: i64,
    author: Option<String>,
    mine: bool,
}

fn reply_out(a: &Access, who: &Unlocked, r: ReplyView) -> ReplyOut {
    let shown = a.shows_body(Status::parse(&r.status), &r.author_id);
    ReplyOut {
        mine: r.author_account.as_deref() == Some(who.account_id.as_str()),
        body: if shown { r.body } else { String::new() },
        id: r.id,
        seq: r.seq,
        status: r.status,
        created_at: r.created_at,
        author: r.author_name,
    }
}

#[derive(Serialize, ToSchema)]
pub struct Threads {
    /// Latest activity first; held and hidden ones only for their author
    /// and the moderators.
    threads: Vec<ThreadOut>,
}

#[derive(Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct ThreadsQuery {
    /// How many, 1 to 200 (default 100).
    #[param(minimum = 1, maximum = 200)]
    limit: Option<i64>,
}

/// A circle's threads.
#[utoipa::path(get, path = "/circles/{id}/threads", tag = "circles",
    params(("id" = String, Path, description = "The circle's id"), ThreadsQuery),
    responses((status = 200, description = "Threads", body = Threads)))]
async fn list_threads(
    State(state): State<AppState>,
    ApiPerson(who): ApiPerson,
    Path(id): Path<String>,
    ApiQuery(q): ApiQuery<ThreadsQuery>,
) -> Result<Json<Threads>, ApiError> {
    let limit = limit_of(q.limit, 100, 200)?;
    let home = state
        .services
        .circles()
        .home(&who, &id, limit, now())
        .await?;
    let a = home.access;
    Ok(Json(Threads {
        threads: home
            .threads
            .into_iter()
            .map(|t| thread_out(&a, &who, t))
            .collect(),
    }))
}

#[derive(Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct RepliesQuery {
    /// Replies after this position (`seq`); 0 for the first page.
    #[param(minimum = 0)]
    after: Option<i64>,
    /// How many replies, 1 to 200 (default 200).
    #[param(minimum = 1, maximum = 200)]
    limit: Option<i64>,
}

#[derive(Serialize, ToSchema)]
pub struct ThreadPageOut {
    thread: ThreadOut,
    /// Oldest first. Empty when the thread's words are not shown.
    replies: Vec<ReplyOut>,
    /// Send as `after` for the next page; absent on the last page.
    next_after: Option<i64>,
}

/// A thread and one page of its replies.
#[utoipa::path(get, path = "/circles/{id}/threads/{thread}", tag = "circles",
    params(("id" = String, Path, description = "The circle's id"), ("thread" = String, Path, description = "The thread's id"), RepliesQuery),
    responses((status = 200, description = "The thread", body = ThreadPageOut)))]
async fn get_thread(
    State(state): State<AppState>,
    ApiPerson(who): ApiPerson,
    Path((id, tid)): Path<(String, String)>,
    ApiQuery(q): ApiQuery<RepliesQuery>,
) -> Result<Json<ThreadPageOut>, ApiError> {
    let limit = limit_of(q.limit, 200, 200)?;
    let after = match q.after {
        None => 0,
        Some(n) if n >= 0 => n,
        Some(n) => return Err(bad_query(format!("`after` is {n}; it must be 0 or more."))),
    };
    let page = state
        .services
        .circles()
        .thread_page(&who, &id, &tid, after, limit, now())
        .await?;
    let a = page.access;
    let next_after = if page.more {
        page.replies.last().map(|r| r.seq)
    } else {
        None
    };
    Ok(Json(ThreadPageOut {
        replies: page
            .replies
            .iter()
            .map(|r| reply_out(&a, &who, r.to_view()))
            .collect(),
        thread: thread_out(&a, &who, page.thread),
        next_after,
    }))
}

#[derive(Deserialize, ToSchema)]
#[schema(example = json!({"title": "First week of nights", "body": "How do you all sleep in the day?"}))]
pub struct ThreadBody {
    #[schema(min_length = 1, max_length = 150, pattern = r"[^\s\u0085]")]
    title: String,
    #[schema(min_length = 1, max_length = 5000, pattern = r"[^\s\u0085]")]
    body: String,
    /// I saw that my words might identify a patient, and want to post them
    /// as they are.
    #[serde(default)]
    identifiers_ok: bool,
}

/// What became of a post.
#[derive(Serialize, ToSchema)]
#[schema(example = json!({"id": "5f0c…", "held": false, "message": "Posted."}))]
pub struct PostedOut {
    id: String,
    /// Its position in the thread (replies only).
    seq: Option<i64>,
    /// Waiting for a moderator before anyone else sees it: its words sound
    /// like risk of harm. `message` then points to help, now.
    held: bool,
    message: String,
    /// With a held post: the help lines for this server's region (the same
    /// list as `GET /api/v1/helplines`), to show at once.
    #[serde(skip_serializing_if = "Option::is_none")]
    #[schema(value_type = Option<Object>)]
    help: Option<serde_json::Value>,
}

/// What the person who posted words held for risk language is told at once.
const HELD: &str = "Thank you for sharing this. Your post is waiting for a moderator before \
others see it; you haven't done anything wrong. If you are thinking about harming yourself, \
please reach out now: the help lines are in `help`, and if you are in danger call your local \
emergency number.";

fn posted(
    state: &AppState,
    id: String,
    seq: Option<i64>,
    held: bool,
) -> (StatusCode, Json<PostedOut>) {
    let message = if held { HELD } else { "Posted." }.to_owned();
    let help = held.then(|| serde_json::json!(state.helplines.as_ref()));
    (
        StatusCode::CREATED,
        Json(PostedOut {
            id,
            seq,
            held,
            message,
            help,
        }),
    )
}

/// 422 `might_identify_patient`: each place, and why.
fn identifiers(found: Vec<Identifier>) -> Response {
    let fields = found
        .into_iter()
        .map(|i| FieldProblem {
            field: "body".into(),
            message: format!("“{}”: {}", i.words, i.why),
        })
        .collect();
    (
        StatusCode::UNPROCESSABLE_ENTITY,
        Json(ErrorBody {
            error: "might_identify_patient".into(),
            message: "Some words might identify a patient. Change them, or send the post again \
                      with `identifiers_ok: true` to post it as it is."
                .into(),
            fields: Some(fields),
        }),
    )
        .into_response()
}

const PAUSED: &str = "A moderator paused posting for you for a while.";

/// Start a thread. Held for a moderator when its words sound like risk of
/// harm (`held: true`); refused with 422 `might_identify_patient` when they
/// might identify a patient, until sent with `identifiers_ok`.
#[utoipa::path(post, path = "/circles/{id}/threads", tag = "circles", params(("id" = String, Path, description = "The circle's id")),
    request_body = ThreadBody,
    responses(
        (status = 201, description = "Posted, or held for a moderator (`held`)", body = PostedOut),
        (status = 403, description = "A moderator paused this member's posting, or a server admin who is not a member (`forbidden`).", body = ErrorBody),
        (status = 422, description = "A field outside its rules (`invalid`), or words that might identify a patient (`might_identify_patient`).", body = ErrorBody),
        (status = 429, description = "Too many threads in a minute (`rate_limited`).", body = ErrorBody),
    ))]
async fn start_thread(
    State(state): State<AppState>,
    ApiPerson(who): ApiPerson,
    Path(id): Path<String>,
    ApiJson(b): ApiJson<ThreadBody>,
) -> Result<Response, ApiError> {
    let mut problems = Vec::new();
    raw_len(&mut problems, "title", "The title", &b.title, TITLE_MAX);
    raw_len(&mut problems, "body", "Your words", &b.body, POST_MAX);
    check(problems)?;
    gate(&state, &who, &id, Action::Post, PAUSED).await?;
    let input = ThreadInput {
        title: b.title,
        body: b.body,
        identifiers_ok: b.identifiers_ok,
    };
    match state
        .services
        .circles()
        .start_thread(&who, &id, &input, now())
        .await?
    {
        Posted::Saved { id, held } => Ok(posted(&state, id, None, held).into_response()),
        Posted::Invalid { errors, .. } => Err(ApiError::Invalid(errors)),
        Posted::CheckIdentifiers { found, .. } => Ok(identifiers(found)),
        Posted::SlowDown { secs, .. } => Err(ApiError::RateLimited(secs)),
    }
}

#[derive(Deserialize, ToSchema)]
#[schema(example = json!({"body": "Blackout curtains and a fan helped me."}))]
pub struct ReplyBody {
    #[schema(min_length = 1, max_length = 5000, pattern = r"[^\s\u0085]")]
    body: String,
    /// As for a thread.
    #[serde(default)]
    identifiers_ok: bool,
}

/// Reply in a thread; held and identifier checks as for a thread.
#[utoipa::path(post, path = "/circles/{id}/threads/{thread}/replies", tag = "circles",
    params(("id" = String, Path, description = "The circle's id"), ("thread" = String, Path, description = "The thread's id")),
    request_body = ReplyBody,
    responses(
        (status = 201, description = "Posted, or held for a moderator (`held`)", body = PostedOut),
        (status = 403, description = "A moderator paused this member's posting, or a server admin who is not a member (`forbidden`).", body = ErrorBody),
        (status = 409, description = "The thread takes no replies now: locked, removed, deleted, or waiting for a moderator (`closed`).", body = ErrorBody),
        (status = 422, description = "A field outside its rules (`invalid`), or words that might identify a patient (`might_identify_patient`).", body = ErrorBody),
        (status = 429, description = "Too many replies in a minute (`rate_limited`).", body = ErrorBody),
    ))]
async fn reply(
    State(state): State<AppState>,
    ApiPerson(who): ApiPerson,
    Path((id, tid)): Path<(String, String)>,
    ApiJson(b): ApiJson<ReplyBody>,
) -> Result<Response, ApiError> {
    let mut problems = Vec::new();
    raw_len(&mut problems, "body", "Your words", &b.body, POST_MAX);
    check(problems)?;
    gate(&state, &who, &id, Action::Reply, PAUSED).await?;
    match state
        .services
        .circles()
        .reply(&who, &id, &tid, &b.body, b.identifiers_ok, now())
        .await?
    {
        ReplyOutcome::Saved { id, seq, held, .. } => {
            Ok(posted(&state, id, Some(seq), held).into_response())
        }
        ReplyOutcome::Refused(note) => {
            // The page's note offers the words back; an API client has them.
            let note = note
                .split_once(" Your words are below")
                .map_or(note, |(first, _)| first);
            Err(ApiError::Status(
                StatusCode::CONFLICT,
                "closed",
                note.to_owned(),
            ))
        }
        ReplyOutcome::Invalid(errors) => Err(ApiError::Invalid(errors)),
        ReplyOutcome::CheckIdentifiers(found) => Ok(identifiers(found)),
        ReplyOutcome::SlowDown { secs, .. } => Err(ApiError::RateLimited(secs)),
    }
}

/// Take down my own thread: its words go, a neutral note stays.
#[utoipa::path(delete, path = "/circles/{id}/threads/{thread}", tag = "circles",
    params(("id" = String, Path, description = "The circle's id"), ("thread" = String, Path, description = "The thread's id")),
    responses((status = 204, description = "Deleted")))]
async fn delete_thread(
    State(state): State<AppState>,
    ApiPerson(who): ApiPerson,
    Path((id, tid)): Path<(String, String)>,
) -> Result<StatusCode, ApiError> {
    state
        .services
        .circles()
        .delete_thread(&who, &id, &tid, now())
        .await?;
    Ok(StatusCode::NO_CONTENT)
}

/// Take down my own reply.
#[utoipa::path(delete, path = "/circles/{id}/replies/{reply}", tag = "circles",
    params(("id" = String, Path, description = "The circle's id"), ("reply" = String, Path, description = "The reply's id")),
    responses((status = 204, description = "Deleted")))]
async fn delete_reply(
    State(state): State<AppState>,
    ApiPerson(who): ApiPerson,
    Path((id, rid)): Path<(String, String)>,
) -> Result<StatusCode, ApiError> {
    state
        .services
        .circles()
        .delete_reply(&who, &id, &rid, now())
        .await?;
    Ok(StatusCode::NO_CONTENT)
}

#[derive(Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct EventsQuery {
    /// Start after this position (`seq`); `Last-Event-ID` wins when both
    /// are sent.
    #[param(minimum = 0)]
    after: Option<i64>,
}

/// Live replies: a `text/event-stream` of the thread's new visible replies.
///
/// Each event is `event: reply`, `id: <seq>` and `data:` one reply as JSON
/// (the `ReplyOut` shape). A client that reconnects sends the last `id` it
/// got as `Last-Event-ID` (or `?after=`) and receives exactly the replies
/// it missed. The stream re-checks the token and the membership every few
/// seconds and ends when either ends, after at most 30 minutes, or when the
/// server shuts down (with a `retry:` hint of 2 to 5 seconds). 204 when the
/// thread's words are not shown to this person (nothing to stream); 429
/// when this account already has its most streams open.
#[utoipa::path(get, path = "/circles/{id}/threads/{thread}/events", tag = "circles",
    params(("id" = String, Path, description = "The circle's id"), ("thread" = String, Path, description = "The thread's id"), EventsQuery,
        ("Last-Event-ID" = Option<i64>, Header, minimum = 0, description = "The `id` of the last event received, to resume after it")),
    responses(
        (status = 200, description = "The stream", content_type = "text/event-stream", body = String,
            example = "event: reply\nid: 7\ndata: {\"id\":\"…\",\"seq\":7,\"body\":\"Me too.\",\"status\":\"visible\",\"created_at\":1767225600,\"author\":\"Quiet Heron 41\",\"mine\":false}\n\n"),
        (status = 204, description = "Nothing to stream: the thread's words are not shown"),
        (status = 429, description = "Too many streams open for this account (`rate_limited`, with `Retry-After`).", body = ErrorBody),
    ))]
async fn events(
    State(state): State<AppState>,
    ApiPerson(who): ApiPerson,
    Path((id, tid)): Path<(String, String)>,
    ApiQuery(q): ApiQuery<EventsQuery>,
    headers: HeaderMap,
) -> Result<Response, ApiError> {
    let after = match q.after {
        Some(n) if n < 0 => {
            return Err(bad_query(format!("`after` is {n}; it must be 0 or more.")));
        }
        a => a,
    };
    let last = match headers.get("last-event-id") {
        None => None,
        Some(v) => Some(
            v.to_str()
                .ok()
                .and_then(|v| v.trim().parse::<i64>().ok())
                .filter(|n| *n >= 0)
                .ok_or_else(|| {
                    ApiError::bad_request("`Last-Event-ID` must be a reply's `seq`, a number.")
                })?,
        ),
    };
    let cursor = last.or(after).unwrap_or(0);
    let access = state.services.circles().access(&who, &id, now()).await?;
    let Some(watch) = state
        .services
        .circles()
        .watch(&who, &id, &tid, now())
        .await?
    else {
        return Ok(StatusCode::NO_CONTENT.into_response());
    };
    let render = move |r| serde_json::to_string(&reply_out(&access, &who, r)).unwrap_or_default();
    Ok(sse::replies(&state, watch, cursor, render))
}

// ----- meetings -----

#[derive(Serialize, ToSchema)]
pub struct MeetingOut {
    id: String,
    title: String,
    /// The first (or only) start, wall-clock time in `time_zone`.
    #[schema(example = "2026-03-14T19:30")]
    starts_local: String,
    #[schema(example = "Europe/London")]
    time_zone: String,
    weekly: bool,
    duration_minutes: i64,
    link: String,
    note: String,
    /// The next starts (up to 4), as RFC 3339 timestamps in UTC, so every
    /// member can show them in their own time zone.
    #[schema(example = json!(["2026-03-14T19:30:00Z"]))]
    next: Vec<String>,
}

fn meeting_out(m: MeetingRow) -> MeetingOut {
    let next = Schedule::parse(
        &m.starts_local,
        &m.time_zone,
        m.weekly == 1,
        m.duration_minutes,
    )
    .map(|s| {
        s.upcoming(clock(), 4)
            .into_iter()
            .map(|z| z.timestamp().to_string())
            .collect()
    })
    .unwrap_or_default();
    MeetingOut {
        id: m.id,
        title: m.title,
        starts_local: m.starts_local,
        time_zone: m.time_zone,
        weekly: m.weekly == 1,
        duration_minutes: m.duration_minutes,
        link: m.video_link,
        note: m.note,
        next,
    }
}

#[derive(Serialize, ToSchema)]
pub struct Meetings {
    meetings: Vec<MeetingOut>,
}

/// A circle's meetings.
#[utoipa::path(get, path = "/circles/{id}/meetings", tag = "circles", params(("id" = String, Path, description = "The circle's id")),
    responses((status = 200, description = "Meetings", body = Meetings)))]
async fn list_meetings(
    State(state): State<AppState>,
    ApiPerson(who): ApiPerson,
    Path(id): Path<String>,
) -> Result<Json<Meetings>, ApiError> {
    let (_, list) = state.services.circles().meetings(&who, &id, now()).await?;
    Ok(Json(Meetings {
        meetings: list.into_iter().map(meeting_out).collect(),
    }))
}

/// How often a meeting happens.
#[derive(Deserialize, ToSchema, Clone, Copy, Default)]
#[serde(rename_all = "snake_case")]
pub enum Repeat {
    #[default]
    Once,
    Weekly,
}

/// Every time zone name the server knows (a meeting needs one).
fn meeting_zones() -> utoipa::openapi::schema::Object {
    super::time_zone_names(false)
}

#[derive(Deserialize, ToSchema)]
#[schema(example = json!({"title": "Tuesday check-in", "date": "2026-03-17", "time": "19:30", "time_zone": "Europe/London", "repeat": "weekly", "duration_minutes": 60}))]
pub struct MeetingBody {
    #[schema(min_length = 1, max_length = 150, pattern = r"[^\s\u0085]")]
    title: String,
    /// The first (or only) date.
    #[schema(value_type = String, format = Date, example = "2026-03-17")]
    date: String,
    /// Local to `time_zone`.
    #[schema(pattern = "^([01][0-9]|2[0-3]):[0-5][0-9]$", example = "19:30")]
    time: String,
    #[schema(schema_with = meeting_zones, example = "Europe/London")]
    time_zone: String,
    #[serde(default)]
    repeat: Repeat,
    /// Minutes, 5 to 480 (default 60).
    #[schema(minimum = 5, maximum = 480)]
    duration_minutes: Option<i64>,
    /// A video-call link, if any.
    #[serde(default)]
    #[schema(max_length = 300)]
    link: String,
    #[serde(default)]
    #[schema(max_length = 1000)]
    note: String,
}

/// The date and time exactly as the document states them.
fn when_as_sent(b: &MeetingBody) -> Result<(), ApiError> {
    let mut problems = Vec::new();
    let d = b.date.as_bytes();
    let date_shaped = d.len() == 10
        && d.iter().enumerate().all(|(i, c)| {
            if i == 4 || i == 7 {
                *c == b'-'
            } else {
                c.is_ascii_digit()
            }
        });
    if !date_shaped {
        problems.push(Invalid::new("date", "Enter the date like 2026-03-14."));
    }
    let t = b.time.as_bytes();
    let time_shaped =
        t.len() == 5 && t[2] == b':' && t[..2].iter().chain(&t[3..]).all(u8::is_ascii_digit);
    if !time_shaped {
        problems.push(Invalid::new("time", "Enter the time like 19:30."));
    }
    if b.time_zone.trim() != b.time_zone {
        problems.push(Invalid::new(
            "time_zone",
            "Choose a time zone from the list, like Europe/London.",
        ));
    }
    raw_len(&mut problems, "title", "The title", &b.title, TITLE_MAX);
    raw_len(
        &mut problems,
        "link",
        "The video-call link",
        &b.link,
        LINK_MAX,
    );
    raw_len(&mut problems, "note", "The note", &b.note, NOTE_MAX);
    check(problems)
}

/// Schedule a meeting (facilitators).
#[utoipa::path(post, path = "/circles/{id}/meetings", tag = "circles", params(("id" = String, Path, description = "The circle's id")),
    request_body = MeetingBody,
    responses(
        (status = 201, description = "Scheduled", body = MeetingOut),
        (status = 403, description = "Only the circle's facilitators schedule meetings (`forbidden`).", body = ErrorBody),
    ))]
async fn schedule_meeting(
    State(state): State<AppState>,
    ApiPerson(who): ApiPerson,
    Path(id): Path<String>,
    ApiJson(b): ApiJson<MeetingBody>,
) -> Result<(StatusCode, Json<MeetingOut>), ApiError> {
    when_as_sent(&b)?;
    gate(
        &state,
        &who,
        &id,
        Action::Schedule,
        "Only the circle's facilitators schedule meetings.",
    )
    .await?;
    let input = MeetingInput {
        title: b.title,
        date: b.date,
        time: b.time,
        time_zone: b.time_zone,
        repeat: match b.repeat {
            Repeat::Once => "once",
            Repeat::Weekly => "weekly",
        }
        .into(),
        duration: b
            .duration_minutes
            .map(|d| d.to_string())
            .unwrap_or_default(),
        link: b.link,
        note: b.note,
    };
    let m = state
        .services
        .circles()
        .schedule_meeting(&who, &id, &input, now())
        .await?;
    Ok((StatusCode::CREATED, Json(meeting_out(m))))
}

/// Cancel a meeting (facilitators).
#[utoipa::path(delete, path = "/circles/{id}/meetings/{meeting}", tag = "circles",
    params(("id" = String, Path, description = "The circle's id"), ("meeting" = String, Path, description = "The meeting's id")),
    responses(
        (status = 204, description = "Cancelled"),
        (status = 403, description = "Only the circle's facilitators cancel meetings (`forbidden`).", body = ErrorBody),
    ))]
async fn cancel_meeting(
    State(state): State<AppState>,
    ApiPerson(who): ApiPerson,
    Path((id, mid)): Path<(String, String)>,
) -> Result<StatusCode, ApiError> {
    gate(
        &state,
        &who,
        &id,
        Action::Schedule,
        "Only the circle's facilitators cancel meetings.",
    )
    .await?;
    state
        .services
        .circles()
        .cancel_meeting(&who, &id, &mid, now())
        .await?;
    Ok(StatusCode::NO_CONTENT)
}

// ----- invites -----

#[derive(Serialize, ToSchema)]
pub struct InviteOut {
    #[schema(example = "K7MQ2XPA9C")]
    code: String,
    created_at: i64,
    expires_at: Option<i64>,
    max_uses: Option<i64>,
    uses: i64,
    revoked_at: Option<i64>,
}

#[derive(Serialize, ToSchema)]
pub struct Invites {
    invites: Vec<InviteOut>,
}

const INVITERS: &str = "Only the circle's facilitators make and withdraw invites.";

/// A circle's invite codes (facilitators).
#[utoipa::path(get, path = "/circles/{id}/invites", tag = "circles", params(("id" = String, Path, description = "The circle's id")),
    responses(
        (status = 200, description = "Invites", body = Invites),
        (status = 403, description = "Only the circle's facilitators see invites (`forbidden`).", body = ErrorBody),
    ))]
async fn list_invites(
    State(state): State<AppState>,
    ApiPerson(who): ApiPerson,
    Path(id): Path<String>,
) -> Result<Json<Invites>, ApiError> {
    gate(&state, &who, &id, Action::Invite, INVITERS).await?;
    let (_, list) = state.services.circles().invites(&who, &id, now()).await?;
    Ok(Json(Invites {
        invites: list
            .into_iter()
            .map(|i| InviteOut {
                code: i.code,
                created_at: i.created_at,
                expires_at: i.expires_at,
                max_uses: i.max_uses,
                uses: i.uses,
                revoked_at: i.revoked_at,
            })
            .collect(),
    }))
}

#[derive(Deserialize, ToSchema)]
#[schema(example = json!({"days": 14, "uses": 10}))]
pub struct InviteBody {
    /// Days until it expires; absent for never.
    #[schema(minimum = 1, maximum = 365)]
    days: Option<i64>,
    /// How many people may use it; absent for no limit.
    #[schema(minimum = 1, maximum = 1000)]
    uses: Option<i64>,
}

#[derive(Serialize, ToSchema)]
pub struct NewInvite {
    #[schema(example = "K7MQ2XPA9C")]
    code: String,
}

/// Make an invite code (facilitators).
#[utoipa::path(post, path = "/circles/{id}/invites", tag = "circles", params(("id" = String, Path, description = "The circle's id")),
    request_body = InviteBody,
    responses(
        (status = 201, description = "Made", body = NewInvite),
        (status = 403, description = "Only the circle's facilitators make invites (`forbidden`).", body = ErrorBody),
        (status = 429, description = "Too many invites in a minute (`rate_limited`).", body = ErrorBody),
    ))]
async fn create_invite(
    State(state): State<AppState>,
    ApiPerson(who): ApiPerson,
    Path(id): Path<String>,
    ApiJson(b): ApiJson<InviteBody>,
) -> Result<(StatusCode, Json<NewInvite>), ApiError> {
    gate(&state, &who, &id, Action::Invite, INVITERS).await?;
    let input = InviteInput {
        days: b.days.map(|d| d.to_string()).unwrap_or_default(),
        uses: b.uses.map(|u| u.to_string()).unwrap_or_default(),
    };
    let code = state
        .services
        .circles()
        .create_invite(&who, &id, &input, now())
        .await?;
    Ok((StatusCode::CREATED, Json(NewInvite { code })))
}

/// Withdraw an invite code (facilitators).
#[utoipa::path(delete, path = "/circles/{id}/invites/{code}", tag = "circles",
    params(("id" = String, Path, description = "The circle's id"), ("code" = String, Path, description = "The invite code")),
    responses(
        (status = 204, description = "Withdrawn"),
        (status = 403, description = "Only the circle's facilitators withdraw invites (`forbidden`).", body = ErrorBody),
    ))]
async fn revoke_invite(
    State(state): State<AppState>,
    ApiPerson(who): ApiPerson,
    Path((id, code)): Path<(String, String)>,
) -> Result<StatusCode, ApiError> {
    gate(&state, &who, &id, Action::Invite, INVITERS).await?;
    state
        .services
        .circles()
        .revoke_invite(&who, &id, &code, now())
        .await?;
    Ok(StatusCode::NO_CONTENT)
}

// ----- reports and moderation -----

/// What a report or a moderation action is about.
#[derive(Serialize, Deserialize, ToSchema, Clone, Copy)]
#[serde(rename_all = "snake_case")]
pub enum TargetKind {
    Thread,
    Reply,
}

impl TargetKind {
    fn id(self) -> &'static str {
        match self {
            Self::Thread => "thread",
            Self::Reply => "reply",
        }
    }
}

#[derive(Deserialize, ToSchema)]
#[schema(example = json!({"target_kind": "reply", "target_id": "5f0c…", "reason": "This names a patient."}))]
pub struct ReportBody {
    target_kind: TargetKind,
    #[schema(min_length = 1, max_length = 64)]
    target_id: String,
    /// What the moderators should know.
    #[schema(min_length = 1, max_length = 500, pattern = r"[^\s\u0085]")]
    reason: String,
}

/// Report a visible thread or reply to the circle's moderators.
#[utoipa::path(post, path = "/circles/{id}/reports", tag = "circles", params(("id" = String, Path, description = "The circle's id")),
    request_body = ReportBody,
    responses(
        (status = 204, description = "Sent to the moderators"),
        (status = 429, description = "Too many reports in a minute (`rate_limited`).", body = ErrorBody),
    ))]
async fn report(
    State(state): State<AppState>,
    ApiPerson(who): ApiPerson,
    Path(id): Path<String>,
    ApiJson(b): ApiJson<ReportBody>,
) -> Result<StatusCode, ApiError> {
    let mut problems = Vec::new();
    raw_len(&mut problems, "target_id", "The id", &b.target_id, 64);
    raw_len(&mut problems, "reason", "The reason", &b.reason, REASON_MAX);
    check(problems)?;
    match state
        .services
        .circles()
        .report(
            &who,
            &id,
            b.target_kind.id(),
            &b.target_id,
            &b.reason,
            now(),
        )
        .await?
    {
        ReportOutcome::Sent(_) => Ok(StatusCode::NO_CONTENT),
        ReportOutcome::Invalid { errors, .. } => Err(ApiError::Invalid(errors)),
        ReportOutcome::SlowDown { secs, .. } => Err(ApiError::RateLimited(secs)),
    }
}

#[derive(Serialize, ToSchema)]
pub struct ReportedOut {
    report_id: String,
    target_kind: String,
    target_id: String,
    reason: String,
    created_at: i64,
    /// The words reported (a thread's title and body).
    text: String,
    author: Option<String>,
    status: String,
}

#[derive(Serialize, ToSchema)]
pub struct QueueOut {
    /// Held threads, urgent first.
    threads: Vec<ThreadOut>,
    /// Held replies, urgent first.
    replies: Vec<ReplyOut>,
    /// Open reports.
    reported: Vec<ReportedOut>,
}

const MODERATORS: &str = "Only the circle's moderators and facilitators can do this.";

/// What waits for the moderators: held posts and open reports.
#[utoipa::path(get, path = "/circles/{id}/moderation", tag = "circles", params(("id" = String, Path, description = "The circle's id")),
    responses(
        (status = 200, description = "The queue", body = QueueOut),
        (status = 403, description = "Not a moderator here (`forbidden`).", body = ErrorBody),
    ))]
async fn queue(
    State(state): State<AppState>,
    ApiPerson(who): ApiPerson,
    Path(id): Path<String>,
) -> Result<Json<QueueOut>, ApiError> {
    gate(&state, &who, &id, Action::Moderate, MODERATORS).await?;
    let q = state
        .services
        .circles()
        .queue(&who, &id, 100, now())
        .await?;
    let a = q.access;
    Ok(Json(QueueOut {
        threads: q
            .threads
            .into_iter()
            .map(|t| thread_out(&a, &who, t))
            .collect(),
        replies: q
            .replies
            .into_iter()
            .map(|r| reply_out(&a, &who, r))
            .collect(),
        reported: q
            .reported
            .into_iter()
            .map(|r| ReportedOut {
                report_id: r.report.id,
                target_kind: r.report.target_kind,
                target_id: r.report.target_id,
                reason: r.report.reason,
                created_at: r.report.created_at,
                text: r.text,
                author: r.author,
                status: r.status,
            })
            .collect(),
    }))
}

/// A moderation action.
#[derive(Deserialize, ToSchema, Clone, Copy, PartialEq, Eq)]
#[serde(rename_all = "snake_case")]
pub enum ModActionDoc {
    Approve,
    Hide,
    Remove,
    Lock,
    Unlock,
    Suspend,
    Unsuspend,
    Dismiss,
}

impl ModActionDoc {
    fn id(self) -> &'static str {
        match self {
            Self::Approve => "approve",
            Self::Hide => "hide",
            Self::Remove => "remove",
            Self::Lock => "lock",
            Self::Unlock => "unlock",
            Self::Suspend => "suspend",
            Self::Unsuspend => "unsuspend",
            Self::Dismiss => "dismiss",
        }
    }
}

#[derive(Deserialize, ToSchema)]
#[schema(example = json!({"target_kind": "reply", "target_id": "5f0c…", "action": "approve", "reason": "Checked in with them; they are safe."}))]
pub struct ModerationBody {
    target_kind: TargetKind,
    #[schema(min_length = 1, max_length = 64)]
    target_id: String,
    /// `approve` (also restores a hidden or removed post), `hide`, `remove`,
    /// `lock` and `unlock` (threads only), `suspend` the author for `days`,
    /// `unsuspend`, or `dismiss` the reports.
    action: ModActionDoc,
    /// Kept in the moderation log.
    #[schema(min_length = 1, max_length = 500, pattern = r"[^\s\u0085]")]
    reason: String,
    /// For `suspend`, and needed there: 1 to 365 (without it, 422 on `days`).
    #[schema(minimum = 1, maximum = 365)]
    days: Option<i64>,
}

/// Act on a held or reported post (or its author), with a reason for the log.
#[utoipa::path(post, path = "/circles/{id}/moderation", tag = "circles", params(("id" = String, Path, description = "The circle's id")),
    request_body = ModerationBody,
    responses(
        (status = 204, description = "Done, and logged"),
        (status = 403, description = "Not a moderator here, or an action the roles do not allow: approving one's own held post, a moderator suspending the facilitator or themselves (`forbidden`).", body = ErrorBody),
    ))]
async fn moderate(
    State(state): State<AppState>,
    ApiPerson(who): ApiPerson,
    Path(id): Path<String>,
    ApiJson(b): ApiJson<ModerationBody>,
) -> Result<StatusCode, ApiError> {
    let mut problems = Vec::new();
    raw_len(&mut problems, "target_id", "The id", &b.target_id, 64);
    raw_len(&mut problems, "reason", "The reason", &b.reason, REASON_MAX);
    if matches!(b.action, ModActionDoc::Lock | ModActionDoc::Unlock)
        && matches!(b.target_kind, TargetKind::Reply)
    {
        problems.push(Invalid::new("action", "Only a thread can be locked."));
    }
    if b.action == ModActionDoc::Suspend && b.days.is_none() {
        problems.push(Invalid::new(
            "days",
            format!(
                "Enter the days of suspension, from 1 to {}.",
                circles::SUSPEND_DAYS_MAX
            ),
        ));
    }
    check(problems)?;
    gate(&state, &who, &id, Action::Moderate, MODERATORS).await?;
    let req = ModerationRequest {
        target_kind: b.target_kind.id().into(),
        target_id: b.target_id,
        action: b.action.id().into(),
        reason: b.reason,
        days: b.days.map(|d| d.to_string()).unwrap_or_default(),
    };
    match state
        .services
        .circles()
        .moderate(&who, &id, &req, now())
        .await?
    {
        Moderated::Done => Ok(StatusCode::NO_CONTENT),
        // The request's shape was checked above, so a refusal on `action`
        // is the roles saying no (`may_moderate`).
        Moderated::Refused(errors) if errors.iter().all(|e| e.field == "action") => Err(forbidden(
            &errors
                .into_iter()
                .map(|e| e.message)
                .collect::<Vec<_>>()
                .join(" "),
        )),
        Moderated::Refused(errors) => Err(ApiError::Invalid(errors)),
    }
}

#[derive(Serialize, ToSchema)]
pub struct LogEntry {
    /// The moderator's pseudonym and role.
    actor: String,
    #[schema(example = "approved / restored")]
    action: String,
    target_kind: String,
    target_id: String,
    reason: String,
    created_at: i64,
}

#[derive(Serialize, ToSchema)]
pub struct ModerationLog {
    /// Newest first.
    entries: Vec<LogEntry>,
}

/// The moderation log (moderators).
#[utoipa::path(get, path = "/circles/{id}/moderation/log", tag = "circles", params(("id" = String, Path, description = "The circle's id")),
    responses(
        (status = 200, description = "The log", body = ModerationLog),
        (status = 403, description = "Not a moderator here (`forbidden`).", body = ErrorBody),
    ))]
async fn moderation_log(
    State(state): State<AppState>,
    ApiPerson(who): ApiPerson,
    Path(id): Path<String>,
) -> Result<Json<ModerationLog>, ApiError> {
    gate(&state, &who, &id, Action::ReadLog, MODERATORS).await?;
    let (_, entries) = state.services.circles().log(&who, &id, 200, now()).await?;
    Ok(Json(ModerationLog {
        entries: entries
            .into_iter()
            .map(|e| LogEntry {
                actor: e.actor,
                action: e.action,
                target_kind: e.target_kind,
                target_id: e.target_id,
                reason: e.reason,
                created_at: e.created_at,
            })
            .collect(),
    }))
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The document's limits are the service's: a change to one without
    /// the other fails here.
    #[test]
    fn the_documented_limits_are_the_domain_limits() {
        let doc = serde_json::to_value(super::super::document()).expect("json");
        let schemas = &doc["components"]["schemas"];
        let limit = |schema: &str, field: &str, key: &str| {
            schemas[schema]["properties"][field][key]
                .as_i64()
                .unwrap_or_else(|| panic!("{schema}.{field}.{key}"))
        };
        let as_i64 = |n: usize| i64::try_from(n).expect("small");
        for (schema, field, max) in [
            ("CircleBody", "name", NAME_MAX),
            ("CircleBody", "description", DESCRIPTION_MAX),
            ("CircleBody", "guidelines", GUIDELINES_MAX),
            ("ThreadBody", "title", TITLE_MAX),
            ("ThreadBody", "body", POST_MAX),
            ("ReplyBody", "body", POST_MAX),
            ("ReportBody", "reason", REASON_MAX),
            ("ModerationBody", "reason", REASON_MAX),
            ("MeetingBody", "title", TITLE_MAX),
            ("MeetingBody", "link", LINK_MAX),
            ("MeetingBody", "note", NOTE_MAX),
        ] {
            assert_eq!(
                limit(schema, field, "maxLength"),
                as_i64(max),
                "{schema}.{field}"
            );
        }
        assert_eq!(
            limit("InviteBody", "days", "maximum"),
            circles::INVITE_DAYS_MAX
        );
        assert_eq!(
            limit("InviteBody", "uses", "maximum"),
            circles::INVITE_USES_MAX
        );
        assert_eq!(
            limit("ModerationBody", "days", "maximum"),
            circles::SUSPEND_DAYS_MAX
        );
    }
}
