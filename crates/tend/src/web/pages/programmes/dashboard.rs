//! The lead's dashboard and the exports of released figures. Everything shown
//! comes from stored releases: noisy, rounded, and only for groups of at least
//! the programme's k.

use axum::extract::{Path, State};
use axum::http::header;
use axum::response::{IntoResponse, Response};
use maud::{Markup, html};
use serde::Serialize;
use utoipa::ToSchema;

use super::led;
use crate::domain::Invalid;
use crate::domain::programmes::{
    self, MEASURES, Measure, PAIRS, PeriodKind, ReleasedCell, Stage, TimetablePeriod,
};
use crate::service::programmes::{MarkedPeriod, PeriodFigures, Programme};
use crate::service::{ServiceError, Unlocked};
use crate::web::error::{ApiError, PageError};
use crate::web::extract::{ApiPerson, Person};
use crate::web::format::csv_text;
use crate::web::layout;
use crate::web::layout::{csrf, error_summary, field_error, has_error};
use crate::web::{AppState, now};

fn num(v: Option<f64>, digits: usize) -> String {
    match v {
        Some(v) => format!("{v:.digits$}"),
        None => "not shown".into(),
    }
}

fn pct(v: Option<f64>) -> String {
    match v {
        Some(v) => format!("{:.0}%", v * 100.0),
        None => "not shown".into(),
    }
}

fn about(n: Option<i64>) -> String {
    n.map_or_else(|| "fewer than the minimum".into(), |n| format!("about {n}"))
}

fn stage_words(s: Stage) -> &'static str {
    match s {
        Stage::SoFar => "month so far",
        Stage::Final => "whole month",
    }
}

fn month_label(period: &str) -> String {
    const NAMES: [&str; 12] = [
        "January",
        "February",
        "March",
        "April",
        "May",
        "June",
        "July",
        "August",
        "September",
        "October",
        "November",
        "December",
    ];
    let mut parts = period.split('-');
    match (
        parts.next(),
        parts.next().and_then(|m| m.parse::<usize>().ok()),
    ) {
        (Some(y), Some(m)) if (1..=12).contains(&m) => format!("{} {y}", NAMES[m - 1]),
        _ => period.to_owned(),
    }
}

fn digits(m: Measure) -> usize {
    match m {
        Measure::Who5 | Measure::Pss4 | Measure::Hours => 0,
        _ => 1,
    }
}

/// A horizontal bar chart of monthly means with their intervals, drawn on the
/// server as SVG; the table after it carries the same numbers.
fn chart(m: Measure, rows: &[(String, &ReleasedCell)]) -> Markup {
    let (lo, hi) = m.range();
    #[allow(clippy::cast_precision_loss)]
    let (lo, hi) = (lo as f64 / m.per_unit(), hi as f64 / m.per_unit());
    let width = 320.0;
    let x = |v: f64| 130.0 + (v - lo) / (hi - lo) * width;
    let shown: Vec<_> = rows.iter().filter(|(_, c)| c.mean.is_some()).collect();
    if shown.is_empty() {
        return html! {};
    }
    #[allow(clippy::cast_precision_loss)]
    let height = 24.0 * shown.len() as f64 + 28.0;
    #[allow(clippy::cast_precision_loss)]
    let axis_y = 24.0 * shown.len() as f64 + 22.0;
    html! {
        svg class="chart" role="img" aria-label={ (m.label()) ": monthly means with 95% intervals; the table below has the numbers" }
            viewBox={ "0 0 470 " (height) } width="100%" {
            @for (i, (period, c)) in shown.iter().enumerate() {
                @let y = 24.0 * (i as f64) + 8.0;
                text x="0" y=(y + 12.0) font-size="12" fill="currentColor" { (month_label(period)) }
                rect x="130" y=(y) width=(x(c.mean.unwrap_or(lo)) - 130.0) height="14" fill="currentColor" opacity="0.35" {}
                line x1=(x(c.ci_low.unwrap_or(lo))) x2=(x(c.ci_high.unwrap_or(hi))) y1=(y + 7.0) y2=(y + 7.0) stroke="currentColor" stroke-width="2" {}
            }
            // The scale's ends, so a bar's length reads against the whole range.
            text x=(x(lo)) y=(axis_y) font-size="11" fill="currentColor" text-anchor="start" { (lo) }
            text x=(x(hi)) y=(axis_y) font-size="11" fill="currentColor" text-anchor="end" { (hi) }
        }
    }
}

