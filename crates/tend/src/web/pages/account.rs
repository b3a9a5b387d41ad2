//! Account settings: time zone, country, passphrase, and deleting everything.

use axum::extract::{Query, State};
use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Redirect, Response};
use maud::{Markup, html};
use serde::Deserialize;

use crate::domain::Invalid;
use crate::domain::checkin::{Checkin, Meals};
use crate::domain::helplines::{Helplines, country_for_time_zone};
use crate::domain::journal::JournalEntry;
use crate::domain::profile::Profile;
use crate::service::RecordFilter;
use crate::service::{ServiceError, Unlocked};
use crate::web::components::COMMON_ZONES;
use crate::web::error::PageError;
use crate::web::extract::NoFields;
use crate::web::extract::{Person, SESSION_COOKIE, SignedForm, set_cookie};
use crate::web::format::csv_field;
use crate::web::helplines as web_helplines;
use crate::web::layout::{self, csrf, error_summary, field_error};
use crate::web::{AppState, now};

#[derive(Debug, Default, Deserialize)]
pub struct AccountQuery {
    done: Option<String>,
}

#[derive(Debug, Default, Deserialize)]
pub struct TimeZoneForm {
    #[serde(default)]
    time_zone: String,
}

#[derive(Debug, Default, Deserialize)]
pub struct CountryForm {
    #[serde(default)]
    country: String,
}

/// Which country's help lines come first (kept in the sealed profile).
fn country_section(
    who: &Unlocked,
    helplines: &Helplines,
    profile: &Profile,
    errors: &[Invalid],
) -> Markup {
    let suggested = country_for_time_zone(&profile.time_zone);
    html! {
        section class="card" aria-labelledby="country-h" {
            h2 id="country-h" { "Your country" }
            form method="post" action="/account/country" class="stack" {
                (csrf(who))
                div {
                    label for="country" { "Country" span class="hint" { "Its help lines come first on every page that shows help." } }
                    (web_helplines::select(helplines, profile.country.as_deref(), suggested))
                    (field_error(errors, "country"))
                }
                div class="actions" { button type="submit" { "Save country" } }
            }
        }
    }
}

/// Saves the country (or "from my time zone"); an unknown code is refused.
pub async fn country(
    State(state): State<AppState>,
    SignedForm { who, form }: SignedForm<CountryForm>,
) -> Result<Response, PageError> {
    let records = state.services.records(&who);
    let mut profile = records.profile().await?;
    profile.country = if form.country.is_empty() {
        None
    } else {
        match web_helplines::known_country(&state.helplines, &form.country) {
            Some(c) => Some(c),
            None => {
                let e = Invalid::new("country", "Choose a country from the list.");
                return Ok((
                    StatusCode::UNPROCESSABLE_ENTITY,
                    account_page(
                        &who,
                        &state.helplines,
                        &profile,
                        &[e],
                        None,
                        super::transfer::account_sections(&state, &who, &[]).await?,
                    ),
                )
                    .into_response());
            }
        }
    };
    records.put_slot("profile", None, profile, now()).await?;
    Ok(Redirect::to("/account?done=country").into_response())
}

#[derive(Debug, Default, Deserialize)]
pub struct PassphraseForm {
    #[serde(default)]
    current_passphrase: String,
    #[serde(default)]
    new_passphrase: String,
}

#[derive(Debug, Default, Deserialize)]
pub struct DeleteForm {
    #[serde(default)]
    passphrase: String,
}

/// Checking a passphrase costs Argon2 work and, if guessed, gives lasting access:
/// limit the attempts per account, as sign-in limits them per client.
/// Passphrase checks by a signed-in person (change, delete) are limited per
/// account, in the database so every process counts together.
pub(crate) async fn passphrase_limit(
    state: &AppState,
    who: &Unlocked,
) -> Result<(), crate::service::ServiceError> {
    let limit = crate::service::Limit::PassphraseCheck {
        per_minute: state.auth_attempts_per_minute,
    };
    state
        .services
        .limits()
        .attempt(limit, &who.account_id, crate::web::now())
        .await
}

