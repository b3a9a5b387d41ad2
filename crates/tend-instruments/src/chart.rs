//! Server-rendered, accessible charts of a headline score over time.
//!
//! The SVG has `role="img"`, a `<title>` and a `<desc>` that summarises the data,
//! shaded and labelled bands, axis labels, and the "better" direction spelled out.
//! Colours come from `currentColor` and fill opacity, so the chart follows the
//! page's text colour in light and dark mode; CSS classes (`band`, `band-<id>`,
//! `line`, `point`, `axis`) let the page restyle it. No script, no inline style
//! element, no external resources. Output is deterministic.

use std::fmt::Write as _;

use time::Date;

use crate::model::Instrument;

const W: f64 = 720.0;
const H: f64 = 280.0;
const LEFT: f64 = 52.0;
const RIGHT: f64 = 470.0;
const TOP: f64 = 28.0;
const BOTTOM: f64 = 226.0;

/// Escapes text for HTML and SVG content and attributes.
pub(crate) fn escape(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            c => out.push(c),
        }
    }
    out
}

/// A number with at most two decimals and no trailing zeros (`3.42`, `52`).
pub(crate) fn fmt_num(v: f64) -> String {
    let s = format!("{:.2}", v);
    let s = if s.contains('.') {
        s.trim_end_matches('0').trim_end_matches('.').to_owned()
    } else {
        s
    };
    if s == "-0" { "0".to_owned() } else { s }
}

fn sorted_points(points: &[(Date, f64)]) -> Vec<(Date, f64)> {
    let mut pts: Vec<(Date, f64)> = points.iter().copied().filter(|p| p.1.is_finite()).collect();
    pts.sort_by_key(|p| p.0);
    pts
}

fn band_label(instrument: &Instrument, v: f64) -> String {
    instrument
        .band_for(v)
        .map(|b| b.label.clone())
        .unwrap_or_default()
}

fn polarity(instrument: &Instrument) -> &'static str {
    if instrument.higher_is_better {
        "Higher scores are better."
    } else {
        "Lower scores are better."
    }
}

fn summary(instrument: &Instrument, pts: &[(Date, f64)]) -> String {
    let (Some(first), Some(last)) = (pts.first(), pts.last()) else {
        return format!("No {} check-ins yet.", instrument.short_name);
    };
    let lo = pts.iter().map(|p| p.1).fold(f64::INFINITY, f64::min);
    let hi = pts.iter().map(|p| p.1).fold(f64::NEG_INFINITY, f64::max);
    let band = band_label(instrument, last.1);
    let band = if band.is_empty() {
        String::new()
    } else {
        format!(" ({band})")
    };
    let count = if pts.len() == 1 {
        "1 check-in".to_owned()
    } else {
        format!("{} check-ins", pts.len())
    };
    format!(
        "{count} from {} to {}. Latest score {}{band} on {}. Lowest {}, highest {}, on a scale of {} to {}. {}",
        first.0,
        last.0,
        fmt_num(last.1),
        last.0,
        fmt_num(lo),
        fmt_num(hi),
        fmt_num(instrument.score_range().0),
        fmt_num(instrument.score_range().1),
        polarity(instrument)
    )
}

