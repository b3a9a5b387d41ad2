//! tend's own written content (Learn articles, guided practices, guides and
//! prompts), compiled into the binary from `content/` at the repository root
//! and checked at start-up, so a broken file stops tend with a clear message.

mod markdown;

use serde::Deserialize;

pub use markdown::render_markdown;

/// Every content file, embedded at build time: (path for messages, text).
const ARTICLES: &[(&str, &str)] = &[
    (
        "content/learn/00-why-self-compassion.md",
        include_str!("../../../../content/learn/00-why-self-compassion.md"),
    ),
    (
        "content/learn/01-what-the-research-shows.md",
        include_str!("../../../../content/learn/01-what-the-research-shows.md"),
    ),
    (
        "content/learn/02-notice-the-inner-critic.md",
        include_str!("../../../../content/learn/02-notice-the-inner-critic.md"),
    ),
    (
        "content/learn/03-mindfulness.md",
        include_str!("../../../../content/learn/03-mindfulness.md"),
    ),
    (
        "content/learn/04-talk-to-yourself-as-a-friend.md",
        include_str!("../../../../content/learn/04-talk-to-yourself-as-a-friend.md"),
    ),
    (
        "content/learn/05-embrace-imperfection.md",
        include_str!("../../../../content/learn/05-embrace-imperfection.md"),
    ),
    (
        "content/learn/06-realistic-expectations.md",
        include_str!("../../../../content/learn/06-realistic-expectations.md"),
    ),
    (
        "content/learn/07-self-care.md",
        include_str!("../../../../content/learn/07-self-care.md"),
    ),
    (
        "content/learn/08-seek-support.md",
        include_str!("../../../../content/learn/08-seek-support.md"),
    ),
    (
        "content/learn/09-hard-moments.md",
        include_str!("../../../../content/learn/09-hard-moments.md"),
    ),
    (
        "content/learn/10-check-in-and-reflect.md",
        include_str!("../../../../content/learn/10-check-in-and-reflect.md"),
    ),
    (
        "content/learn/11-gratitude.md",
        include_str!("../../../../content/learn/11-gratitude.md"),
    ),
];

const PRACTICES: &[(&str, &str)] = &[
    (
        "content/practices/breathing-space.toml",
        include_str!("../../../../content/practices/breathing-space.toml"),
    ),
    (
        "content/practices/body-scan.toml",
        include_str!("../../../../content/practices/body-scan.toml"),
    ),
    (
        "content/practices/affectionate-breathing.toml",
        include_str!("../../../../content/practices/affectionate-breathing.toml"),
    ),
    (
        "content/practices/loving-kindness.toml",
        include_str!("../../../../content/practices/loving-kindness.toml"),
    ),
    (
        "content/practices/rain.toml",
        include_str!("../../../../content/practices/rain.toml"),
    ),
    (
        "content/practices/self-compassion-break.toml",
        include_str!("../../../../content/practices/self-compassion-break.toml"),
    ),
];

/// The built-in help lines: one file per country, and one for everywhere
/// (read by `domain::helplines`; an operator's `--helplines` files come after).
pub const HELPLINE_FILES: &[(&str, &str)] = &[
    (
        "content/helplines/international.toml",
        include_str!("../../../../content/helplines/international.toml"),
    ),
    (
        "content/helplines/gb.toml",
        include_str!("../../../../content/helplines/gb.toml"),
    ),
    (
        "content/helplines/ie.toml",
        include_str!("../../../../content/helplines/ie.toml"),
    ),
    (
        "content/helplines/ca.toml",
        include_str!("../../../../content/helplines/ca.toml"),
    ),
    (
        "content/helplines/au.toml",
        include_str!("../../../../content/helplines/au.toml"),
    ),
    (
        "content/helplines/nz.toml",
        include_str!("../../../../content/helplines/nz.toml"),
    ),
    (
        "content/helplines/us.toml",
        include_str!("../../../../content/helplines/us.toml"),
    ),
];

const GROUNDING: (&str, &str) = (
    "content/guides/grounding.toml",
    include_str!("../../../../content/guides/grounding.toml"),
);
const BREAK: (&str, &str) = (
    "content/guides/self-compassion-break.toml",
    include_str!("../../../../content/guides/self-compassion-break.toml"),
);
const PROMPTS: (&str, &str) = (
    "content/prompts.toml",
    include_str!("../../../../content/prompts.toml"),
);

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ArticleMeta {
    pub slug: String,
    pub title: String,
    pub summary: String,
    /// 0 for general articles, 1–10 for the guide's steps.
    pub step: u8,
    /// The app page this article leads to, e.g. `/critic`.
    pub feature: String,
    pub feature_label: String,
    pub minutes: u8,
}

