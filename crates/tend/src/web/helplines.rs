//! Help lines on a page: which country comes first for this person, and the
//! pieces every page with help uses (the emergency line, the cards, the
//! compact list in the crisis box, the country picker), so a number looks and
//! works the same wherever it appears.

use axum::http::{HeaderMap, HeaderValue};
use maud::{Markup, html};

use super::extract::{cookie, set_cookie};
use super::layout::pre_csrf;
use crate::domain::helplines::{
    ELSEWHERE, Helpline, Helplines, Local, dial_digits, parse_country_code,
};
use crate::service::Unlocked;

/// Holds only a country code (`GB`), for people who are not signed in.
pub const COUNTRY_COOKIE: &str = "tend_country";

/// A year: the country someone is in rarely changes.
const COUNTRY_COOKIE_SECONDS: i64 = 365 * 24 * 3600;

/// A code tend can show lines for, or "somewhere else"; anything else is
/// ignored (a mangled or forged cookie, a country tend has no lines for).
pub fn known_country(h: &Helplines, input: &str) -> Option<String> {
    // Exactly as tend writes it: "gb" or " GB" did not come from tend.
    parse_country_code(input)
        .filter(|c| c == input)
        .filter(|c| c == ELSEWHERE || h.country(c).is_some())
}

/// The country whose lines come first. Signed in: the profile's choice, else
/// the one its time zone suggests. Signed out: the country cookie.
pub fn country_for(h: &Helplines, who: Option<&Unlocked>, headers: &HeaderMap) -> Option<String> {
    match who {
        Some(who) => person_country(h, who),
        None => cookie(headers, COUNTRY_COOKIE).and_then(|c| known_country(h, c)),
    }
}

/// A signed-in person's country (for page parts that have only the person).
pub fn person_country(h: &Helplines, who: &Unlocked) -> Option<String> {
    who.loaded_profile()
        .and_then(|p| p.help_country())
        .and_then(|c| known_country(h, c))
}

/// The lines for a signed-in person, their country's first.
pub fn for_person<'a>(h: &'a Helplines, who: &Unlocked) -> Local<'a> {
    h.local(person_country(h, who).as_deref())
}

pub fn country_cookie(code: &str, secure: bool) -> HeaderValue {
    set_cookie(COUNTRY_COOKIE, code, COUNTRY_COOKIE_SECONDS, secure)
}

/// "Text SHOUT to 85258" or "Text 988".
fn text_label(line: &Helpline, number: &str) -> String {
    if line.text_word.is_empty() {
        format!("Text {number}")
    } else {
        format!("Text {} to {number}", line.text_word)
    }
}

/// A web address as people read it: no scheme, no trailing slash.
fn web_label(web: &str) -> &str {
    let bare = web
        .strip_prefix("https://")
        .or_else(|| web.strip_prefix("http://"))
        .unwrap_or(web);
    let bare = bare.strip_prefix("www.").unwrap_or(bare);
    bare.strip_suffix('/').unwrap_or(bare)
}

/// Call and text buttons: the number as written on the button, digits only
/// in the link.
pub fn buttons(line: &Helpline) -> Markup {
    html! {
        @if !line.call.is_empty() || !line.text.is_empty() {
            p class="actions" {
                @for n in &line.call {
                    a class="button" href={ "tel:" (dial_digits(n)) } { "Call " (n) }
                }
                @for n in &line.text {
                    a class="button secondary" href={ "sms:" (dial_digits(n)) } { (text_label(line, n)) }
                }
            }
        }
    }
}

fn web_link(line: &Helpline) -> Markup {
    html! {
        @if !line.web.is_empty() {
            a href=(line.web) rel="noopener" { (web_label(&line.web)) }
        }
    }
}

/// "Not safe right now? Call 999": first, on its own line.
pub fn emergency(local: &Local<'_>) -> Markup {
    html! {
        @if let Some(e) = local.emergency {
            div class="emergency" {
                p { strong { (e.how) } }
                (buttons(e))
                @if !e.note.is_empty() { p class="muted" { (e.note) } }
            }
        }
    }
}

