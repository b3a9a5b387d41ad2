use pulldown_cmark::{Event, Parser, html};

/// Renders tend's own Markdown. Raw HTML in the source is shown as text, not
/// obeyed, so a content file can never inject markup or script.
pub fn render_markdown(source: &str) -> String {
    let events = Parser::new(source).map(|event| match event {
        Event::Html(raw) | Event::InlineHtml(raw) => Event::Text(raw),
        other => other,
    });
    let mut out = String::with_capacity(source.len() * 3 / 2);
    html::push_html(&mut out, events);
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn raw_html_is_escaped() {
        let out = render_markdown("Hi <script>alert(1)</script> *there*");
        assert!(!out.contains("<script>"));
        assert!(out.contains("&lt;script&gt;") && out.contains("<em>there</em>"));
    }
}