fn measure_section(m: Measure, figures: &[PeriodFigures]) -> Markup {
    let rows: Vec<(String, &ReleasedCell)> = figures
        .iter()
        .filter_map(|f| f.release.as_ref().map(|r| (f.period.clone(), r)))
        .filter_map(|(p, r)| r.cell(m.key()).map(|c| (p, c)))
        .collect();
    let whole_months = figures
        .iter()
        .any(|f| f.release.as_ref().is_some_and(|r| r.stage == Stage::Final));
    html! {
        h3 { (m.label()) }
        @if m.is_usage() && !whole_months {
            p { "Shown for whole months, once a month has ended." }
        } @else if rows.iter().all(|(_, c)| c.contributors.is_none()) {
            p { "Not enough people yet." }
        } @else if m.is_usage() {
            table {
                caption { (m.label()) ", total per month" }
                thead { tr { th scope="col" { "Month" } th scope="col" { "Total" } th scope="col" { "People" } } }
                tbody {
                    @for (p, c) in &rows {
                        tr { th scope="row" { (month_label(p)) } td { (c.total.map_or_else(|| "not shown".into(), |t| t.to_string())) } td { (about(c.contributors)) } }
                    }
                }
            }
        } @else {
            (chart(m, &rows))
            table {
                caption { (m.label()) ", by month" }
                thead { tr {
                    th scope="col" { "Month" }
                    th scope="col" { "Mean" }
                    th scope="col" { "95% interval" }
                    @if let Some(l) = m.cut_label() { th scope="col" { (l) } }
                    th scope="col" { "People" }
                } }
                tbody {
                    @for (p, c) in &rows {
                        tr {
                            th scope="row" { (month_label(p)) }
                            td { (num(c.mean, digits(m))) }
                            td { @if c.mean.is_some() { (num(c.ci_low, digits(m))) " to " (num(c.ci_high, digits(m))) } @else { "not shown" } }
                            @if m.cut_label().is_some() {
                                td {
                                    @if c.share.is_some() { (pct(c.share)) " (" (pct(c.share_low)) " to " (pct(c.share_high)) ")" }
                                    @else if c.mean.is_some() { "not shown: too few people on one side of the cut-off" }
                                    @else { "not shown" }
                                }
                            }
                            td { (about(c.contributors)) }
                        }
                    }
                }
            }
        }
    }
}

/// Published figures from the evidence reference, shown beside the cohort's.
struct Published {
    pair: (Measure, Measure),
    what: &'static str,
    figure: &'static str,
    source: &'static str,
}

const PUBLISHED: [Published; 2] = [
    Published {
        pair: (Measure::Scs, Measure::Burnout),
        what: "Self-compassion and burnout",
        figure: "r = −0.37 (self-compassion with emotional exhaustion, 93 health-care workers); β = −0.41 in 295 Dutch medical students and residents",
        source: "Hashem & Zeinoun 2020, Mindfulness; Godthelp et al. 2020, MedEdPublish",
    },
    Published {
        pair: (Measure::Scs, Measure::Pss4),
        what: "Self-compassion and distress (here: perceived stress)",
        figure: "r = −0.54 (95% CI −0.57 to −0.51) with depression, anxiety and stress",
        source: "MacBeth & Gumley 2012, Clinical Psychology Review, meta-analysis of 20 samples",
    },
];

