//! Sign-up (with the one-time recovery code), sign-in, sign-out, recovery.

use crate::web::components::COMMON_ZONES;
use crate::web::extract::NoFields;
use axum::extract::{Query, State};
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::{IntoResponse, Redirect, Response};
use maud::{Markup, html};
use serde::Deserialize;

use crate::domain::Invalid;
use crate::domain::helplines::Helplines;
use crate::service::{Credentials, Limit, NewAccount, ServiceError};
use crate::web::error::PageError;
use crate::web::extract::{
    AnonForm, MaybePerson, SESSION_COOKIE, SignedForm, local_path, pre_session_token, set_cookie,
};
use crate::web::helplines::{self as web_helplines, country_for, known_country};
use crate::web::layout::{self, error_summary, field_error, pre_csrf};
use crate::web::{AppState, now};

#[derive(Debug, Default, Deserialize)]
pub struct SignupForm {
    /// Where to go once the account exists (an invite link, say).
    #[serde(default)]
    next: String,
    #[serde(default)]
    handle: String,
    #[serde(default)]
    passphrase: String,
    #[serde(default)]
    time_zone: String,
    /// Empty: suggested from the time zone.
    #[serde(default)]
    country: String,
}

#[derive(Debug, Default, Deserialize)]
pub struct SigninForm {
    #[serde(default)]
    next: String,
    #[serde(default)]
    handle: String,
    #[serde(default)]
    passphrase: String,
}

#[derive(Debug, Default, Deserialize)]
pub struct RecoverForm {
    #[serde(default)]
    handle: String,
    #[serde(default)]
    recovery_code: String,
    #[serde(default)]
    new_passphrase: String,
}

#[derive(Debug, Default, Deserialize)]
pub struct SigninQuery {
    #[serde(default)]
    next: Option<String>,
    #[serde(default)]
    expired: Option<String>,
    #[serde(default)]
    deleted: Option<String>,
}

#[derive(Debug, Default, Deserialize)]
pub struct WelcomeForm {
    #[serde(default)]
    saved: String,
    #[serde(default)]
    next: String,
}

fn with_pre_cookie(
    headers: &HeaderMap,
    state: &AppState,
    render: impl FnOnce(&str) -> Markup,
) -> Response {
    let (token, set) = pre_session_token(headers, state.secure_cookies);
    let mut res = render(&token).into_response();
    if let Some(c) = set {
        res.headers_mut().append(header::SET_COOKIE, c);
    }
    res
}

async fn rate_limited(state: &AppState, client: &str) -> Result<(), PageError> {
    let limit = Limit::Address {
        per_minute: state.auth_attempts_per_minute,
    };
    Ok(state
        .services
        .limits()
        .attempt(limit, client, now())
        .await?)
}

fn signup_page(h: &Helplines, token: &str, form: &SignupForm, errors: &[Invalid]) -> Markup {
    layout::bare(
        "Create an account",
        html! {
            h1 { "Create an anonymous account" }
            p { "No e-mail and no real name. Choose a handle nobody could link to you, and a passphrase only you know." }
            (error_summary(errors))
            form method="post" action="/signup" class="stack" novalidate {
                (pre_csrf(token))
                @if local_path(&form.next).is_some() { input type="hidden" name="next" value=(form.next); }
                div {
                    label for="handle" { "Handle" span class="hint" { "3–32 letters, digits, . _ or -. Others never see it." } }
                    input id="handle" name="handle" type="text" autocomplete="username" autocapitalize="none" spellcheck="false"
                        required minlength="3" maxlength="32" value=(form.handle)
                        aria-invalid=[layout::has_error(errors, "handle").then_some("true")]
                        aria-describedby=[layout::has_error(errors, "handle").then_some("handle-error")];
                    (field_error(errors, "handle"))
                }
                div {
                    label for="passphrase" { "Passphrase" span class="hint" { "At least 10 characters. A few unrelated words works well." } }
                    input id="passphrase" name="passphrase" type="password" autocomplete="new-password" required minlength="10"
                        aria-invalid=[layout::has_error(errors, "passphrase").then_some("true")]
                        aria-describedby=[layout::has_error(errors, "passphrase").then_some("passphrase-error")];
                    (field_error(errors, "passphrase"))
                }
                div {
                    label for="time_zone" { "Your time zone" span class="hint" { "So \"today\" means your today. For example Europe/London or America/Chicago." } }
                    input id="time_zone" name="time_zone" type="text" autocomplete="off" list="zones" value=(form.time_zone);
                    datalist id="zones" {
                        @for z in COMMON_ZONES { option value=(z) {} }
                    }
                    (field_error(errors, "time_zone"))
                }
                div {
                    label for="country" { "Your country" span class="hint" { "Its help lines come first. You can change it on your account page." } }
                    (web_helplines::select(h, known_country(h, &form.country).as_deref(), None))
                }
                p class="muted" { "Your passphrase unlocks your encrypted data. If you forget it, only the recovery code we show next can get you back in." }
                div class="actions" { button type="submit" { "Create account" } }
            }
            script src=(crate::web::assets::url("tz.js")) {}
        },
    )
}