/// Where the lines are for, with a way to change it (`None` where the
/// picker itself comes next).
pub fn showing_for(local: &Local<'_>, change_href: Option<&str>) -> Markup {
    html! {
        p class="muted showing-for" {
            @match local.country {
                Some(c) => { "Help lines for: " strong { (c.name) } ". " }
                None => { "Help lines for anywhere. Choose your country to see its own lines first. " }
            }
            @if let Some(href) = change_href { a href=(href) { "Change country" } }
        }
    }
}

/// Full cards (the Help page).
pub fn cards(lines: &[&Helpline]) -> Markup {
    html! {
        ul class="lines" {
            @for line in lines {
                li class="card" {
                    h2 { (line.name) }
                    @if line.medicine { p class="tag" { "For doctors and medical students" } }
                    @if !line.how.is_empty() { p { (line.how) } }
                    (buttons(line))
                    @if !line.web.is_empty() { p { (web_link(line)) } }
                    @if !line.note.is_empty() { p class="muted" { (line.note) } }
                }
            }
        }
    }
}

/// A short list for boxes inside other pages (crisis box, hard moment,
/// questionnaires): name, one sentence, the buttons.
pub fn compact<'a>(lines: impl IntoIterator<Item = &'a Helpline>) -> Markup {
    html! {
        ul class="lines compact" {
            @for line in lines {
                li {
                    strong { (line.name) }
                    @if line.medicine { " " span class="tag" { "for doctors and medical students" } }
                    @if !line.how.is_empty() { br; (line.how) }
                    (buttons(line))
                    @if line.call.is_empty() && line.text.is_empty() && !line.web.is_empty() {
                        p { (web_link(line)) }
                    }
                }
            }
        }
    }
}

/// The country picker for people who are not signed in: a plain form that
/// posts the choice, sets the cookie and comes back to `back` (no script).
pub fn picker(h: &Helplines, current: Option<&str>, back: &str, pre_token: &str) -> Markup {
    html! {
        form method="post" action="/help/country" class="country-picker" id="country" {
            (pre_csrf(pre_token))
            input type="hidden" name="back" value=(back);
            label for="country-select" { "Which country are you in?" }
            div class="actions" {
                select id="country-select" name="country" {
                    @if current.is_none() { option value="" selected { "Choose…" } }
                    @for c in &h.countries {
                        option value=(c.code) selected[current == Some(c.code.as_str())] { (c.name) }
                    }
                    option value=(ELSEWHERE) selected[current == Some(ELSEWHERE)] { "Somewhere else" }
                }
                button type="submit" class="secondary" { "Show lines" }
            }
            p class="hint" { "Remembered on this device only, in a cookie that holds just the country." }
        }
    }
}

/// A `<select>` of countries for signed-in forms (sign-up, account), with
/// "from my time zone" first; `chosen` is the stored choice.
pub fn select(h: &Helplines, chosen: Option<&str>, suggested: Option<&str>) -> Markup {
    let from_zone = match suggested.and_then(|c| h.country(c)) {
        Some(c) => format!("{} (from my time zone)", c.name),
        None => "From my time zone".to_owned(),
    };
    html! {
        select id="country" name="country" {
            option value="" selected[chosen.is_none()] { (from_zone) }
            @for c in &h.countries {
                option value=(c.code) selected[chosen == Some(c.code.as_str())] { (c.name) }
            }
            option value=(ELSEWHERE) selected[chosen == Some(ELSEWHERE)] { "Somewhere else" }
        }
    }
}

/// The lines of the other countries, folded away (the Help page).
pub fn other_countries(h: &Helplines, local: &Local<'_>) -> Markup {
    let mine = local.country.map(|c| c.code.as_str());
    html! {
        section aria-labelledby="others-h" {
            h2 id="others-h" { "Lines in other countries" }
            @for c in h.countries.iter().filter(|c| Some(c.code.as_str()) != mine) {
                details class="card" {
                    summary { (c.name) }
                    (compact(h.of_country(&c.code)))
                }
            }
        }
    }
}