fn account_page(
    who: &Unlocked,
    helplines: &Helplines,
    profile: &Profile,
    errors: &[Invalid],
    done: Option<&str>,
    transfer: Markup,
) -> Markup {
    layout::page(
        "Account",
        Some(who),
        html! {
            h1 { "Your account" }
            @if let Some(d) = done { (layout::notice(d)) }
            p { "Signed in as " strong { (who.handle) } "." }
            (error_summary(errors))
            section class="card" aria-labelledby="tz-h" {
                h2 id="tz-h" { "Time zone" }
                form method="post" action="/account/time-zone" class="stack" {
                    (csrf(who))
                    div {
                        label for="time_zone" { "Time zone" span class="hint" { "Decides when your day starts." } }
                        input id="time_zone" name="time_zone" type="text" list="zones" value=(profile.time_zone);
                        datalist id="zones" { @for z in COMMON_ZONES { option value=(z) {} } }
                        (field_error(errors, "time_zone"))
                    }
                    div class="actions" { button type="submit" { "Save time zone" } }
                }
            }
            (country_section(who, helplines, profile, errors))
            section class="card" aria-labelledby="pass-h" {
                h2 id="pass-h" { "Change passphrase" }
                p class="muted" { "You'll stay signed in here; other devices will be signed out." }
                form method="post" action="/account/passphrase" class="stack" novalidate {
                    (csrf(who))
                    input type="text" name="username" autocomplete="username" aria-label="Handle" value=(who.handle) hidden;
                    div {
                        label for="current_passphrase" { "Current passphrase" }
                        input id="current_passphrase" name="current_passphrase" type="password" autocomplete="current-password" required;
                        (field_error(errors, "current_passphrase"))
                    }
                    div {
                        label for="new_passphrase" { "New passphrase" span class="hint" { "At least 10 characters." } }
                        input id="new_passphrase" name="new_passphrase" type="password" autocomplete="new-password" required;
                        (field_error(errors, "new_passphrase"))
                    }
                    div class="actions" { button type="submit" { "Change passphrase" } }
                }
            }
            section class="card" aria-labelledby="devices-h" {
                h2 id="devices-h" { "Other devices" }
                p { "Signed in on a shared ward computer, or lost a phone? End every other sign-in; this one stays." }
                p { a href="/account/lock" { "Lock on shared computers" } ": lock now, or after a few idle minutes." }
                form method="post" action="/account/sign-out-others" {
                    (csrf(who))
                    button type="submit" class="secondary" { "Sign out everywhere else" }
                }
            }
            section class="card" aria-labelledby="programme-h" {
                h2 id="programme-h" { "School or course programme" }
                p { "If your school runs a tend programme, join it with its code. Sharing anything with it is a separate choice, off unless you turn it on." }
                p { a href="/programmes" { "Your programme" } }
            }
            section class="card" aria-labelledby="export-h" {
                h2 id="export-h" { "Take your data with you" }
                p { "Everything you have written here is yours. Download it any time, in open formats." }
                ul {
                    li { a href="/account/export.json" { "Everything (JSON)" } }
                    li { a href="/account/export/checkins.csv" { "Daily check-ins (CSV, for a spreadsheet)" } }
                    li { a href="/account/export/journal.md" { "Journal (Markdown)" } }
                }
            }
            (transfer)
            section class="card" aria-labelledby="del-h" {
                h2 id="del-h" { "Delete your account" }
                p { "This removes your account and everything you wrote, for good. Your handle becomes free for anyone." }
                p { a class="button secondary" href="/account/delete" { "Delete my account…" } }
            }
        },
    )
}

pub async fn page(
    State(state): State<AppState>,
    Person(who): Person,
    Query(q): Query<AccountQuery>,
) -> Result<Markup, PageError> {
    let profile = state.services.records(&who).profile().await?;
    let done = match q.done.as_deref() {
        Some("tz") => Some("Time zone saved."),
        Some("country") => Some("Country saved. Help lines for it now come first."),
        Some("passphrase") => Some("Passphrase changed. Other devices have been signed out."),
        Some("signed-out") => Some("Every other device and browser has been signed out."),
        Some("token-revoked") => {
            Some("Token revoked. Apps using it can no longer reach your records.")
        }
        _ => None,
    };
    let transfer = super::transfer::account_sections(&state, &who, &[]).await?;
    Ok(account_page(
        &who,
        &state.helplines,
        &profile,
        &[],
        done,
        transfer,
    ))
}

pub async fn time_zone(
    State(state): State<AppState>,
    SignedForm { who, form }: SignedForm<TimeZoneForm>,
) -> Result<Response, PageError> {
    let records = state.services.records(&who);
    match Profile::parse_time_zone(&form.time_zone) {
        Ok(time_zone) => {
            records
                .put_slot(
                    "profile",
                    None,
                    Profile {
                        time_zone,
                        country: records.profile().await?.country,
                    },
                    now(),
                )
                .await?;
            Ok(Redirect::to("/account?done=tz").into_response())
        }
        Err(e) => {
            let profile = records.profile().await?;
            Ok((
                StatusCode::UNPROCESSABLE_ENTITY,
                account_page(
                    &who,
                    &state.helplines,
                    &profile,
                    &[e],
                    None,
                    super::transfer::account_sections(&state, &who, &[]).await?,
                ),
            )
                .into_response())
        }
    }
}

pub async fn passphrase(
    State(state): State<AppState>,
    SignedForm { who, form }: SignedForm<PassphraseForm>,
) -> Result<Response, PageError> {
    passphrase_limit(&state, &who).await?;
    match state
        .services
        .accounts()
        .change_passphrase(&who, &form.current_passphrase, &form.new_passphrase)
        .await
    {
        Ok(()) => Ok(Redirect::to("/account?done=passphrase").into_response()),
        Err(ServiceError::Invalid(errors)) => {
            let profile = state.services.records(&who).profile().await?;
            Ok((
                StatusCode::UNPROCESSABLE_ENTITY,
                account_page(
                    &who,
                    &state.helplines,
                    &profile,
                    &errors,
                    None,
                    super::transfer::account_sections(&state, &who, &[]).await?,
                ),
            )
                .into_response())
        }
        Err(e) => Err(e.into()),
    }
}