pub async fn signup_form(
    State(state): State<AppState>,
    headers: HeaderMap,
    MaybePerson(who): MaybePerson,
    Query(q): Query<SigninQuery>,
) -> Response {
    if who.is_some() {
        return Redirect::to("/today").into_response();
    }
    let form = SignupForm {
        // A country chosen on the help page before signing up stays chosen.
        country: country_for(&state.helplines, None, &headers).unwrap_or_default(),
        next: q
            .next
            .as_deref()
            .and_then(local_path)
            .unwrap_or_default()
            .to_owned(),
        ..SignupForm::default()
    };
    with_pre_cookie(&headers, &state, |t| {
        signup_page(&state.helplines, t, &form, &[])
    })
}

pub async fn signup(
    State(state): State<AppState>,
    headers: HeaderMap,
    AnonForm { form, client }: AnonForm<SignupForm>,
) -> Result<Response, PageError> {
    rate_limited(&state, &client).await?;
    let redo = |errors: Vec<Invalid>| {
        let token = pre_session_token(&headers, state.secure_cookies).0;
        let cleared = SignupForm {
            next: form.next.clone(),
            passphrase: String::new(),
            handle: form.handle.clone(),
            time_zone: form.time_zone.clone(),
            country: form.country.clone(),
        };
        Ok((
            StatusCode::UNPROCESSABLE_ENTITY,
            signup_page(&state.helplines, &token, &cleared, &errors),
        )
            .into_response())
    };
    let created = match state
        .services
        .accounts()
        .sign_up(&form.handle, &form.passphrase, &form.time_zone, now())
        .await
    {
        Ok(c) => c,
        Err(ServiceError::Invalid(errors)) => return redo(errors),
        Err(ServiceError::HandleTaken) => {
            return redo(vec![Invalid::new(
                "handle",
                "That handle is taken. Please choose another.",
            )]);
        }
        Err(e) => return Err(e.into()),
    };
    let token = created.token.encode();
    // A country picked from the list is kept in the new sealed profile; left on
    // "from my time zone", nothing is stored and the zone suggests one.
    if let Some(country) = known_country(&state.helplines, &form.country)
        && let Some(who) = state
            .services
            .accounts()
            .authenticate(&token, now())
            .await?
    {
        let records = state.services.records(&who);
        let mut profile = records.profile().await?;
        profile.country = Some(country);
        records.put_slot("profile", None, profile, now()).await?;
    }
    let mut res = recovery_code_page(&created, "Your account is ready", &form.next).into_response();
    res.headers_mut().append(
        header::SET_COOKIE,
        set_cookie(
            SESSION_COOKIE,
            &token,
            state.services.session_ttl,
            state.secure_cookies,
        ),
    );
    Ok(res)
}

