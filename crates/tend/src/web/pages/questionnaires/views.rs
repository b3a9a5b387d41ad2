//! The questionnaire pages' HTML. No I/O: each function renders what a
//! handler fetched.

use jiff::civil::Date;
use maud::{Markup, PreEscaped, html};
use tend_instruments::{
    Catalog, Change, Instrument, ScoreResult, chart_sentence, render_chart_svg,
    render_chart_svg_narrow, render_chart_table,
};

use crate::domain::Invalid;
use crate::domain::helplines::Local;
use crate::domain::questionnaire::{Draft, Response as Answers, from_time, to_time};
use crate::service::questionnaires::{Due, score_of};
use crate::service::{Stored, Unlocked};
use crate::web::format::number as num;
use crate::web::helplines as web_helplines;
use crate::web::layout::{self, csrf, error_summary, field_error, has_error};

fn nice_date(d: Date) -> String {
    crate::web::format::date(d)
}

/// Chart points for one instrument, from responses in any order.
pub(super) fn points(
    inst: &Instrument,
    responses: &[Stored<Answers>],
) -> Vec<(tend_instruments::time::Date, f64)> {
    responses
        .iter()
        .filter(|r| r.value.instrument == inst.id)
        .filter_map(|r| {
            let day = to_time(r.day?)?;
            let score = score_of(inst, &r.value)?.score?;
            Some((day, score))
        })
        .collect()
}

/// The crisis message and lines, shown before anything else.
pub(super) fn crisis_block(h: &Local<'_>) -> Markup {
    html! {
        section class="q-crisis" aria-labelledby="crisis-h" {
            h2 id="crisis-h" { "You don't have to carry this alone" }
            p { "You said you have had thoughts of being better off dead or of hurting yourself. "
                "Thank you for being honest about something so hard. Thoughts like these are more common "
                "than people say, especially under pressure, and they deserve care, not silence." }
            // The emergency number and the person's own country's lines come
            // first, with their call buttons, before anything else on the page.
            (web_helplines::emergency(h))
            p { "Otherwise, please talk to someone today. These lines are free and confidential:" }
            (web_helplines::compact(h.crisis_lines()))
            p class="muted" { "tend can't see your answers and won't contact anyone for you. Nothing about this is sent anywhere." }
        }
    }
}

fn support_block(h: &Local<'_>) -> Markup {
    html! {
        section class="q-support" aria-labelledby="support-h" {
            h2 id="support-h" { "Support is here" }
            p { "Your answers suggest things have been heavy lately. You deserve support, and reaching out "
                "to a person, a counsellor or a doctor is a strong, sensible step." }
            p class="actions" {
                a class="button" href="/help" { "See help lines" }
                a class="button secondary" href="/hard-moment" { "Take a short pause" }
            }
            @if let Some(first) = h.crisis_lines().next() {
                p { strong { (first.name) } ": " (first.how) }
                (web_helplines::buttons(first))
            }
        }
    }
}