fn research_section(figures: &[PeriodFigures]) -> Markup {
    let latest = |name: &str| {
        figures
            .iter()
            .rev()
            .filter_map(|f| f.release.as_ref().map(|r| (f.period.clone(), r)))
            .find_map(|(p, r)| {
                r.cell(name)
                    .filter(|c| c.contributors.is_some())
                    .map(|c| (p, c.clone()))
            })
    };
    html! {
        h2 { "What the research says and what your cohort shows" }
        table {
            caption { "Correlations: published figures beside your cohort's latest month" }
            thead { tr {
                th scope="col" { "What" }
                th scope="col" { "Published" }
                th scope="col" { "Your cohort" }
            } }
            tbody {
                @for p in &PUBLISHED {
                    @let cohort = latest(&programmes::pair_key(p.pair.0, p.pair.1));
                    tr {
                        th scope="row" { (p.what) }
                        td { (p.figure) br; span class="muted" { (p.source) } }
                        td {
                            @match &cohort {
                                Some((period, c)) if c.r.is_some() => {
                                    "r = " (num(c.r, 2)) " (95% interval " (num(c.r_low, 2)) " to " (num(c.r_high, 2)) "), "
                                    (about(c.contributors)) " people, " (month_label(period))
                                }
                                _ => { "Not enough people yet (correlations are shown for whole months, once a month has ended)." }
                            }
                        }
                    }
                }
                @let burnout = latest(Measure::Burnout.key());
                tr {
                    th scope="row" { "Burnout among medical students" }
                    td { "49.6% of 4,287 US medical students" br; span class="muted" { "Dyrbye et al. 2008, Annals of Internal Medicine" } }
                    td { @match &burnout { Some((period, c)) if c.share.is_some() => { (pct(c.share)) " at 3 or more on the single burnout item, " (month_label(period)) } _ => { "Not enough people yet." } } }
                }
                @let who5 = latest(Measure::Who5.key());
                tr {
                    th scope="row" { "Depression or depressive symptoms among medical students" }
                    td { "27.2% (95% CI 24.7–29.9%)" br; span class="muted" { "Rotenstein et al. 2016, JAMA, 167 studies" } }
                    td { @match &who5 { Some((period, c)) if c.share.is_some() => { (pct(c.share)) " at or below the WHO-5 poor well-being cut-off (a screen, not a diagnosis of depression), " (month_label(period)) } _ => { "Not enough people yet." } } }
                }
            }
        }
        h3 { "What these comparisons can and cannot show" }
        p { "A correlation says two things tend to go together in this group. It does not say one causes the other, and it cannot say what would happen if anything changed. "
            "The people who chose to contribute are not a random sample: students who are struggling most may be less likely to answer, or more. "
            "Small groups give wide intervals; where an interval includes zero, the group's data are consistent with no relationship at all. "
            "Every number here also carries deliberate random noise that protects individuals, and the intervals include it." }
    }
}

fn environment_section(figures: &[PeriodFigures]) -> Markup {
    html! {
        h2 { "Look at the environment first" }
        p { "The best review of burnout in medical students and residents (Dyrbye & Shanafelt 2016, Medical Education) concludes that factors in the learning and work environment, rather than individual attributes, are the major drivers of burnout. "
            "A low score here is a signal about what the course asks of students, not a failing of theirs, and self-compassion practice is not a fix for a workload problem." }
        p { "Signals that point at the environment: how much students sleep, the hours a week they have committed to rotations, classes and call, and how the figures move around exam and rotation periods (mark yours under " a href="#timetable" { "Your timetable" } ")." }
        (measure_section(Measure::Sleep, figures))
        (measure_section(Measure::Hours, figures))
    }
}

/// What was marked for a month, in words ("Exams: Year 3 finals").
fn marked_in(month: &str, marked: &[MarkedPeriod]) -> Vec<String> {
    marked
        .iter()
        .filter_map(|m| {
            let t = checked(m)?;
            t.months()
                .iter()
                .any(|x| x == month)
                .then(|| format!("{}: {}", t.kind.label(), t.label))
        })
        .collect()
}

fn mean_of(r: Option<&programmes::Release>, m: Measure) -> String {
    let c = r.and_then(|r| r.cell(m.key()));
    num(c.and_then(|c| c.mean), digits(m))
}

