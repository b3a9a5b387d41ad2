//! Showing what the detector found, in the person's own words: `<mark>` on the
//! words that triggered a pattern, findings worded as questions, a gentle
//! patient-identifier warning, and crisis help when risk language appears.
//! Shared by the critic pages, the debrief, the letters and the journal.

use maud::{Markup, html};
use tend_detector::{Analysis, Finding, Pattern, patient_identifiers, risk_language};

use crate::domain::helplines::Helplines;
use crate::service::Unlocked;
use crate::web::helplines as web_helplines;

/// Byte spans worth marking: every reported pattern and every self-critical
/// sentence's critic words.
pub(crate) fn spans_of(analysis: &Analysis) -> Vec<(usize, usize)> {
    let mut spans: Vec<(usize, usize)> =
        analysis.patterns.iter().map(|f| (f.start, f.end)).collect();
    spans.extend(analysis.sentences.iter().filter_map(|s| s.critic_span));
    spans
}

/// Sorted, disjoint, in-bounds spans on character boundaries. Anything else
/// is dropped, so a bad span can never split a UTF-8 character or panic.
fn clean_spans(text: &str, spans: &[(usize, usize)]) -> Vec<(usize, usize)> {
    let mut v: Vec<(usize, usize)> = spans
        .iter()
        .copied()
        .filter(|&(s, e)| {
            s < e && e <= text.len() && text.is_char_boundary(s) && text.is_char_boundary(e)
        })
        .collect();
    v.sort_unstable();
    let mut merged: Vec<(usize, usize)> = Vec::with_capacity(v.len());
    for (s, e) in v {
        match merged.last_mut() {
            Some(last) if s <= last.1 => last.1 = last.1.max(e),
            _ => merged.push((s, e)),
        }
    }
    merged
}

/// The text with its spans in `<mark>`, line breaks kept by CSS (`pre-wrap`).
pub(crate) fn marked_text(text: &str, spans: &[(usize, usize)]) -> Markup {
    // (words, marked) segments, in order.
    let mut segments: Vec<(&str, bool)> = Vec::new();
    let mut at = 0;
    for (s, e) in clean_spans(text, spans) {
        segments.push((&text[at..s], false));
        segments.push((&text[s..e], true));
        at = e;
    }
    segments.push((&text[at..], false));
    html! {
        div class="marked-text" {
            @for (words, marked) in segments {
                @if marked { mark { (words) } } @else { (words) }
            }
        }
    }
}

/// Like `layout::paragraphs` (paragraphs on blank lines, `<br>` on single
/// line breaks), with the spans in `<mark>`; a mark that crosses a line break
/// is split in two.
pub(crate) fn marked_paragraphs(text: &str, spans: &[(usize, usize)]) -> Markup {
    let spans = clean_spans(text, spans);
    // Byte offset of a subslice of `text`; `split` and `lines` only hand out subslices.
    let offset = |part: &str| part.as_ptr() as usize - text.as_ptr() as usize;
    let line_segments = |line: &str| -> Vec<(String, bool)> {
        let (ls, le) = (offset(line), offset(line) + line.len());
        let mut out = Vec::new();
        let mut at = ls;
        for &(s, e) in spans.iter().filter(|(s, e)| *s < le && *e > ls) {
            let (s, e) = (s.max(ls), e.min(le));
            if s > at {
                out.push((text[at..s].to_owned(), false));
            }
            out.push((text[s..e].to_owned(), true));
            at = e;
        }
        if at < le {
            out.push((text[at..le].to_owned(), false));
        }
        out
    };
    html! {
        @for para in text.split("\n\n") {
            p {
                @for (i, line) in para.lines().enumerate() {
                    @if i > 0 { br; }
                    @for (words, marked) in line_segments(line) {
                        @if marked { mark { (words) } } @else { (words) }
                    }
                }
            }
        }
    }
}

/// One finding per pattern (the most confident), in the detector's order.
pub(crate) fn distinct_findings(analysis: &Analysis) -> Vec<&Finding> {
    let mut seen = Vec::new();
    analysis
        .patterns
        .iter()
        .filter(|f| {
            let new = !seen.contains(&f.pattern);
            seen.push(f.pattern);
            new
        })
        .collect()
}

/// Whether any of the texts has risk language (crisis help is shown).
pub(crate) fn is_risky(texts: &[&str]) -> bool {
    texts.iter().any(|t| risk_language(t).is_some())
}

/// The patterns found, worded as gentle questions and never as verdicts.
///
/// When the words sound like the person may be in danger, naming thinking
/// patterns next to the crisis help would read as dismissive, so this says
/// only that the person matters more than any pattern.
///
/// At most `max_shown` guesses, most confident first: a list of four labels
/// for one thought reads as a diagnosis, not a question.
pub(crate) fn findings(analysis: &Analysis, risky: bool, max_shown: usize) -> Markup {
    let found: Vec<&Finding> = distinct_findings(analysis)
        .into_iter()
        .take(max_shown)
        .collect();
    if risky {
        return html! {
            section class="findings" aria-labelledby="findings-h" {
                h2 id="findings-h" { "What tend noticed" }
                p { "Right now you matter more than any thinking pattern. "
                    "Please reach out to one of the people above; this will still be here later." }
            }
        };
    }
    html! {
        section class="findings" aria-labelledby="findings-h" {
            h2 id="findings-h" { "What tend noticed" }
            @if found.is_empty() {
                @if analysis.self_critical {
                    p { "This sounds like it might be the inner critic talking. "
                        "tend didn't spot one of the familiar thinking patterns in it, and that's fine: "
                        "noticing the voice is the first step." }
                } @else {
                    p { "tend didn't spot a familiar thinking pattern here. It can miss things, "
                        "and not every hard thought follows a pattern. Noticing it still counts." }
                }
            } @else {
                p class="muted" { "These are guesses, not verdicts. Only you know whether they fit." }
                ul class="finding-list" {
                    @for f in &found {
                        li {
                            strong { "Could this be " (f.pattern.name().to_lowercase()) "?" }
                            br;
                            (f.explanation)
                        }
                    }
                }
            }
        }
    }
}