#[derive(Debug, Clone)]
pub struct Article {
    pub meta: ArticleMeta,
    /// Rendered from tend's own Markdown; raw HTML in the source is escaped.
    pub html: String,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Pacer {
    pub inhale: u8,
    #[serde(default)]
    pub hold: u8,
    pub exhale: u8,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Step {
    pub title: String,
    pub text: String,
    /// Fraction of the chosen duration (practices only).
    #[serde(default)]
    pub share: f32,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Practice {
    pub slug: String,
    pub title: String,
    pub summary: String,
    /// Minutes offered.
    pub durations: Vec<u16>,
    #[serde(default)]
    pub pacer: Option<Pacer>,
    pub source: String,
    pub steps: Vec<Step>,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Guide {
    pub title: String,
    pub summary: String,
    #[serde(default)]
    pub source: Option<String>,
    pub steps: Vec<Step>,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Prompt {
    pub label: String,
    pub hint: String,
}

/// The five parts of the mistake debrief, shown in this order, ending on kindness.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct DebriefPrompts {
    pub what_happened: Prompt,
    pub what_i_felt: Prompt,
    pub common_humanity: Prompt,
    pub one_lesson: Prompt,
    pub kind_sentence: Prompt,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Prompts {
    pub gratitude: Vec<String>,
    pub reflection: Vec<String>,
    pub compassionate_letter: Vec<String>,
    pub debrief: DebriefPrompts,
    /// Each holds a `{practice}` placeholder for the practice's title.
    pub suggested_practice_reasons: Vec<String>,
    pub checkin_kind_words: Vec<String>,
}

#[derive(Debug, Clone)]
pub struct Content {
    /// In reading order.
    pub articles: Vec<Article>,
    pub practices: Vec<Practice>,
    pub grounding: Guide,
    pub self_compassion_break: Guide,
    pub prompts: Prompts,
}

fn parse_toml<T: serde::de::DeserializeOwned>((path, text): (&str, &str)) -> Result<T, String> {
    toml::from_str(text).map_err(|e| format!("{path}: {e}"))
}

fn parse_article(path: &str, text: &str) -> Result<Article, String> {
    let rest = text
        .strip_prefix("+++\n")
        .ok_or_else(|| format!("{path}: must start with a +++ front-matter line"))?;
    let (front, body) = rest
        .split_once("\n+++\n")
        .ok_or_else(|| format!("{path}: the front matter has no closing +++ line"))?;
    let meta: ArticleMeta = toml::from_str(front).map_err(|e| format!("{path}: {e}"))?;
    let (text, references) = body
        .split_once("\n## References\n")
        .ok_or_else(|| format!("{path}: every article ends with a ## References section"))?;
    // The reference list is long on a phone, so it is folded under its heading: the
    // heading stays in the page outline, and the list opens with one tap, no script.
    let html = format!(
        "{}<h2>References</h2>\n<details class=\"references\"><summary>Show the references</summary>\n{}</details>\n",
        render_markdown(text),
        render_markdown(references)
    );
    Ok(Article { meta, html })
}

/// Shown at the start of every guided practice, before the first step, so nobody
/// has to finish, close their eyes or do every part.
pub const PRACTICE_OPT_OUT: &str =
    "You can keep your eyes open, skip any part, and stop at any time.";

impl Content {
    pub fn embedded() -> Result<Self, String> {
        let articles = ARTICLES
            .iter()
            .map(|(p, t)| parse_article(p, t))
            .collect::<Result<Vec<_>, _>>()?;
        let practices = PRACTICES
            .iter()
            .map(|pt| {
                let p: Practice = parse_toml(*pt)?;
                let total: f32 = p.steps.iter().map(|s| s.share).sum();
                if p.steps.is_empty() || (total - 1.0).abs() > 0.01 || p.durations.is_empty() {
                    return Err(format!(
                        "{}: needs steps whose shares add up to 1 and at least one duration",
                        pt.0
                    ));
                }
                Ok(p)
            })
            .collect::<Result<Vec<_>, String>>()?;
        let prompts: Prompts = parse_toml(PROMPTS)?;
        if prompts.gratitude.is_empty()
            || prompts.reflection.is_empty()
            || prompts.compassionate_letter.is_empty()
        {
            return Err(format!(
                "{}: every prompt list needs at least one prompt",
                PROMPTS.0
            ));
        }
        Ok(Self {
            articles,
            practices,
            grounding: parse_toml(GROUNDING)?,
            self_compassion_break: parse_toml(BREAK)?,
            prompts,
        })
    }

    pub fn article(&self, slug: &str) -> Option<&Article> {
        self.articles.iter().find(|a| a.meta.slug == slug)
    }

    /// The article about a step of the guide.
    pub fn article_for_step(&self, step: u8) -> Option<&Article> {
        self.articles.iter().find(|a| a.meta.step == step)
    }

    pub fn practice(&self, slug: &str) -> Option<&Practice> {
        self.practices.iter().find(|p| p.slug == slug)
    }
}

#[cfg(test)]
mod rules;

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn all_content_loads_and_covers_every_step() {
        let c = Content::embedded().unwrap();
        for step in 1..=10 {
            assert!(
                c.article_for_step(step).is_some(),
                "no article for step {step}"
            );
        }
        assert!(c.practices.len() >= 5);
        assert!(c.practices.iter().any(|p| p.pacer.is_some()));
        assert!(!c.grounding.steps.is_empty() && !c.self_compassion_break.steps.is_empty());
        let a = c.article("notice-the-inner-critic").unwrap();
        assert!(a.html.contains("<h2>References</h2>"));
    }

    #[test]
    fn broken_articles_are_refused_with_the_file_name() {
        let e = parse_article("x.md", "no front matter").unwrap_err();
        assert!(e.starts_with("x.md:"));
        let e = parse_article("y.md", "+++\nslug = 1\n+++\nbody\n## References\n").unwrap_err();
        assert!(e.starts_with("y.md:"));
    }
}