/// The lead's exam and rotation periods, the cohort's signals beside them,
/// and the form to mark more.
fn timetable_section(
    who: &Unlocked,
    p: &Programme,
    figures: &[PeriodFigures],
    marked: &[MarkedPeriod],
    errors: &[Invalid],
) -> Markup {
    html! {
        h2 id="timetable" { "Your timetable beside the cohort's signals" }
        p { "Mark your exam and rotation periods, and each month's sleep, committed hours, mood and well-being appear beside them. "
            "When the figures dip in the months you marked, that is what the timetable asks of students showing through. "
            "It is not a failing of theirs, and the answer to it is in the timetable and the workload, not in asking students to cope better." }
        @if figures.iter().any(|f| f.release.is_some()) {
            table {
                caption { "Cohort signals by month, beside your marked periods" }
                thead { tr {
                    th scope="col" { "Month" }
                    th scope="col" { "Marked periods" }
                    th scope="col" { "Sleep (hours, mean)" }
                    th scope="col" { "Sleeping under 6 hours" }
                    th scope="col" { "Committed hours a week" }
                    th scope="col" { "Mood (1-5)" }
                    th scope="col" { "WHO-5 (mean)" }
                } }
                tbody {
                    @for f in figures {
                        @let r = f.release.as_ref();
                        @let marks = marked_in(&f.period, marked);
                        tr {
                            th scope="row" { (month_label(&f.period)) }
                            td { @if marks.is_empty() { "none marked" } @else { (marks.join("; ")) } }
                            td { (mean_of(r, Measure::Sleep)) }
                            td { (pct(r.and_then(|r| r.cell(Measure::Sleep.key())).and_then(|c| c.share))) }
                            td { (mean_of(r, Measure::Hours)) }
                            td { (mean_of(r, Measure::Mood)) }
                            td { (mean_of(r, Measure::Who5)) }
                        }
                    }
                }
            }
        }
        @if !marked.is_empty() {
            h3 { "Marked periods" }
            ul class="stack" {
                @for m in marked {
                    li {
                        (PeriodKind::parse(&m.kind).map_or("Period", PeriodKind::label)) ": " (m.label) ", " (m.starts) " to " (m.ends) " "
                        form method="post" action={ "/programmes/" (p.id) "/periods/" (m.id) "/remove" } class="inline" {
                            (csrf(who))
                            button type="submit" class="secondary" { "Remove " span class="visually-hidden" { (m.label) } }
                        }
                    }
                }
            }
            p { a href={ "/programmes/" (p.id) "/periods.csv" } { "Download your marked periods as CSV" } }
        }
        (period_form(who, &format!("/programmes/{}/periods", p.id), errors, html! {}))
    }
}

/// The form that marks a period; `extra` holds fields before the others
/// (the admin page's choice of programme).
pub(super) fn period_form(
    who: &Unlocked,
    action: &str,
    errors: &[Invalid],
    extra: Markup,
) -> Markup {
    html! {
        h3 { "Mark an exam or rotation period" }
        (error_summary(errors))
        form method="post" action=(action) class="stack" novalidate {
            (csrf(who))
            (extra)
            fieldset {
                legend { "What kind of period" }
                @for k in PeriodKind::ALL {
                    div {
                        input type="radio" name="kind" id={ "kind-" (k.key()) } value=(k.key()) checked[k == PeriodKind::Exams];
                        label for={ "kind-" (k.key()) } { (k.label()) }
                    }
                }
                (field_error(errors, "kind"))
            }
            div {
                label for="label" { "Name" span class="hint" { "Such as \"Year 3 finals\" or \"Surgery block\"." } }
                input id="label" name="label" type="text" maxlength="80" aria-invalid=[has_error(errors, "label").then_some("true")];
                (field_error(errors, "label"))
            }
            div {
                label for="starts" { "First day" span class="hint" { "YYYY-MM-DD" } }
                input id="starts" name="starts" type="date" aria-invalid=[has_error(errors, "starts").then_some("true")];
                (field_error(errors, "starts"))
            }
            div {
                label for="ends" { "Last day" span class="hint" { "YYYY-MM-DD" } }
                input id="ends" name="ends" type="date" aria-invalid=[has_error(errors, "ends").then_some("true")];
                (field_error(errors, "ends"))
            }
            div class="actions" { button type="submit" { "Mark this period" } }
        }
    }
}