/// An accessible SVG chart of headline scores over time, with bands shaded.
pub fn render_chart_svg(instrument: &Instrument, points: &[(Date, f64)]) -> String {
    let pts = sorted_points(points);
    let (min, max) = instrument.score_range();
    let span = if max > min { max - min } else { 1.0 };
    let y = |v: f64| BOTTOM - (v.clamp(min, max) - min) / span * (BOTTOM - TOP);
    let id = escape(&instrument.id);
    let title = format!("{} over time", instrument.short_name);

    let mut s = String::new();
    let _ = write!(
        s,
        r#"<svg xmlns="http://www.w3.org/2000/svg" class="chart chart-{id}" role="img" viewBox="0 0 {W} {H}" aria-labelledby="chart-{id}-title chart-{id}-desc"><title id="chart-{id}-title">{}</title><desc id="chart-{id}-desc">{}</desc>"#,
        escape(&title),
        escape(&summary(instrument, &pts))
    );

    // Bands: each shaded from its lower bound to the next band's lower bound.
    for (i, band) in instrument.bands.iter().enumerate() {
        let lower = band.min.max(min);
        let upper = instrument.bands.get(i + 1).map_or(max, |b| b.min).min(max);
        if upper <= lower && i + 1 < instrument.bands.len() {
            continue;
        }
        let (top, bottom) = (y(upper), y(lower));
        let opacity = if i % 2 == 0 { "0.06" } else { "0.14" };
        let _ = write!(
            s,
            r#"<g class="band band-{}"><rect x="{LEFT}" y="{top:.1}" width="{:.1}" height="{:.1}" fill="currentColor" fill-opacity="{opacity}"/><text x="{:.1}" y="{:.1}" font-size="11" fill="currentColor" dominant-baseline="middle">{}</text></g>"#,
            escape(&band.id),
            RIGHT - LEFT,
            (bottom - top).max(0.0),
            RIGHT + 6.0,
            (top + bottom) / 2.0,
            escape(&band.label)
        );
    }

    // Axes and tick labels.
    let _ = write!(
        s,
        r#"<g class="axis" fill="currentColor" font-size="11"><line x1="{LEFT}" y1="{TOP}" x2="{LEFT}" y2="{BOTTOM}" stroke="currentColor"/><line x1="{LEFT}" y1="{BOTTOM}" x2="{RIGHT}" y2="{BOTTOM}" stroke="currentColor"/>"#
    );
    let mut ticks: Vec<f64> = vec![min, max];
    ticks.extend(
        instrument
            .bands
            .iter()
            .map(|b| b.min)
            .filter(|v| *v > min && *v < max),
    );
    ticks.sort_by(f64::total_cmp);
    ticks.dedup();
    for t in ticks {
        let _ = write!(
            s,
            r#"<text x="{:.1}" y="{:.1}" text-anchor="end" dominant-baseline="middle">{}</text>"#,
            LEFT - 6.0,
            y(t),
            fmt_num(t)
        );
    }
    let axis_title = format!("{} score", instrument.short_name);
    let _ = write!(
        s,
        r#"<text x="12" y="{:.1}" text-anchor="middle" transform="rotate(-90 12 {:.1})">{}</text><text class="polarity" x="{LEFT}" y="14">{}</text>"#,
        (TOP + BOTTOM) / 2.0,
        (TOP + BOTTOM) / 2.0,
        escape(&axis_title),
        polarity(instrument)
    );
    let _ = write!(
        s,
        r#"<text x="{:.1}" y="{:.1}" text-anchor="middle">Date</text>"#,
        (LEFT + RIGHT) / 2.0,
        H - 8.0
    );

    // X positions by calendar days between the first and last check-in.
    let x_of = |d: Date| -> f64 {
        match (pts.first(), pts.last()) {
            (Some(f), Some(l)) if l.0 > f.0 => {
                let total = (l.0 - f.0).whole_days() as f64;
                let at = (d - f.0).whole_days() as f64;
                LEFT + 12.0 + at / total * (RIGHT - LEFT - 24.0)
            }
            _ => (LEFT + RIGHT) / 2.0,
        }
    };
    if let (Some(f), Some(l)) = (pts.first(), pts.last()) {
        let _ = write!(
            s,
            r#"<text x="{:.1}" y="{:.1}" text-anchor="middle">{}</text>"#,
            x_of(f.0),
            BOTTOM + 16.0,
            f.0
        );
        if l.0 != f.0 {
            let _ = write!(
                s,
                r#"<text x="{:.1}" y="{:.1}" text-anchor="middle">{}</text>"#,
                x_of(l.0),
                BOTTOM + 16.0,
                l.0
            );
        }
    }
    s.push_str("</g>");

    line_and_points(&mut s, instrument, &pts, x_of, y, 2.0, 4.0);
    s.push_str("</svg>");
    s
}

