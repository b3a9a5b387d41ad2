//! The page shell and small form helpers shared by every page.

use maud::{DOCTYPE, Markup, Render, html};

use crate::domain::Invalid;
use crate::service::Unlocked;

/// Every page: a skip link, the navigation, the always-visible "Get help now"
/// link, and a footer that says plainly that tend is not monitored.
pub fn page(title: &str, who: Option<&Unlocked>, content: Markup) -> Markup {
    html! {
        (Reserve(content.0.len() + SHELL_BYTES))
        (DOCTYPE)
        html lang="en" {
            head {
                meta charset="utf-8";
                meta name="viewport" content="width=device-width, initial-scale=1";
                meta name="color-scheme" content="light dark";
                title { (title) " · tend" }
                meta name="description" content=(description(title));
                meta name="theme-color" content="#ffffff" media="(prefers-color-scheme: light)";
                meta name="theme-color" content="#1a2124" media="(prefers-color-scheme: dark)";
                link rel="stylesheet" href=(crate::web::assets::url("tend.css"));
                link rel="icon" href=(crate::web::assets::url("icon.svg")) type="image/svg+xml";
                link rel="apple-touch-icon" href=(crate::web::assets::url("icon-192.png"));
                link rel="manifest" href="/manifest.webmanifest";
                // Optional: offline help and the idle lock. Pages work without it.
                script src=(crate::web::assets::url("app.js")) defer {}
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
                            a href="/critic/new" { "Notice the critic" }
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

/// The one-sentence summary search engines and link previews show, looked up
/// by the page title so that no page needs to pass it. Pages without their own
/// line (records, edits, errors) share the general one.
pub fn description(title: &str) -> &'static str {
    match title {
        "Welcome" => {
            "tend is a private, anonymous self-compassion companion for medical students: a daily check-in, a journal and kind practices."
        }
        "Today" => {
            "Your day in tend: one kind next step, a quick daily check-in and your week at a glance."
        }
        "Daily check-in" => {
            "A thirty-second daily check-in: mood, energy, sleep and meals, private to you."
        }
        "Get help now" | "Help is here" => {
            "Crisis and support lines you can call or text now, for the country you are in."
        }
        "A hard moment" => {
            "For a hard moment: slow down, breathe, and find someone to talk to now."
        }
        "Journal" | "New entry" => {
            "Your private journal: a line or two is plenty, and only you can read it."
        }
        "Notice the critic" => {
            "Notice the inner critic in a sentence and answer it as you would a friend."
        }
        "Your critic log" => {
            "Your critic log: when and where the inner critic shows up, and the kinder answers you found."
        }
        "Practise" => {
            "Short guided practices: a breathing space, a body scan, loving-kindness and more."
        }
        "Self-kindness" => {
            "Self-kindness: a two-minute self-compassion break and a compassionate letter."
        }
        "Mistake debriefs" | "Mistake debrief" => {
            "Debrief a hard day on the ward or a bad exam: what happened, what you felt, and one kind sentence."
        }
        t if t.starts_with("Goals for") => {
            "This week's goals, checked against the hours you really have."
        }
        "Self-care" => {
            "How your sleep, movement, meals and mood have gone lately, from your daily check-ins."
        }
        "Three good things" => {
            "Three good things: notice what went well, and find a past one on a hard day."
        }
        "Questionnaires" => {
            "Short, validated questionnaires on well-being, stress and self-compassion, with plain results."
        }
        t if t.ends_with("review") || t.starts_with("Review of") => {
            "Your week in one place, and a moment to reflect on it."
        }
        "Support" => "The people you can reach and the help lines near you.",
        "My safety plan" => {
            "Your safety plan: warning signs, what helps, and who to call, ready for a hard moment."
        }
        "Learn" => {
            "Ten short steps of self-compassion for medical students, and what the research shows."
        }
        "Circles" => {
            "Peer support circles: small, moderated groups of students who meet and share."
        }
        "Account" => "Your account: time zone, country, passphrase, export and deletion.",
        "Sign in" => "Sign in to tend with your handle and passphrase.",
        "Create an account" => {
            "Create an anonymous tend account: a handle and a passphrase, no e-mail."
        }
        "Programmes" => {
            "Programmes: contribute anonymous group totals to your school's well-being programme."
        }
        _ => "tend: a private, anonymous self-compassion companion for medical students.",
    }
}

/// "Required", shown beside a field's label before anyone submits.
pub fn required() -> Markup {
    html! { " " span class="req" { "(required)" } }
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

/// A fresh random submission id for a form that creates a record: the
/// server creates one record per id, so a double click or the offline queue
/// sending the form twice saves it once (see `extract::CreateForm`).
pub fn submission() -> Markup {
    let id = uuid::Uuid::new_v4().simple().to_string();
    html! { input type="hidden" name="submission" value=(id); }
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

/// About what the shell around a page's content takes (head, navigation,
/// footer), a little over.
const SHELL_BYTES: usize = 4096;

/// Room for this many more bytes in the page being built; writes nothing.
/// `html!` starts a page with a buffer the size of its template and grows it
/// by doubling, which for a 40 KB thread page meant five copies of what was
/// already written; the shell knows its content's length before it starts.
pub(crate) struct Reserve(pub usize);

impl Render for Reserve {
    fn render_to(&self, out: &mut String) {
        out.reserve(self.0);
    }
}

/// Text with line breaks kept, safely escaped: a blank line starts a new
/// paragraph and a single newline becomes `<br>`.
pub fn paragraphs(text: &str) -> Paragraphs<'_> {
    Paragraphs(text)
}

/// [`paragraphs`], written straight into the page being built rather than
/// into a string of its own (what `html!` makes); a thread page holds a
/// hundred of these.
pub struct Paragraphs<'a>(&'a str);

impl Render for Paragraphs<'_> {
    fn render_to(&self, out: &mut String) {
        for para in self.0.split("\n\n") {
            out.push_str("<p>");
            for (i, line) in para.lines().enumerate() {
                if i > 0 {
                    out.push_str("<br>");
                }
                escape_into(line, out);
            }
            out.push_str("</p>");
        }
    }
}

/// Escapes `text` for HTML onto `out`, the same four characters as maud
/// (`&`, `<`, `>`, `"`), copying the runs between them whole instead of byte
/// by byte: most words people write contain none of them.
pub fn escape_into(text: &str, out: &mut String) {
    let mut start = 0;
    for (i, b) in text.bytes().enumerate() {
        let entity = match b {
            b'&' => "&amp;",
            b'<' => "&lt;",
            b'>' => "&gt;",
            b'"' => "&quot;",
            _ => continue,
        };
        // `i` is the position of an ASCII byte, so always a char boundary.
        out.push_str(&text[start..i]);
        out.push_str(entity);
        start = i + 1;
    }
    out.push_str(&text[start..]);
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

#[cfg(test)]
mod tests {
    use super::*;

    /// Texts with every escaped character, at the ends and side by side,
    /// multi-byte letters, blank lines and Windows line ends.
    const SAMPLES: &[&str] = &[
        "",
        "plain words",
        "<script>alert(\"x\")</script> & more",
        "&&<<>>\"\"",
        "ends with <",
        "> starts it",
        "héllo — ünïcode ♥ <b>",
        "one\ntwo\n\nthree",
        "a\r\nb\r\n\r\nc",
        "\n\n\n",
        "trailing\n",
    ];

    #[test]
    fn escaping_matches_maud_for_every_sample() {
        for text in SAMPLES {
            let mut ours = String::new();
            escape_into(text, &mut ours);
            assert_eq!(ours, html! { (text) }.into_string(), "for {text:?}");
        }
    }

    #[test]
    fn paragraphs_match_the_template_they_replace() {
        // The `html!` template `paragraphs` was before it wrote straight into
        // the page; the page's markup must not change.
        fn template(text: &str) -> String {
            html! {
                @for para in text.split("\n\n") {
                    p { @for (i, line) in para.lines().enumerate() { @if i > 0 { br; } (line) } }
                }
            }
            .into_string()
        }
        for text in SAMPLES {
            assert_eq!(
                html! { (paragraphs(text)) }.into_string(),
                template(text),
                "for {text:?}"
            );
        }
        assert_eq!(
            html! { (paragraphs("Hi <you>\nsecond line\n\nnext")) }.into_string(),
            "<p>Hi &lt;you&gt;<br>second line</p><p>next</p>"
        );
    }
}