pub(super) fn dashboard(
    who: &Unlocked,
    p: &Programme,
    figures: &[PeriodFigures],
    marked: &[MarkedPeriod],
    errors: &[Invalid],
) -> Markup {
    let any = figures.iter().any(|f| f.release.is_some());
    layout::page(
        &format!("{} dashboard", p.name),
        Some(who),
        html! {
            h1 { (p.name) ": the group picture" }
            p { "Only group figures are shown here: a month appears once at least " (p.k) " students contributed, counts are rounded to the nearest 5, and every number has random noise added so that no single student's answers can be worked out. "
                "A month's figures are computed once and kept; the month in progress is computed once when it first has enough people, and again once after it ends. "
                a href="#about" { "How this protects students" } "." }
            @if !any {
                p class="notice" role="status" { "Not enough people yet. Figures appear once at least " (p.k) " students have contributed in a month." }
                (timetable_section(who, p, figures, marked, errors))
            } @else {
                h2 { "Participation" }
                table {
                    caption { "Students contributing, by month" }
                    thead { tr { th scope="col" { "Month" } th scope="col" { "Contributors" } th scope="col" { "Figures cover" } } }
                    tbody {
                        @for f in figures {
                            tr {
                                th scope="row" { (month_label(&f.period)) }
                                @match &f.release {
                                    Some(r) => {
                                        td { (about(r.cell(programmes::PARTICIPATION).and_then(|c| c.contributors))) }
                                        td { (stage_words(r.stage)) }
                                    }
                                    None => { td { "not enough people yet" } td { "nothing shown" } }
                                }
                            }
                        }
                    }
                }
                (environment_section(figures))
                (timetable_section(who, p, figures, marked, errors))
                h2 { "Well-being and stress, month by month" }
                @for m in MEASURES.into_iter().filter(|m| !m.is_usage() && !matches!(m, Measure::Sleep | Measure::Hours)) {
                    (measure_section(m, figures))
                }
                (research_section(figures))
                h2 { "Which steps of the guide are used" }
                @for m in MEASURES.into_iter().filter(|m| m.is_usage()) {
                    (measure_section(m, figures))
                }
                h2 { "Download" }
                p {
                    a href={ "/programmes/" (p.id) "/figures.csv" } { "Released figures as CSV" } " · "
                    a href={ "/programmes/" (p.id) "/periods.csv" } { "your marked periods as CSV" } " · "
                    a href={ "/programmes/" (p.id) "/figures.json" } { "both as JSON" }
                }
            }
            h2 id="about" { "How this protects students" }
            p { "Students join with a code and choose separately whether to contribute; they can stop at any time, and stopping takes their answers back out of the totals. "
                "tend keeps only totals for each month, never a row per student, and nobody, including you and the people running the server, can see who joined or who contributed. "
                "Each number shown has been given random noise sized so that adding or removing any one student changes the chance of seeing it by at most a small, fixed factor. "
                "Because that protection adds up over the numbers shown, tend shows each month at most twice. docs/programmes.md explains the privacy budget in detail." }
        },
    )
}

pub async fn page(
    State(state): State<AppState>,
    Person(who): Person,
    Path(id): Path<String>,
) -> Result<Markup, PageError> {
    let p = led(&state, &who, &id).await?;
    dashboard_for(&state, &who, &p, &[]).await
}

/// The dashboard as the lead sees it now, with any form errors.
pub(super) async fn dashboard_for(
    state: &AppState,
    who: &Unlocked,
    p: &Programme,
    errors: &[Invalid],
) -> Result<Markup, PageError> {
    let programmes = state.services.programmes();
    let figures = programmes.figures(p, now()).await?;
    let marked = programmes.timetable(p).await?;
    Ok(dashboard(who, p, &figures, &marked, errors))
}

/// What a marked period's kind is called in the exports.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, ToSchema)]
#[serde(rename_all = "kebab-case")]
pub enum PeriodKindOut {
    Exams,
    Rotation,
}

impl From<PeriodKind> for PeriodKindOut {
    fn from(k: PeriodKind) -> Self {
        match k {
            PeriodKind::Exams => Self::Exams,
            PeriodKind::Rotation => Self::Rotation,
        }
    }
}

/// An exam or rotation period the programme's staff marked: their own
/// planning data, exact (no noise, no threshold: it says nothing about any
/// student).
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct MarkedPeriodOut {
    pub kind: PeriodKindOut,
    #[schema(example = "Year 3 finals")]
    pub label: String,
    /// The first day.
    #[schema(example = "2027-05-24")]
    pub starts: String,
    /// The last day.
    #[schema(example = "2027-06-04")]
    pub ends: String,
    /// The months (`YYYY-MM`) the period touches, in order: the same values
    /// as each month's `period`, so the two can be put side by side.
    #[schema(example = json!(["2027-05", "2027-06"]))]
    pub months: Vec<String>,
}