/// The data drawn onto a frame: a line through the points (when there are
/// two or more) and a marker on each with its date, score and band as its
/// title. `x_of` and `y` place a point in the frame; the two layouts differ
/// only in the line's `stroke_width` and the markers' `radius`.
fn line_and_points(
    s: &mut String,
    instrument: &Instrument,
    pts: &[(Date, f64)],
    x_of: impl Fn(Date) -> f64,
    y: impl Fn(f64) -> f64,
    stroke_width: f64,
    radius: f64,
) {
    if pts.len() > 1 {
        let coords: Vec<String> = pts
            .iter()
            .map(|p| format!("{:.1},{:.1}", x_of(p.0), y(p.1)))
            .collect();
        let _ = write!(
            s,
            r#"<polyline class="line" points="{}" fill="none" stroke="currentColor" stroke-width="{stroke_width}"/>"#,
            coords.join(" ")
        );
    }
    for p in pts {
        let band = band_label(instrument, p.1);
        let label = if band.is_empty() {
            format!("{}: {}", p.0, fmt_num(p.1))
        } else {
            format!("{}: {} ({band})", p.0, fmt_num(p.1))
        };
        let _ = write!(
            s,
            r#"<circle class="point" cx="{:.1}" cy="{:.1}" r="{radius}" fill="currentColor"><title>{}</title></circle>"#,
            x_of(p.0),
            y(p.1),
            escape(&label)
        );
    }
}