/// Prompts for "what would you say to a friend?" that fit the patterns found;
/// general ones when none was found.
pub(crate) fn reframe_prompts(patterns: &[Pattern]) -> Vec<&'static str> {
    const GENERAL: [&str; 3] = [
        "If a friend told you they had this thought, what would you say to them?",
        "What is a kinder and still honest way to say this?",
        "What do you know about yourself that this thought leaves out?",
    ];
    let mut out: Vec<&'static str> = Vec::new();
    // The first two prompts of up to two patterns keep the list short enough to read on a phone.
    for p in patterns.iter().take(2) {
        out.extend(p.reframe_prompts().iter().take(2));
    }
    if out.is_empty() {
        out.extend(GENERAL);
    } else {
        out.push(GENERAL[0]);
    }
    out
}

/// A gentle warning (never a block) when words may identify a patient, with
/// the way to change them. `edit_href` is where the person can edit the text.
pub(crate) fn phi_notice(texts: &[&str], edit_href: Option<&str>) -> Markup {
    let mut quoted: Vec<(String, String)> = Vec::new();
    for text in texts {
        for w in patient_identifiers(text) {
            if let Some(words) = text.get(w.start..w.end) {
                quoted.push((words.to_owned(), w.explanation.clone()));
            }
        }
    }
    html! {
        @if !quoted.is_empty() {
            div class="phi-notice" role="note" aria-labelledby="phi-h" {
                h2 id="phi-h" { "This might identify a patient" }
                p { "What you write here is encrypted and private. Still, it's kinder to your patients, "
                    "and safer for you, to leave out details that could point to a person." }
                ul {
                    @for (words, why) in &quoted {
                        li { "“" (words) "”: " (why) }
                    }
                }
                @if let Some(href) = edit_href {
                    p { a class="button secondary" href=(href) { "Change the words" } }
                }
            }
        }
    }
}

/// Crisis help shown at once when any of the texts has risk language.
pub(crate) fn risk_help(helplines: &Helplines, who: &Unlocked, texts: &[&str]) -> Markup {
    crisis_help(helplines, who, is_risky(texts))
}

/// The crisis help box, when `risky` (for pages that already checked): the
/// emergency number and the crisis lines of the person's country first.
pub(crate) fn crisis_help(helplines: &Helplines, who: &Unlocked, risky: bool) -> Markup {
    let local = web_helplines::for_person(helplines, who);
    html! {
        @if risky {
            section class="crisis" role="alert" aria-labelledby="crisis-h" {
                h2 id="crisis-h" { "You don't have to carry this alone" }
                p { "Some of what you wrote sounds like you might be thinking about hurting yourself or not being here. "
                    "If that's true, please talk to someone now. It is free and confidential, and they want to hear from you." }
                (web_helplines::emergency(&local))
                (web_helplines::compact(local.crisis_lines()))
                p { a href="/safety-plan" { "Open my safety plan" } " · " a href="/help" { "See all help lines" } }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn marks_respect_character_boundaries_and_merge_overlaps() {
        let t = "Ça va: I'm such an idiot. Élan";
        let s = t.find("I'm").unwrap();
        let e = t.find('.').unwrap();
        let html = marked_text(t, &[(s, e), (s + 4, e), (1, 2), (0, 999)]).into_string();
        assert!(html.contains("<mark>I'm such an idiot</mark>"), "{html}");
        assert_eq!(html.matches("<mark>").count(), 1, "{html}");
        assert!(html.contains("Ça va: ") && html.ends_with(". Élan</div>"));
    }

    #[test]
    fn paragraphs_keep_their_breaks_and_marks_split_at_lines() {
        let t = "One idiot.\nTwo\n\nThree é";
        let s = t.find("idiot").unwrap();
        let e = t.find("Two").unwrap() + 3;
        let html = marked_paragraphs(t, &[(s, e), (t.len() - 2, t.len())]).into_string();
        assert_eq!(
            html,
            "<p>One <mark>idiot.</mark><br><mark>Two</mark></p><p>Three <mark>é</mark></p>"
        );
    }

    #[test]
    fn text_is_escaped() {
        let html = marked_text("<b>x</b> & y", &[(3, 4)]).into_string();
        assert!(
            html.contains("&lt;b&gt;<mark>x</mark>&lt;/b&gt; &amp; y"),
            "{html}"
        );
    }

    #[test]
    fn prompts_fit_the_pattern_or_are_general() {
        assert_eq!(reframe_prompts(&[]).len(), 3);
        let p = reframe_prompts(&[Pattern::Labeling]);
        assert!(p[0].contains("friend that word"));
    }
}