/// The questionnaires page: what is ready, the person's own questionnaires with their
/// last result, the others, and the settings form.
pub(super) fn list(
    catalog: &Catalog,
    who: &Unlocked,
    due: &Due,
    errors: &[Invalid],
    saved: bool,
) -> Markup {
    let prefs = &due.preferences;
    let statuses = due.statuses.as_slice();
    let latest = &due.latest;
    let ready = due.offered();
    let paused = due.paused;
    let others: Vec<&Instrument> = catalog
        .instruments()
        .iter()
        .filter(|i| !prefs.instruments.contains(&i.id))
        .collect();
    let name = |id: &str| {
        catalog
            .get(id)
            .map_or_else(|| id.to_owned(), |i| i.short_name.clone())
    };

    layout::page(
        "Questionnaires",
        Some(who),
        html! {
            h1 { "Questionnaires" }
            @if saved { (layout::notice("Your choices are saved.")) }
            (error_summary(errors))
            p { "Short, well-studied questionnaires to notice how you are doing over time. "
                "They are never a diagnosis, your answers are encrypted, and nothing is sent anywhere." }
            section aria-labelledby="due-h" {
                h2 id="due-h" { "Ready for you" }
                @if paused {
                    p { "Your questionnaires are paused"
                        @if let Some(until) = prefs.paused_until.as_deref().and_then(|d| d.parse::<Date>().ok()) {
                            " until " (nice_date(until))
                        }
                        ". Take all the time you need; you can still open any of them below." }
                } @else if ready.is_empty() {
                    p { "Nothing is waiting for you right now. Each questionnaire comes back when enough time has passed for it to mean something." }
                } @else {
                    ul class="q-due" {
                        @for s in &ready {
                            li { a class="button" href={ "/questionnaires/" (s.instrument) } { (name(&s.instrument)) } }
                        }
                    }
                }
            }
            section aria-labelledby="mine-h" {
                h2 id="mine-h" { "Your questionnaires" }
                @if statuses.is_empty() {
                    p { "You haven't chosen any. Pick some below whenever you like." }
                }
                ul class="entries" {
                    @for s in statuses {
                        @if let Some(inst) = catalog.get(&s.instrument) {
                            li {
                                a href={ "/questionnaires/" (inst.id) } { (inst.short_name) }
                                " · " span class="muted" { (inst.name) }
                                br;
                                @match latest.get(inst.id.as_str()) {
                                    Some(r) => {
                                        @let res = score_of(inst, &r.value);
                                        a href={ "/questionnaires/" (inst.id) "/results/" (r.id) } {
                                            "Last time"
                                            @if let Some(d) = r.day { " (" (nice_date(d)) ")" }
                                            ": "
                                            @match res.as_ref().and_then(|x| x.score) {
                                                Some(v) => { (num(v)) }
                                                None => { "not scored" }
                                            }
                                            @if let Some(b) = res.as_ref().and_then(|x| x.band.clone()) { ", " (b) }
                                        }
                                    }
                                    None => { span class="muted" { "Not taken yet." } }
                                }
                                @if !s.due && !paused {
                                    @if let Some(next) = s.next_due.and_then(from_time) {
                                        br; span class="muted" { "Back for you from " (nice_date(next)) "." }
                                    }
                                }
                            }
                        }
                    }
                }
            }
            @if !others.is_empty() {
                section aria-labelledby="others-h" {
                    h2 id="others-h" { "Other questionnaires" }
                    p class="muted" { "You can take any of these now; add them below to have them come back on a schedule." }
                    ul class="entries" {
                        @for i in &others {
                            li { a href={ "/questionnaires/" (i.id) } { (i.short_name) } " · " span class="muted" { (i.name) } }
                        }
                    }
                }
            }
            section aria-labelledby="settings-h" {
                h2 id="settings-h" { "Choose your questionnaires" }
                form method="post" action="/questionnaires/settings" class="stack" novalidate {
                    (csrf(who))
                    fieldset id="instruments" {
                        legend { "Which questionnaires would you like to come back on a schedule?" }
                        div class="choice q-choices" {
                            @for i in catalog.instruments() {
                                label {
                                    input type="checkbox" name={ "want-" (i.id) } value="on" checked[prefs.instruments.contains(&i.id)];
                                    span { strong { (i.short_name) } " · " (i.name)
                                        span class="hint" { @if i.min_interval_days <= 14 { "At most every two weeks." } @else { "At most monthly." } } }
                                }
                            }
                        }
                        (field_error(errors, "instruments"))
                    }
                    fieldset id="pause" {
                        legend { "Pause" }
                        div class="choice" {
                            @if paused {
                                label { input type="radio" name="pause" value="keep" checked; " Keep my pause as it is" }
                            }
                            label { input type="radio" name="pause" value="none" checked[!paused]; " Not paused" }
                            label { input type="radio" name="pause" value="2w"; " Pause for two weeks" }
                            label { input type="radio" name="pause" value="4w"; " Pause for four weeks" }
                            label { input type="radio" name="pause" value="indefinitely"; " Pause until I come back" }
                        }
                        (field_error(errors, "pause"))
                    }
                    div class="actions" { button type="submit" { "Save my choices" } }
                }
            }
        },
    )
}

/// A questionnaire's first screen: what it measures, and start or carry on.
pub(super) fn intro(who: &Unlocked, inst: &Instrument, d: &Draft) -> Markup {
    let id = &inst.id;
    let started = d.answered() > 0;
    let start = match d.first_unanswered() {
        Some(k) => format!("/questionnaires/{id}/q/{k}"),
        None => format!("/questionnaires/{id}/review"),
    };
    let count = inst.items.len();
    layout::page(
        &inst.short_name,
        Some(who),
        html! {
            h1 { (inst.name) }
            p { (inst.measures) }
            p { (inst.not_a) }
            p class="muted" { (count) " questions, one per screen. You can stop at any point and carry on later." }
            @if !inst.instructions.is_empty() { p { strong { (inst.instructions) } } }
            p class="actions" {
                @if started {
                    a class="button" href=(start) { "Carry on (" (d.answered()) " of " (count) " answered)" }
                } @else {
                    a class="button" href=(start) { "Start" }
                }
                a href="/questionnaires" { "Back to questionnaires" }
            }
            @if started {
                form method="post" action={ "/questionnaires/" (id) "/restart" } class="inline" {
                    (csrf(who))
                    button type="submit" class="link" { "Clear my answers and start over" }
                }
            }
            @if !inst.licence.attribution.is_empty() { p class="muted q-source" { (inst.licence.attribution) } }
        },
    )
}