/// The one and only time a recovery code is shown.
fn recovery_code_page(created: &NewAccount, heading: &str, next: &str) -> Markup {
    layout::bare(
        "Save your recovery code",
        html! {
            h1 { (heading) }
            p { "Here is your " strong { "recovery code" } ". It is the only way back in if you forget your passphrase. "
                "We can't show it again and we can't reset it for you, because we never see your passphrase." }
            p class="recovery-code" aria-label="Recovery code" { (created.recovery_code.as_str()) }
            p { "Write it down or keep it in a password manager. Signed in as " strong { (created.handle) } "." }
            form method="post" action="/welcome" class="stack" {
                input type="hidden" name="csrf" value=(created.token.csrf_token());
                @if local_path(next).is_some() { input type="hidden" name="next" value=(next); }
                label class="choice" {
                    input type="checkbox" name="saved" value="yes" required;
                    " I have saved my recovery code somewhere safe"
                }
                div class="actions" { button type="submit" { "Continue" } }
            }
        },
    )
}

pub async fn welcome(SignedForm { form, .. }: SignedForm<WelcomeForm>) -> Response {
    if form.saved != "yes" {
        return (
            StatusCode::UNPROCESSABLE_ENTITY,
            layout::bare(
                "Your recovery code",
                html! {
                    h1 { "Please make sure your code is safe" }
                    p { "For your privacy the code is no longer shown. If you didn't save it, you can still get a new one: "
                        "sign out, then use “Forgot your passphrase?” with your old code, or keep your passphrase safe." }
                    p { a class="button" href="/today" { "Go to today" } }
                },
            ),
        )
            .into_response();
    }
    match local_path(&form.next) {
        Some(next) => Redirect::to(next).into_response(),
        None => Redirect::to("/today?welcome=1").into_response(),
    }
}

fn signin_page(
    token: &str,
    handle: &str,
    next: &str,
    message: Option<&str>,
    failed: bool,
) -> Markup {
    layout::bare(
        "Sign in",
        html! {
            h1 { "Sign in" }
            @if let Some(m) = message { (layout::notice(m)) }
            @if failed {
                div class="errors" role="alert" id="errors" tabindex="-1" {
                    p { "That handle and passphrase don't match an account. Please check both and try again." }
                }
            }
            form method="post" action="/signin" class="stack" {
                (pre_csrf(token))
                @if local_path(next).is_some() { input type="hidden" name="next" value=(next); }
                div {
                    label for="handle" { "Handle" }
                    input id="handle" name="handle" type="text" autocomplete="username" autocapitalize="none" spellcheck="false" required value=(handle);
                }
                div {
                    label for="passphrase" { "Passphrase" }
                    input id="passphrase" name="passphrase" type="password" autocomplete="current-password" required;
                }
                div class="actions" {
                    button type="submit" { "Sign in" }
                    a href="/recover" { "Forgot your passphrase?" }
                }
            }
            p { "New here? "
                @if local_path(next).is_some() {
                    a href={ "/signup?" (serde_urlencoded::to_string([("next", next)]).unwrap_or_default()) } { "Create an anonymous account" }
                } @else {
                    a href="/signup" { "Create an anonymous account" }
                }
                "." }
        },
    )
}

pub async fn signin_form(
    State(state): State<AppState>,
    headers: HeaderMap,
    Query(q): Query<SigninQuery>,
) -> Response {
    let message = if q.expired.is_some() {
        Some("Your sign-in ended. Please sign in again.")
    } else if q.deleted.is_some() {
        Some("Your account was deleted. Take good care of yourself.")
    } else {
        None
    };
    let next = q.next.as_deref().and_then(local_path).unwrap_or_default();
    with_pre_cookie(&headers, &state, |t| {
        signin_page(t, "", next, message, false)
    })
}

pub async fn signin(
    State(state): State<AppState>,
    headers: HeaderMap,
    AnonForm { form, client }: AnonForm<SigninForm>,
) -> Result<Response, PageError> {
    rate_limited(&state, &client).await?;
    let creds = Credentials {
        handle: &form.handle,
        passphrase: &form.passphrase,
    };
    match state.services.accounts().sign_in(creds, now()).await {
        Ok(token) => {
            let to = local_path(&form.next).unwrap_or("/today");
            let mut res = Redirect::to(to).into_response();
            res.headers_mut().append(
                header::SET_COOKIE,
                set_cookie(
                    SESSION_COOKIE,
                    &token.encode(),
                    state.services.session_ttl,
                    state.secure_cookies,
                ),
            );
            Ok(res)
        }
        Err(ServiceError::BadCredentials) => {
            let token = pre_session_token(&headers, state.secure_cookies).0;
            Ok((
                StatusCode::UNAUTHORIZED,
                signin_page(&token, &form.handle, &form.next, None, true),
            )
                .into_response())
        }
        Err(e) => Err(e.into()),
    }
}