/// The same data as an HTML table (date, score, band), oldest first.
pub fn render_chart_table(instrument: &Instrument, points: &[(Date, f64)]) -> String {
    let pts = sorted_points(points);
    let mut s = format!(
        r#"<table class="chart-table chart-table-{}"><caption>{} over time. {}</caption><thead><tr><th scope="col">Date</th><th scope="col">Score</th><th scope="col">Band</th></tr></thead><tbody>"#,
        escape(&instrument.id),
        escape(&instrument.short_name),
        escape(polarity(instrument))
    );
    if pts.is_empty() {
        s.push_str(r#"<tr><td colspan="3">No check-ins yet.</td></tr>"#);
    }
    for p in &pts {
        let _ = write!(
            s,
            r#"<tr><th scope="row"><time datetime="{}">{}</time></th><td>{}</td><td>{}</td></tr>"#,
            p.0,
            p.0,
            fmt_num(p.1),
            escape(&band_label(instrument, p.1))
        );
    }
    s.push_str("</tbody></table>");
    s
}

/// The same chart laid out for a phone (about 360 CSS pixels wide): a
/// narrower frame so text is drawn near its real size (14 units in a 360-unit
/// frame, so about 14 px on a 390 px screen), band names inside their bands
/// (left out where a band is too thin to hold one), y-axis ticks thinned so
/// none overlap, and the first and last dates only. Ids carry `-n` so the
/// page can hold both layouts and show one with a CSS media query.
pub fn render_chart_svg_narrow(instrument: &Instrument, points: &[(Date, f64)]) -> String {
    const NW: f64 = 360.0;
    const NH: f64 = 300.0;
    const NL: f64 = 40.0;
    const NR: f64 = 346.0;
    const NT: f64 = 40.0;
    const NB: f64 = 252.0;
    const FONT: f64 = 14.0;
    let pts = sorted_points(points);
    let (min, max) = instrument.score_range();
    let span = if max > min { max - min } else { 1.0 };
    let y = |v: f64| NB - (v.clamp(min, max) - min) / span * (NB - NT);
    let id = escape(&instrument.id);
    let title = format!("{} over time", instrument.short_name);
    let mut s = String::new();
    let _ = write!(
        s,
        r#"<svg xmlns="http://www.w3.org/2000/svg" class="chart chart-narrow chart-{id}" role="img" viewBox="0 0 {NW} {NH}" aria-labelledby="chart-{id}-n-title chart-{id}-n-desc"><title id="chart-{id}-n-title">{}</title><desc id="chart-{id}-n-desc">{}</desc>"#,
        escape(&title),
        escape(&summary(instrument, &pts))
    );
    for (i, band) in instrument.bands.iter().enumerate() {
        let lower = band.min.max(min);
        let upper = instrument.bands.get(i + 1).map_or(max, |b| b.min).min(max);
        if upper <= lower && i + 1 < instrument.bands.len() {
            continue;
        }
        let (top, bottom) = (y(upper), y(lower));
        let opacity = if i % 2 == 0 { "0.06" } else { "0.14" };
        let _ = write!(
            s,
            r#"<g class="band band-{}"><rect x="{NL}" y="{top:.1}" width="{:.1}" height="{:.1}" fill="currentColor" fill-opacity="{opacity}"/>"#,
            escape(&band.id),
            NR - NL,
            (bottom - top).max(0.0),
        );
        // A name only where the band is tall enough to hold it.
        if bottom - top >= FONT + 6.0 {
            let _ = write!(
                s,
                r#"<text x="{:.1}" y="{:.1}" font-size="{FONT}" fill="currentColor" fill-opacity="0.85">{}</text>"#,
                NL + 6.0,
                top + FONT + 1.0,
                escape(&band.label)
            );
        }
        s.push_str("</g>");
    }
    let _ = write!(
        s,
        r#"<g class="axis" fill="currentColor" font-size="{FONT}"><line x1="{NL}" y1="{NT}" x2="{NL}" y2="{NB}" stroke="currentColor"/><line x1="{NL}" y1="{NB}" x2="{NR}" y2="{NB}" stroke="currentColor"/>"#
    );
    // Ticks: both ends always; band edges only where they don't crowd one
    // already placed.
    let mut ticks: Vec<f64> = instrument
        .bands
        .iter()
        .map(|b| b.min)
        .filter(|v| *v > min && *v < max)
        .collect();
    ticks.sort_by(f64::total_cmp);
    ticks.dedup();
    let mut placed: Vec<f64> = vec![min, max];
    for t in ticks {
        if placed.iter().all(|p| (y(*p) - y(t)).abs() >= FONT + 4.0) {
            placed.push(t);
        }
    }
    placed.sort_by(f64::total_cmp);
    for t in placed {
        let _ = write!(
            s,
            r#"<text x="{:.1}" y="{:.1}" text-anchor="end" dominant-baseline="middle">{}</text>"#,
            NL - 5.0,
            y(t),
            fmt_num(t)
        );
    }
    let _ = write!(
        s,
        r#"<text class="polarity" x="0" y="{FONT}">{} score. {}</text>"#,
        escape(&instrument.short_name),
        polarity(instrument)
    );
    let x_of = |d: Date| -> f64 {
        match (pts.first(), pts.last()) {
            (Some(f), Some(l)) if l.0 > f.0 => {
                let total = (l.0 - f.0).whole_days() as f64;
                let at = (d - f.0).whole_days() as f64;
                NL + 10.0 + at / total * (NR - NL - 20.0)
            }
            _ => (NL + NR) / 2.0,
        }
    };
    match (pts.first(), pts.last()) {
        (Some(f), Some(l)) if l.0 != f.0 => {
            let _ = write!(
                s,
                r#"<text x="{NL}" y="{:.1}">{}</text><text x="{NR}" y="{:.1}" text-anchor="end">{}</text>"#,
                NB + 22.0,
                f.0,
                NB + 22.0,
                l.0
            );
        }
        (Some(f), _) => {
            let _ = write!(
                s,
                r#"<text x="{:.1}" y="{:.1}" text-anchor="middle">{}</text>"#,
                (NL + NR) / 2.0,
                NB + 22.0,
                f.0
            );
        }
        _ => {}
    }
    s.push_str("</g>");
    line_and_points(&mut s, instrument, &pts, x_of, y, 2.5, 5.0);
    s.push_str("</svg>");
    s
}

/// One plain sentence about the scores so far, for the page to show before
/// the chart ("Your WHO-5 score went from 40 to 60 over 3 check-ins. Higher
/// scores are better.").
pub fn chart_sentence(instrument: &Instrument, points: &[(Date, f64)]) -> String {
    let pts = sorted_points(points);
    let name = &instrument.short_name;
    match (pts.first(), pts.last()) {
        (Some(f), Some(l)) if pts.len() > 1 => {
            let band = band_label(instrument, l.1);
            let band = if band.is_empty() {
                String::new()
            } else {
                format!(" ({band})")
            };
            let moved = if l.1 > f.1 {
                format!("went up from {} to {}{band}", fmt_num(f.1), fmt_num(l.1))
            } else if l.1 < f.1 {
                format!("went down from {} to {}{band}", fmt_num(f.1), fmt_num(l.1))
            } else {
                format!("is where it started, {}{band}", fmt_num(l.1))
            };
            format!(
                "Over your {} {name} check-ins since {}, your score {moved}. {}",
                pts.len(),
                f.0,
                polarity(instrument)
            )
        }
        (Some(f), _) => format!(
            "This is your first {name} score, {}. The chart fills in as you come back to it.",
            fmt_num(f.1)
        ),
        _ => format!("No {name} check-ins yet."),
    }
}