pub(super) fn question_page(
    who: &Unlocked,
    inst: &Instrument,
    n: usize,
    selected: Option<u8>,
    errors: &[Invalid],
) -> Markup {
    let items = inst.items.len();
    let base = format!("/questionnaires/{}", inst.id);
    let back = if n > 1 {
        format!("{base}/q/{}", n - 1)
    } else {
        base.clone()
    };
    let is_followup = n > items;
    let title = format!("{}: question {n} of {items}", inst.short_name);
    let described = has_error(errors, "answer").then_some("answer-error");
    // (value, label) pairs: published codes for items, option indexes for the follow-up.
    let (legend, options): (String, Vec<(u8, String)>) = match (&inst.followup, is_followup) {
        (Some(f), true) => (
            f.text.clone(),
            f.options
                .iter()
                .enumerate()
                .filter_map(|(i, o)| Some((u8::try_from(i).ok()?, o.clone())))
                .collect(),
        ),
        _ => {
            let item = &inst.items[n - 1];
            let set = item
                .response_set
                .as_ref()
                .and_then(|name| inst.response_sets.iter().find(|s| &s.name == name))
                .or_else(|| inst.response_sets.first());
            (
                item.text.clone(),
                set.map(|s| {
                    s.options
                        .iter()
                        .map(|o| {
                            let label = if o.label.is_empty() || o.label == o.code.to_string() {
                                o.code.to_string()
                            } else {
                                format!("{} · {}", o.code, o.label)
                            };
                            (o.code, label)
                        })
                        .collect()
                })
                .unwrap_or_default(),
            )
        }
    };
    layout::page(
        &title,
        Some(who),
        html! {
            p class="q-progress" {
                (inst.short_name) " · "
                @if is_followup { "One last, optional question" } @else { "Question " (n) " of " (items) }
            }
            (error_summary(errors))
            @if !inst.instructions.is_empty() && !is_followup { p class="muted" { (inst.instructions) } }
            form method="post" action={ (base) "/q/" (n) } class="stack q-form" novalidate {
                (csrf(who))
                fieldset id="answer" aria-describedby=[described] {
                    legend { h1 class="q-item" { (legend) } }
                    div class="choice q-options" {
                        @for (value, label) in &options {
                            label {
                                input type="radio" name="answer" value=(value) checked[selected == Some(*value)] required[!is_followup];
                                " " (label)
                            }
                        }
                    }
                    @if is_followup { p class="hint" { "Optional: leave it blank if you prefer." } }
                    (field_error(errors, "answer"))
                }
                div class="actions" {
                    button type="submit" { @if n >= items { "Next: check my answers" } @else { "Next" } }
                    a href=(back) { "Back" }
                }
            }
            p { a href="/questionnaires" { "Leave for now" } span class="muted" { " (your answers are kept)" } }
        },
    )
}

/// Help first, after an answer that alone says someone may be at risk.
pub(super) fn crisis_help(who: &Unlocked, helplines: &Local<'_>, next: &str) -> Markup {
    layout::page(
        "Help is here",
        Some(who),
        html! {
            h1 { "Before you go on" }
            (crisis_block(helplines))
            p class="actions" {
                a class="button" href="/help" { "See all help lines" }
                a class="button secondary" href=(next) { "Continue the questionnaire" }
            }
            p { a href="/hard-moment" { "Take a short, calming pause first" } }
        },
    )
}

pub(super) fn review_page(
    who: &Unlocked,
    inst: &Instrument,
    d: &Draft,
    errors: &[Invalid],
) -> Markup {
    let base = format!("/questionnaires/{}", inst.id);
    let label_of = |n: usize, code: u8| -> String {
        let set = inst.items[n - 1]
            .response_set
            .as_ref()
            .and_then(|name| inst.response_sets.iter().find(|s| &s.name == name))
            .or_else(|| inst.response_sets.first());
        set.and_then(|s| s.options.iter().find(|o| o.code == code))
            .map_or_else(
                || code.to_string(),
                |o| {
                    if o.label.is_empty() || o.label == code.to_string() {
                        code.to_string()
                    } else {
                        format!("{code} · {}", o.label)
                    }
                },
            )
    };
    let missing = d.first_unanswered();
    layout::page(
        &format!("{}: check your answers", inst.short_name),
        Some(who),
        html! {
            h1 { "Check your answers" }
            (error_summary(errors))
            p class="muted" { (inst.short_name) ". Change any answer, then see your result." }
            ol class="q-review" {
                @for (i, item) in inst.items.iter().enumerate() {
                    li {
                        span { (item.text) }
                        br;
                        strong { @match d.answers[i] { Some(c) => { (label_of(i + 1, c)) } None => { "Not answered yet" } } }
                        " "
                        a href={ (base) "/q/" (i + 1) } { "Change" span class="visually-hidden" { " answer " (i + 1) } }
                    }
                }
            }
            @if let Some(f) = &inst.followup {
                p { (f.text) br; strong { @match d.followup.and_then(|i| f.options.get(usize::from(i))) {
                    Some(o) => { (o) } None => { "Not answered (optional)" } } }
                    " " a href={ (base) "/q/" (inst.items.len() + 1) } { "Change" span class="visually-hidden" { " the last answer" } } }
            }
            @if let Some(k) = missing {
                p { a class="button" href={ (base) "/q/" (k) } { "Answer the remaining questions" } }
            } @else {
                form method="post" action={ (base) "/review" } id="submit" {
                    (csrf(who))
                    div class="actions" { button type="submit" { "See my result" } }
                }
            }
            @if !inst.licence.attribution.is_empty() { p class="muted q-source" { (inst.licence.attribution) } }
        },
    )
}

