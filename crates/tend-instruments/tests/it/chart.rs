//! Accessible SVG charts and their tables.

use tend_instruments::{
    chart_sentence, render_chart_svg, render_chart_svg_narrow, render_chart_table,
};
use time::macros::date;

use crate::instrument;

fn points() -> Vec<(time::Date, f64)> {
    vec![
        (date!(2025 - 02 - 14), 60.0),
        (date!(2025 - 01 - 01), 28.0),
        (date!(2025 - 01 - 15), 48.0),
    ]
}

#[test]
fn svg_is_accessible_and_summarises_the_data() {
    let svg = render_chart_svg(&instrument("who5"), &points());
    assert!(svg.starts_with("<svg xmlns=\"http://www.w3.org/2000/svg\""));
    assert!(svg.contains(r#"role="img""#));
    assert!(svg.contains(r#"<title id="chart-who5-title">WHO-5 over time</title>"#));
    assert!(svg.contains(
        "<desc id=\"chart-who5-desc\">3 check-ins from 2025-01-01 to 2025-02-14. Latest score 60 (Good well-being) on 2025-02-14. Lowest 28, highest 60, on a scale of 0 to 100. Higher scores are better.</desc>"
    ));
    assert!(svg.contains("currentColor"));
    assert!(!svg.to_lowercase().contains("<script"));
    assert!(!svg.contains("style="));
    assert!(svg.ends_with("</svg>"));
    // Every band shaded and labelled.
    for band in ["very-low", "low", "good"] {
        assert!(
            svg.contains(&format!("class=\"band band-{band}\"")),
            "{band}"
        );
    }
    assert!(svg.contains(">Very low well-being</text>"));
    assert!(svg.contains(">Date</text>"));
    assert!(svg.contains(">Higher scores are better.</text>"));
    assert!(svg.contains(">WHO-5 score</text>"));
    // One marker per point, each with its own title, in date order.
    assert_eq!(svg.matches("<circle").count(), 3);
    let first = svg.find("2025-01-01: 28 (Very low well-being)").unwrap();
    let last = svg.find("2025-02-14: 60 (Good well-being)").unwrap();
    assert!(first < last);
}

#[test]
fn output_is_deterministic() {
    let a = render_chart_svg(&instrument("phq9"), &points());
    let b = render_chart_svg(&instrument("phq9"), &points());
    assert_eq!(a, b);
    assert_eq!(
        render_chart_table(&instrument("phq9"), &points()),
        render_chart_table(&instrument("phq9"), &points())
    );
}

#[test]
fn text_is_escaped() {
    let mut ins = instrument("who5");
    ins.short_name = "<b>\"WHO\" & 'co'".into();
    ins.bands[0].label = "<script>alert(1)</script>".into();
    let svg = render_chart_svg(&ins, &points());
    assert!(!svg.contains("<b>"));
    assert!(!svg.contains("<script>"));
    assert!(svg.contains("&lt;b&gt;&quot;WHO&quot; &amp; &#39;co&#39;"));
    let table = render_chart_table(&ins, &points());
    assert!(!table.contains("<script>"));
    assert!(table.contains("&lt;script&gt;"));
}

#[test]
fn table_has_the_same_data() {
    let table = render_chart_table(&instrument("who5"), &points());
    assert!(table.starts_with("<table class=\"chart-table chart-table-who5\"><caption>WHO-5 over time. Higher scores are better.</caption>"));
    assert_eq!(table.matches("<tr>").count(), 4);
    assert!(table.contains(r#"<tr><th scope="row"><time datetime="2025-01-01">2025-01-01</time></th><td>28</td><td>Very low well-being</td></tr>"#));
}

#[test]
fn empty_and_single_point_charts_render() {
    let svg = render_chart_svg(&instrument("scs-sf"), &[]);
    assert!(svg.contains("No SCS-SF check-ins yet."));
    assert_eq!(svg.matches("<circle").count(), 0);
    assert!(render_chart_table(&instrument("scs-sf"), &[]).contains("No check-ins yet."));
    let svg = render_chart_svg(
        &instrument("scs-sf"),
        &[(date!(2025 - 01 - 01), 41.0 / 12.0)],
    );
    assert!(svg.contains(
        "1 check-in from 2025-01-01 to 2025-01-01. Latest score 3.42 (Moderate self-compassion)"
    ));
    assert!(!svg.contains("<polyline"));
    // PSS-4 has no bands: still a chart, no band labels.
    let svg = render_chart_svg(&instrument("pss4"), &[(date!(2025 - 01 - 01), 8.0)]);
    assert!(!svg.contains("class=\"band"));
    assert!(svg.contains("Lower scores are better."));
}

/// The font sizes an SVG declares (`font-size="14"`).
fn font_sizes(svg: &str) -> Vec<f64> {
    svg.split("font-size=\"")
        .skip(1)
        .map(|s| s[..s.find('"').unwrap()].parse().unwrap())
        .collect()
}

/// The frame's width (`viewBox="0 0 W H"`).
fn frame_width(svg: &str) -> f64 {
    let v = &svg[svg.find("viewBox=\"0 0 ").unwrap() + 13..];
    v[..v.find(' ').unwrap()].parse().unwrap()
}

#[test]
fn the_phone_layout_draws_text_near_its_real_size() {
    for id in ["who5", "phq9", "scs-sf", "pss4"] {
        let svg = render_chart_svg_narrow(&instrument(id), &points());
        // Drawn into about 350 CSS px on a 390 px phone, a 360-unit frame
        // keeps each unit near a pixel: every text at least 12 px.
        let scale = 350.0 / frame_width(&svg);
        for size in font_sizes(&svg) {
            assert!(
                size * scale >= 12.0,
                "{id}: {size} units is {} px",
                size * scale
            );
        }
        // Its own ids, so the page can hold both layouts.
        assert!(svg.contains(&format!("<title id=\"chart-{id}-n-title\">")));
        assert!(svg.contains("class=\"chart chart-narrow"));
        assert!(svg.contains("role=\"img\""));
        assert!(!svg.contains("style="));
    }
    // The wide layout would be far too small on a phone: the reason for two.
    let wide = render_chart_svg(&instrument("who5"), &points());
    assert!(
        font_sizes(&wide)
            .iter()
            .all(|s| s * 350.0 / frame_width(&wide) < 6.0)
    );
}

#[test]
fn the_phone_layout_thins_crowded_labels() {
    let svg = render_chart_svg_narrow(&instrument("who5"), &points());
    // Only the first and last dates, and no "Date" title.
    assert!(svg.contains(">2025-01-01</text>") && svg.contains(">2025-02-14</text>"));
    assert!(!svg.contains(">2025-01-15</text>"));
    assert!(!svg.contains(">Date</text>"));
    // y ticks never closer than a line of text: their y positions differ
    // by at least the font size.
    let ys: Vec<f64> = svg
        .match_indices("text-anchor=\"end\" dominant-baseline=\"middle\"")
        .map(|(i, _)| {
            let before = &svg[..i];
            let y = &before[before.rfind("y=\"").unwrap() + 3..];
            y[..y.find('"').unwrap()].parse().unwrap()
        })
        .collect();
    assert!(ys.len() >= 2);
    for (i, a) in ys.iter().enumerate() {
        for b in &ys[i + 1..] {
            assert!((a - b).abs() >= 14.0, "{ys:?}");
        }
    }
}

/// Every value of `attr` on the elements named `tag`, in order.
fn attrs(svg: &str, tag: &str, attr: &str) -> Vec<String> {
    svg.split(&format!("<{tag} "))
        .skip(1)
        .map(|el| {
            let el = &el[..el.find('>').unwrap()];
            let v = &el[el.find(&format!(" {attr}=\"")).unwrap() + attr.len() + 3..];
            v[..v.find('"').unwrap()].to_owned()
        })
        .collect()
}

#[test]
fn both_layouts_draw_one_line_and_a_marker_per_point() {
    for (layout, render, stroke, radius) in [
        ("wide", render_chart_svg as fn(&_, &_) -> String, "2", "4"),
        ("phone", render_chart_svg_narrow, "2.5", "5"),
    ] {
        let svg = render(&instrument("who5"), &points());
        // One line through all three points, oldest first.
        assert_eq!(
            attrs(&svg, "polyline", "stroke-width"),
            [stroke],
            "{layout}"
        );
        let line = &attrs(&svg, "polyline", "points")[0];
        assert_eq!(line.split(' ').count(), 3, "{layout}: {line}");
        // A marker per point, each of the layout's size, placed on the line.
        assert_eq!(attrs(&svg, "circle", "r"), [radius; 3], "{layout}");
        let cx = attrs(&svg, "circle", "cx");
        let cy = attrs(&svg, "circle", "cy");
        let on_line: Vec<String> = cx
            .iter()
            .zip(&cy)
            .map(|(x, y)| format!("{x},{y}"))
            .collect();
        assert_eq!(on_line.join(" "), *line, "{layout}");
        let titles: Vec<&str> = svg
            .split("</circle>")
            .filter_map(|c| {
                c.rsplit_once("<title>")
                    .map(|(_, t)| t.trim_end_matches("</title>"))
            })
            .collect();
        assert_eq!(
            titles,
            [
                "2025-01-01: 28 (Very low well-being)",
                "2025-01-15: 48 (Low well-being)",
                "2025-02-14: 60 (Good well-being)"
            ],
            "{layout}"
        );
        // One point: a marker and no line.
        let one = render(&instrument("who5"), &points()[..1]);
        assert!(
            attrs(&one, "polyline", "stroke-width").is_empty(),
            "{layout}"
        );
        assert_eq!(attrs(&one, "circle", "r"), [radius], "{layout}");
    }
}

#[test]
fn one_plain_sentence_comes_before_the_chart() {
    assert_eq!(
        chart_sentence(&instrument("who5"), &points()),
        "Over your 3 WHO-5 check-ins since 2025-01-01, your score went up from 28 to 60 (Good well-being). Higher scores are better."
    );
    assert_eq!(
        chart_sentence(&instrument("who5"), &[(date!(2025 - 01 - 01), 48.0)]),
        "This is your first WHO-5 score, 48. The chart fills in as you come back to it."
    );
    assert_eq!(
        chart_sentence(&instrument("who5"), &[]),
        "No WHO-5 check-ins yet."
    );
}
