//! The page shell and small form helpers shared by every page.

use maud::{DOCTYPE, Markup, html};

use crate::domain::Invalid;
use crate::service::Unlocked;

/// Every page: a skip link, the navigation, the always-visible "Get help now"
/// link, and a footer that says plainly that tend is not monitored.
pub fn page(title: &str, who: Option<&Unlocked>, content: Markup) -> Markup {
    html! {
        (DOCTYPE)
        html lang="en" {
            head {
                meta charset="utf-8";
                meta name="viewport" content="width=device-width, initial-scale=1";
                meta name="color-scheme" content="light dark";
                title { (title) " · tend" }
                meta name="theme-color" content="#1d5f8a";
                link rel="stylesheet" href=(crate::web::assets::url("tend.css"));
                link rel="icon" href="/static/icon.svg" type="image/svg+xml";
                link rel="apple-touch-icon" href="/static/icon-192.png";
                link rel="manifest" href="/manifest.webmanifest";
                // Optional: offline help and the idle lock. Pages work without it.
                script src="/static/app.js" defer {}
            }
            body {
                a class="skip" href="#main" { "Skip to content" }
                header class="top" {
                    div class="bar" {
                        a class="brand" href="/" { "tend" }
                        // Both are on every page, signed in or not, one click away.
                        a class="hard-moment" href="/hard-moment" { "Hard moment" }
                        a class="help-now" href="/help" { "Get help now" }
                    }
                    nav aria-label="Main" {
                        @if who.is_some() {
                            a href="/today" { "Today" }
                            a href="/critic/new" { "Notice a thought" }
                            a href="/practices" { "Practise" }
                            a href="/journal" { "Journal" }
                            a href="/circles" { "Circles" }
                            @if let Some(w) = who { (notices_link(w.unread)) }
                            a href="/learn" { "Learn" }
                            a href="/account" { "Account" }
                            // For shared computers: ends the session at once.
                            form method="post" action="/lock" class="lock-form" {
                                @if let Some(who) = who { (csrf(who)) }
                                button type="submit" class="link" { "Lock" }
                            }
                        } @else {
                            a href="/practices" { "Practise" }
                            a href="/learn" { "Learn" }
                            a href="/signin" { "Sign in" }
                            a href="/signup" { "Create account" }
                        }
                    }
                }
                main id="main" tabindex="-1" { (content) }
                footer {
                    p { "tend is not monitored for emergencies. Your journal and check-ins are private: only you can read them. "
                        "Posts in a circle are read by its members and moderators. "
                        "If you are in danger, call your local emergency number or "
                        a href="/help" { "see help lines" } "." }
                    @if let Some(who) = who {
                        form method="post" action="/signout" class="inline" {
                            (csrf(who))
                            button type="submit" class="link" { "Sign out (" (who.handle) ")" }
                        }
                    }
                }
            }
        }
    }
}

/// The notifications link with its unread count (kept current by
/// `/notifications/live.js` on the notifications page).
fn notices_link(unread: i64) -> Markup {
    html! {
        a href="/notifications" {
            "Notifications"
            span id="notice-count" class="count" hidden[unread == 0] {
                " " (unread) span class="visually-hidden" { " unread" }
            }
        }
    }
}

/// A page without a person (errors, sign-in).
pub fn bare(title: &str, content: Markup) -> Markup {
    page(title, None, content)
}

pub fn csrf(who: &Unlocked) -> Markup {
    html! { input type="hidden" name="csrf" value=(who.csrf); }
}

pub fn pre_csrf(token: &str) -> Markup {
    html! { input type="hidden" name="csrf" value=(token); }
}

/// A summary of problems at the top of a form, linked to the fields, announced
/// to screen readers when the page loads.
pub fn error_summary(errors: &[Invalid]) -> Markup {
    html! {
        @if !errors.is_empty() {
            div class="errors" role="alert" tabindex="-1" id="errors" {
                h2 { "Please check " @if errors.len() == 1 { "one thing" } @else { (errors.len()) " things" } }
                ul {
                    @for e in errors {
                        li { a href={ "#" (e.field) } { (e.message) } }
                    }
                }
            }
        }
    }
}

pub fn field_error(errors: &[Invalid], field: &str) -> Markup {
    html! {
        @for e in errors.iter().filter(|e| e.field == field) {
            p class="field-error" id={ (field) "-error" } { (e.message) }
        }
    }
}

pub fn has_error(errors: &[Invalid], field: &str) -> bool {
    errors.iter().any(|e| e.field == field)
}

/// A flash of good news at the top of a page.
pub fn notice(text: &str) -> Markup {
    html! { p class="notice" role="status" { (text) } }
}

/// Text with line breaks kept, safely escaped.
pub fn paragraphs(text: &str) -> Markup {
    html! {
        @for para in text.split("\n\n") {
            p {
                @for (i, line) in para.lines().enumerate() {
                    @if i > 0 { br; }
                    (line)
                }
            }
        }
    }
}

/// What a "delete this for good?" page says and where its buttons go.
pub struct ConfirmDelete<'a> {
    /// The page title, e.g. "Delete the letter".
    pub title: &'a str,
    pub heading: Markup,
    /// What will happen, in plain words.
    pub detail: Markup,
    /// Where the delete form posts.
    pub action: &'a str,
    pub button: &'a str,
    pub keep_href: &'a str,
    pub keep_label: &'a str,
}

/// One confirmation page for every kind of record, so deleting always looks and
/// works the same: a plain question, what it means, a danger button, a way back.
pub fn confirm_delete(who: &Unlocked, c: ConfirmDelete<'_>) -> Markup {
    page(
        c.title,
        Some(who),
        html! {
            h1 { (c.heading) }
            (c.detail)
            form method="post" action=(c.action) class="actions" {
                (csrf(who))
                button type="submit" class="danger" { (c.button) }
                a href=(c.keep_href) { (c.keep_label) }
            }
        },
    )
}