/// A month of released figures.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct MonthOut {
    #[schema(example = "2027-05")]
    pub period: String,
    /// The stored release (noisy, rounded, cells under `k` left out), or
    /// null while the month has fewer than `k` contributors.
    #[schema(value_type = Option<Object>)]
    pub release: Option<programmes::Release>,
}

/// A programme's export: the released figures month by month, and the exam
/// and rotation periods its staff marked.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct FiguresOut {
    #[schema(example = "Year 3")]
    pub programme: String,
    /// The smallest group shown.
    pub k: i64,
    /// The privacy cost of each noisy number (differential privacy).
    pub epsilon_per_figure: f64,
    pub months: Vec<MonthOut>,
    /// Marked exam and rotation periods, earliest first (empty when none).
    pub periods: Vec<MarkedPeriodOut>,
}

/// A stored period read back with its rules; rows tend wrote always pass.
fn checked(m: &MarkedPeriod) -> Option<TimetablePeriod> {
    TimetablePeriod::new(&m.kind, &m.label, &m.starts, &m.ends).ok()
}

fn periods_out(marked: &[MarkedPeriod]) -> Vec<MarkedPeriodOut> {
    marked
        .iter()
        .filter_map(checked)
        .map(|t| MarkedPeriodOut {
            kind: t.kind.into(),
            months: t.months(),
            starts: t.starts.to_string(),
            ends: t.ends.to_string(),
            label: t.label,
        })
        .collect()
}

fn to_json(p: &Programme, figures: &[PeriodFigures], marked: &[MarkedPeriod]) -> FiguresOut {
    FiguresOut {
        programme: p.name.clone(),
        k: p.k,
        epsilon_per_figure: programmes::EPSILON_PER_FIGURE,
        months: figures
            .iter()
            .map(|f| MonthOut {
                period: f.period.clone(),
                release: f.release.clone(),
            })
            .collect(),
        periods: periods_out(marked),
    }
}

/// The marked periods as CSV, one row a period. A file of its own rather
/// than a second table inside `figures.csv`: a CSV file is one table with
/// one header, so spreadsheets and data tools read each file as it is.
/// `first_month` and `last_month` match the `period` column of the figures.
fn periods_csv(marked: &[MarkedPeriod]) -> String {
    let mut out = String::from("kind,label,starts,ends,first_month,last_month\n");
    for m in periods_out(marked) {
        let kind = match m.kind {
            PeriodKindOut::Exams => "exams",
            PeriodKindOut::Rotation => "rotation",
        };
        out.push_str(&format!(
            "{kind},{},{},{},{},{}\n",
            csv_text(&m.label),
            m.starts,
            m.ends,
            m.months.first().map(String::as_str).unwrap_or_default(),
            m.months.last().map(String::as_str).unwrap_or_default(),
        ));
    }
    out
}

fn cell_value<T: ToString>(v: Option<T>) -> String {
    v.map(|v| v.to_string()).unwrap_or_default()
}

fn to_csv(figures: &[PeriodFigures]) -> String {
    let mut out = String::from(
        "period,stage,cell,contributors,mean,ci_low,ci_high,share,share_low,share_high,total,r,r_low,r_high\n",
    );
    let mut names: Vec<String> = vec![programmes::PARTICIPATION.to_owned()];
    names.extend(MEASURES.iter().map(|m| m.key().to_owned()));
    names.extend(PAIRS.iter().map(|(x, y)| programmes::pair_key(*x, *y)));
    for f in figures {
        let Some(r) = &f.release else { continue };
        let stage = match r.stage {
            Stage::SoFar => "so_far",
            Stage::Final => "final",
        };
        for name in &names {
            let Some(c) = r.cell(name) else { continue };
            out.push_str(&format!(
                "{},{stage},{name},{},{},{},{},{},{},{},{},{},{},{}\n",
                f.period,
                cell_value(c.contributors),
                cell_value(c.mean),
                cell_value(c.ci_low),
                cell_value(c.ci_high),
                cell_value(c.share),
                cell_value(c.share_low),
                cell_value(c.share_high),
                cell_value(c.total),
                cell_value(c.r),
                cell_value(c.r_low),
                cell_value(c.r_high),
            ));
        }
    }
    out
}