fn delete_page(who: &Unlocked, errors: &[Invalid]) -> Markup {
    layout::page(
        "Delete account",
        Some(who),
        html! {
            h1 { "Delete your account?" }
            p { "Everything goes: your check-ins, journal and settings, and your threads and replies in circles and under Learn articles. There is no undo, and we keep no copy." }
            (error_summary(errors))
            form method="post" action="/account/delete" class="stack" novalidate {
                (csrf(who))
                input type="text" name="username" autocomplete="username" aria-label="Handle" value=(who.handle) hidden;
                div {
                    label for="passphrase" { "Your passphrase, to confirm" }
                    input id="passphrase" name="passphrase" type="password" autocomplete="current-password" required;
                    (field_error(errors, "passphrase"))
                }
                div class="actions" {
                    button type="submit" class="danger" { "Delete everything" }
                    a href="/account" { "Keep my account" }
                }
            }
        },
    )
}

pub async fn confirm_delete(Person(who): Person) -> Markup {
    delete_page(&who, &[])
}

pub async fn delete(
    State(state): State<AppState>,
    SignedForm { who, form }: SignedForm<DeleteForm>,
) -> Result<Response, PageError> {
    passphrase_limit(&state, &who).await?;
    match state
        .services
        .accounts()
        .delete(&who, &form.passphrase)
        .await
    {
        Ok(()) => {
            let mut res = Redirect::to("/signin?deleted=1").into_response();
            res.headers_mut().append(
                header::SET_COOKIE,
                set_cookie(SESSION_COOKIE, "", 0, state.secure_cookies),
            );
            Ok(res)
        }
        Err(ServiceError::Invalid(errors)) => {
            Ok((StatusCode::UNPROCESSABLE_ENTITY, delete_page(&who, &errors)).into_response())
        }
        Err(e) => Err(e.into()),
    }
}

fn download(content_type: &'static str, filename: &str, body: String) -> Response {
    let disposition = format!("attachment; filename=\"{filename}\"");
    let mut res = ([(header::CONTENT_TYPE, content_type)], body).into_response();
    if let Ok(v) = header::HeaderValue::from_str(&disposition) {
        res.headers_mut().insert(header::CONTENT_DISPOSITION, v);
    }
    res
}

/// Everything, as JSON: every record of every kind, opened for its owner.
pub async fn export_json(
    State(state): State<AppState>,
    Person(who): Person,
) -> Result<Response, PageError> {
    let doc = state.services.records(&who).export(now()).await?;
    let body = serde_json::to_string_pretty(&doc)?;
    Ok(download("application/json", "tend-export.json", body))
}

/// Daily check-ins as CSV, one row a day, for a spreadsheet.
pub async fn export_checkins_csv(
    State(state): State<AppState>,
    Person(who): Person,
) -> Result<Response, PageError> {
    let list = state
        .services
        .records(&who)
        .list::<Checkin>(&RecordFilter::default())
        .await?;
    let mut out = String::from("day,mood,energy,sleep_hours,movement_minutes,meals,joy,note\n");
    for c in list.iter().rev() {
        let v = &c.value;
        let meals = match v.meals {
            Meals::Eaten => "eaten",
            Meals::Skipped => "skipped",
        };
        out.push_str(&format!(
            "{},{},{},{},{},{},{},{}\n",
            c.day.map(|d| d.to_string()).unwrap_or_default(),
            v.mood,
            v.energy,
            v.sleep_hours,
            v.movement_minutes,
            meals,
            csv_field(&v.joy),
            csv_field(&v.note)
        ));
    }
    Ok(download(
        "text/csv; charset=utf-8",
        "tend-checkins.csv",
        out,
    ))
}

/// The journal as one Markdown file, oldest first.
pub async fn export_journal_md(
    State(state): State<AppState>,
    Person(who): Person,
) -> Result<Response, PageError> {
    let list = state
        .services
        .records(&who)
        .list::<JournalEntry>(&RecordFilter::default())
        .await?;
    let mut out = String::from("# My tend journal\n");
    for e in list.iter().rev() {
        let day = e.day.map(|d| d.to_string()).unwrap_or_default();
        out.push_str(&format!(
            "\n## {} ({day})\n\n{}\n",
            e.value.display_title(),
            e.value.body
        ));
    }
    Ok(download(
        "text/markdown; charset=utf-8",
        "tend-journal.md",
        out,
    ))
}

/// Ends every session of this account except the one making the request.
pub async fn sign_out_others(
    State(state): State<AppState>,
    SignedForm { who, .. }: SignedForm<NoFields>,
) -> Result<Response, PageError> {
    state.services.accounts().sign_out_elsewhere(&who).await?;
    Ok(Redirect::to("/account?done=signed-out").into_response())
}