/// A response saved for an earlier version of the form, which can't be scored.
pub(super) fn unscorable(who: &Unlocked, inst: &Instrument) -> Markup {
    layout::page(
        &format!("{} result", inst.short_name),
        Some(who),
        html! {
            h1 { "Your " (inst.short_name) " result" }
            p { "This response was saved for an earlier version of the questionnaire, so tend can't score it now. Your answers are kept." }
            p { a href="/questionnaires" { "Back to questionnaires" } }
        },
    )
}

/// One result: help first when it calls for it, the score and its band, the
/// change since last time, the parts, the chart and what it is and isn't.
pub(super) fn result(
    who: &Unlocked,
    helplines: &Local<'_>,
    inst: &Instrument,
    response: &Stored<Answers>,
    res: &ScoreResult,
    change: Option<Change>,
    pts: &[(tend_instruments::time::Date, f64)],
) -> Markup {
    let band = res.score.and_then(|s| inst.band_for(s));
    let (lo, hi) = inst.score_range();
    let when = response.day.map(nice_date).unwrap_or_default();

    layout::page(
        &format!("{} result", inst.short_name),
        Some(who),
        html! {
            @if res.needs_crisis_help() { (crisis_block(helplines)) }
            h1 { "Your " (inst.short_name) " result" }
            p class="muted" { (when) }
            @if let (Some(b), Some(_)) = (band, res.score) { p class="in-short" { (b.explanation) } }
            @if res.needs_support() && !res.needs_crisis_help() { (support_block(helplines)) }
            div class="card q-result" {
                @match res.score {
                    Some(s) => {
                        p class="q-score" { "Score " strong { (num(s)) } span class="muted" { " on a scale of " (num(lo)) " to " (num(hi)) } }
                        @if let Some(b) = band {
                            p class="q-band" { strong { (b.label) } }
                        }
                    }
                    None => { p { "Some questions were left unanswered, so this one can't be scored. That's okay." } }
                }
                @if let Some(Change::Better { .. } | Change::Worse { .. }) = change {
                    @if let Some(c) = change { p class="q-change" { strong { "Since last time: " } (c.describe()) } }
                }
            }
            @let subs: Vec<_> = res.subscales.0.iter().filter(|(n, _)| *n != inst.headline).collect();
            h2 { "Over time" }
            // The sentence first, then the chart: a phone shows a layout
            // drawn for its width, a wider screen the full one (CSS picks).
            p class="chart-sentence" { (chart_sentence(inst, pts)) }
            div class="q-chart" {
                div class="chart-wide" { (PreEscaped(render_chart_svg(inst, pts))) }
                div class="chart-phone" { (PreEscaped(render_chart_svg_narrow(inst, pts))) }
            }
            details class="q-table" open[pts.len() <= 3] {
                summary { "The same as a table" }
                (PreEscaped(render_chart_table(inst, pts)))
            }
            @if !subs.is_empty() {
                details class="q-table" {
                    summary { "Parts of this score" }
                    dl class="summary" {
                        @for (name, value) in subs {
                            dt { (inst.scale(name).map_or(name.as_str(), |s| if s.label.is_empty() { name.as_str() } else { s.label.as_str() })) }
                            dd { @match value { Some(v) => { (num(*v)) } None => { "not scored" } } }
                        }
                    }
                }
            }
            details class="q-table" {
                summary { "What this is, and isn't, and where it comes from" }
                p { (inst.measures) }
                p { (inst.not_a) }
                p class="muted q-source" { (inst.citation)
                    @if !inst.licence.attribution.is_empty() { " " (inst.licence.attribution) } }
            }
            p class="actions" {
                a class="button" href="/questionnaires" { "Back to questionnaires" }
                @if !res.needs_support() { a href="/help" { "Help lines" } }
            }
        },
    )
}