/// The downloads of a programme's figures and marked periods.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Download {
    FiguresCsv,
    PeriodsCsv,
    FiguresJson,
}

/// Who asks: a browser on the pages (downloads as files), or a client of
/// the API (the JSON as a plain answer). Decides where `Link` points too.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Side {
    Page,
    Api,
}

/// One download, for a lead of the programme only, never cached. On the
/// pages each is a file; the API answers the JSON plainly. The figures CSV
/// names the periods CSV in a `Link` header: the other half of the CSV export.
async fn download(
    state: &AppState,
    who: &Unlocked,
    id: &str,
    what: Download,
    side: Side,
) -> Result<Response, ServiceError> {
    const CSV: &str = "text/csv; charset=utf-8";
    let p = led(state, who, id).await?;
    let programmes = state.services.programmes();
    let (content_type, filename, body) = match what {
        Download::FiguresCsv => {
            let figures = programmes.figures(&p, now()).await?;
            (CSV, "programme-figures.csv", to_csv(&figures))
        }
        Download::PeriodsCsv => {
            let marked = programmes.timetable(&p).await?;
            (CSV, "programme-periods.csv", periods_csv(&marked))
        }
        Download::FiguresJson => {
            let figures = programmes.figures(&p, now()).await?;
            let marked = programmes.timetable(&p).await?;
            let json = serde_json::to_string(&to_json(&p, &figures, &marked))?;
            ("application/json", "programme-figures.json", json)
        }
    };
    let mut res = (
        [
            (header::CONTENT_TYPE, content_type),
            (header::CACHE_CONTROL, "no-store"),
        ],
        body,
    )
        .into_response();
    let h = res.headers_mut();
    if side == Side::Page || what != Download::FiguresJson {
        let disposition = format!("attachment; filename=\"{filename}\"");
        if let Ok(v) = header::HeaderValue::try_from(disposition) {
            h.insert(header::CONTENT_DISPOSITION, v);
        }
    }
    if what == Download::FiguresCsv {
        let base = match side {
            Side::Page => "/programmes",
            Side::Api => "/api/v1/programmes",
        };
        let link = format!("<{base}/{}/periods.csv>; rel=\"related\"", p.id);
        if let Ok(v) = header::HeaderValue::try_from(link) {
            h.insert(header::LINK, v);
        }
    }
    Ok(res)
}

pub async fn csv(
    State(state): State<AppState>,
    Person(who): Person,
    Path(id): Path<String>,
) -> Result<Response, PageError> {
    Ok(download(&state, &who, &id, Download::FiguresCsv, Side::Page).await?)
}

pub async fn json(
    State(state): State<AppState>,
    Person(who): Person,
    Path(id): Path<String>,
) -> Result<Response, PageError> {
    Ok(download(&state, &who, &id, Download::FiguresJson, Side::Page).await?)
}

pub async fn periods(
    State(state): State<AppState>,
    Person(who): Person,
    Path(id): Path<String>,
) -> Result<Response, PageError> {
    Ok(download(&state, &who, &id, Download::PeriodsCsv, Side::Page).await?)
}

pub async fn api_json(
    State(state): State<AppState>,
    ApiPerson(who): ApiPerson,
    Path(id): Path<String>,
) -> Result<Response, ApiError> {
    Ok(download(&state, &who, &id, Download::FiguresJson, Side::Api).await?)
}

pub async fn api_csv(
    State(state): State<AppState>,
    ApiPerson(who): ApiPerson,
    Path(id): Path<String>,
) -> Result<Response, ApiError> {
    Ok(download(&state, &who, &id, Download::FiguresCsv, Side::Api).await?)
}

pub async fn api_periods_csv(
    State(state): State<AppState>,
    ApiPerson(who): ApiPerson,
    Path(id): Path<String>,
) -> Result<Response, ApiError> {
    Ok(download(&state, &who, &id, Download::PeriodsCsv, Side::Api).await?)
}