pub async fn signout(
    State(state): State<AppState>,
    SignedForm { who, .. }: SignedForm<NoFields>,
) -> Result<Response, PageError> {
    state.services.accounts().sign_out(&who).await?;
    let mut res = Redirect::to("/").into_response();
    res.headers_mut().append(
        header::SET_COOKIE,
        set_cookie(SESSION_COOKIE, "", 0, state.secure_cookies),
    );
    res.headers_mut().insert(
        "clear-site-data",
        header::HeaderValue::from_static(super::app::CLEAR_SITE_DATA),
    );
    Ok(res)
}

fn recover_page(token: &str, handle: &str, errors: &[Invalid], failed: bool) -> Markup {
    layout::bare(
        "Use your recovery code",
        html! {
            h1 { "Forgot your passphrase?" }
            p { "Enter your handle and the recovery code you saved when you created your account, then choose a new passphrase. "
                "Everything you wrote stays, and you get a fresh recovery code." }
            (error_summary(errors))
            @if failed {
                div class="errors" role="alert" id="errors" tabindex="-1" {
                    p { "That handle and recovery code don't match an account. Please check both." }
                }
            }
            form method="post" action="/recover" class="stack" novalidate {
                (pre_csrf(token))
                div {
                    label for="handle" { "Handle" }
                    input id="handle" name="handle" type="text" autocomplete="username" autocapitalize="none" required value=(handle);
                }
                div {
                    label for="recovery_code" { "Recovery code" span class="hint" { "Dashes and spaces don't matter." } }
                    input id="recovery_code" name="recovery_code" type="text" autocomplete="off" autocapitalize="characters" spellcheck="false" required;
                    (field_error(errors, "recovery_code"))
                }
                div {
                    label for="new_passphrase" { "New passphrase" span class="hint" { "At least 10 characters." } }
                    input id="new_passphrase" name="new_passphrase" type="password" autocomplete="new-password" required;
                    (field_error(errors, "new_passphrase"))
                }
                div class="actions" { button type="submit" { "Set new passphrase" } }
            }
        },
    )
}

pub async fn recover_form(State(state): State<AppState>, headers: HeaderMap) -> Response {
    with_pre_cookie(&headers, &state, |t| recover_page(t, "", &[], false))
}

pub async fn recover(
    State(state): State<AppState>,
    headers: HeaderMap,
    AnonForm { form, client }: AnonForm<RecoverForm>,
) -> Result<Response, PageError> {
    rate_limited(&state, &client).await?;
    let token = || pre_session_token(&headers, state.secure_cookies).0;
    match state
        .services
        .accounts()
        .recover(
            &form.handle,
            &form.recovery_code,
            &form.new_passphrase,
            now(),
        )
        .await
    {
        Ok(created) => {
            let mut res =
                recovery_code_page(&created, "Your new passphrase is set", "").into_response();
            res.headers_mut().append(
                header::SET_COOKIE,
                set_cookie(
                    SESSION_COOKIE,
                    &created.token.encode(),
                    state.services.session_ttl,
                    state.secure_cookies,
                ),
            );
            Ok(res)
        }
        Err(ServiceError::Invalid(errors)) => Ok((
            StatusCode::UNPROCESSABLE_ENTITY,
            recover_page(&token(), &form.handle, &errors, false),
        )
            .into_response()),
        Err(ServiceError::BadCredentials) => Ok((
            StatusCode::UNAUTHORIZED,
            recover_page(&token(), &form.handle, &[], true),
        )
            .into_response()),
        Err(e) => Err(e.into()),
    }
}
