//! A tiny, explainable phrase-rule language and its matcher.
//!
//! Rules live in `data/rules.txt` (embedded at compile time). Each line is
//! `KIND WEIGHT [self] : ELEMENTS`, where KIND is a pattern id, `critic`
//! (self-critical but no particular pattern), `kind` (kind self-talk that
//! softens everything in the sentence) or `reason` (a concrete reason that
//! softens fortune-telling and catastrophizing). Elements are separated by
//! spaces and matched against normalised tokens:
//!
//! * `word` a literal token; `a|b|c` alternatives; `pre*` a prefix;
//! * `@NAME` any word of a lexicon defined by `@NAME = w1 w2 ...`;
//! * `?X` makes element X optional; `_` is any one token;
//! * `..` skips 0–3 tokens, `...` skips 0–8 tokens.

use std::collections::{HashMap, HashSet};

use crate::pattern::Pattern;
use crate::text::Token;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum RuleKind {
    Pattern(Pattern),
    Critic,
    Kind,
    Reason,
}

#[derive(Debug)]
enum Atom {
    Lit(String),
    Prefix(String),
    Lex(usize),
}

#[derive(Debug)]
enum Elem {
    Alts { atoms: Vec<Atom>, optional: bool },
    Any,
    Gap(usize),
}

#[derive(Debug)]
pub(crate) struct Rule {
    pub kind: RuleKind,
    pub weight: f32,
    pub self_critical: bool,
    elems: Vec<Elem>,
    /// 1-based line in the rules file, for debugging and docs.
    pub line: usize,
}

/// A match of one rule: token range `[first, last]` inclusive.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Hit {
    pub rule: usize,
    pub first: usize,
    pub last: usize,
}

#[derive(Debug, Default)]
pub(crate) struct RuleSet {
    pub rules: Vec<Rule>,
    lexicons: Vec<HashSet<String>>,
    index: HashMap<String, Vec<usize>>,
    unindexed: Vec<usize>,
}

impl RuleSet {
    pub fn parse(src: &str) -> Result<RuleSet, String> {
        let mut set = RuleSet::default();
        let mut lex_names: HashMap<String, usize> = HashMap::new();
        for (n, raw) in src.lines().enumerate() {
            let line_no = n + 1;
            let line = raw.split('#').next().unwrap_or("").trim();
            if line.is_empty() {
                continue;
            }
            if let Some(rest) = line.strip_prefix('@') {
                let (name, words) = rest
                    .split_once('=')
                    .ok_or_else(|| format!("line {line_no}: lexicon needs '='"))?;
                let name = name.trim().to_string();
                let idx = match lex_names.get(&name) {
                    Some(&i) => i,
                    None => {
                        set.lexicons.push(HashSet::new());
                        lex_names.insert(name, set.lexicons.len() - 1);
                        set.lexicons.len() - 1
                    }
                };
                for w in words.split_whitespace() {
                    set.lexicons[idx].insert(w.to_string());
                }
                continue;
            }
            let (head, body) = line
                .split_once(':')
                .ok_or_else(|| format!("line {line_no}: rule needs ':'"))?;
            let mut head_parts = head.split_whitespace();
            let kind_s = head_parts
                .next()
                .ok_or_else(|| format!("line {line_no}: missing kind"))?;
            let kind = match kind_s {
                "critic" => RuleKind::Critic,
                "kind" => RuleKind::Kind,
                "reason" => RuleKind::Reason,
                id => RuleKind::Pattern(
                    Pattern::from_id(id)
                        .ok_or_else(|| format!("line {line_no}: unknown kind {id}"))?,
                ),
            };
            let weight: f32 = head_parts
                .next()
                .ok_or_else(|| format!("line {line_no}: missing weight"))?
                .parse()
                .map_err(|e| format!("line {line_no}: weight: {e}"))?;
            let mut self_critical = matches!(kind, RuleKind::Critic);
            for flag in head_parts {
                match flag {
                    "self" => self_critical = true,
                    f => return Err(format!("line {line_no}: unknown flag {f}")),
                }
            }
            let mut elems = Vec::new();
            for tok in body.split_whitespace() {
                elems.push(parse_elem(tok, &lex_names, line_no)?);
            }
            if elems.is_empty() {
                return Err(format!("line {line_no}: empty rule"));
            }
            let required = elems
                .iter()
                .filter(|e| {
                    matches!(
                        e,
                        Elem::Alts {
                            optional: false,
                            ..
                        } | Elem::Any
                    )
                })
                .count();
            if required < elems.len().min(2) {
                return Err(format!(
                    "line {line_no}: a rule needs at least two required elements"
                ));
            }
            set.rules.push(Rule {
                kind,
                weight,
                self_critical,
                elems,
                line: line_no,
            });
        }
        // Index rules by the words their first element can match.
        for (ri, rule) in set.rules.iter().enumerate() {
            let mut words: Vec<String> = Vec::new();
            let indexable = match &rule.elems[0] {
                Elem::Alts {
                    atoms,
                    optional: false,
                } => atoms.iter().all(|a| match a {
                    Atom::Lit(w) => {
                        words.push(w.clone());
                        true
                    }
                    Atom::Lex(l) => {
                        words.extend(set.lexicons[*l].iter().cloned());
                        true
                    }
                    Atom::Prefix(_) => false,
                }),
                _ => false,
            };
            if indexable {
                words.sort();
                words.dedup();
                for w in words {
                    set.index.entry(w).or_default().push(ri);
                }
            } else {
                set.unindexed.push(ri);
            }
        }
        Ok(set)
    }

    /// All rule hits in a token sequence.
    pub fn hits(&self, toks: &[Token], out: &mut Vec<Hit>) {
        for ti in 0..toks.len() {
            let indexed = self.index.get(toks[ti].norm.as_str());
            let candidates = indexed.into_iter().flatten().chain(self.unindexed.iter());
            for &ri in candidates {
                if let Some(end) = self.match_from(&self.rules[ri].elems, toks, 0, ti)
                    && end > ti
                {
                    out.push(Hit {
                        rule: ri,
                        first: ti,
                        last: end - 1,
                    });
                }
            }
        }
    }

    fn atom_matches(&self, atom: &Atom, word: &str) -> bool {
        match atom {
            Atom::Lit(w) => w == word,
            Atom::Prefix(p) => word.starts_with(p.as_str()),
            Atom::Lex(l) => self.lexicons[*l].contains(word),
        }
    }

    fn match_from(&self, elems: &[Elem], toks: &[Token], ei: usize, ti: usize) -> Option<usize> {
        let Some(elem) = elems.get(ei) else {
            return Some(ti);
        };
        match elem {
            Elem::Alts { atoms, optional } => {
                if let Some(t) = toks.get(ti)
                    && atoms.iter().any(|a| self.atom_matches(a, &t.norm))
                    && let Some(e) = self.match_from(elems, toks, ei + 1, ti + 1)
                {
                    return Some(e);
                }
                if *optional {
                    self.match_from(elems, toks, ei + 1, ti)
                } else {
                    None
                }
            }
            Elem::Any => {
                if ti < toks.len() {
                    self.match_from(elems, toks, ei + 1, ti + 1)
                } else {
                    None
                }
            }
            Elem::Gap(n) => {
                for k in 0..=*n {
                    if ti + k > toks.len() {
                        break;
                    }
                    if let Some(e) = self.match_from(elems, toks, ei + 1, ti + k) {
                        return Some(e);
                    }
                }
                None
            }
        }
    }
}

fn parse_elem(tok: &str, lex: &HashMap<String, usize>, line: usize) -> Result<Elem, String> {
    match tok {
        "_" => return Ok(Elem::Any),
        ".." => return Ok(Elem::Gap(3)),
        "..." => return Ok(Elem::Gap(8)),
        _ => {}
    }
    let (optional, body) = match tok.strip_prefix('?') {
        Some(b) => (true, b),
        None => (false, tok),
    };
    let mut atoms = Vec::new();
    for alt in body.split('|') {
        if alt.is_empty() {
            return Err(format!("line {line}: empty alternative in {tok}"));
        }
        if let Some(name) = alt.strip_prefix('@') {
            let idx = lex
                .get(name)
                .ok_or_else(|| format!("line {line}: unknown lexicon @{name}"))?;
            atoms.push(Atom::Lex(*idx));
        } else if let Some(p) = alt.strip_suffix('*') {
            atoms.push(Atom::Prefix(p.to_string()));
        } else {
            atoms.push(Atom::Lit(alt.to_string()));
        }
    }
    Ok(Elem::Alts { atoms, optional })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::text::tokens;

    #[test]
    fn matches_with_optional_gap_and_lexicon() {
        let rs = RuleSet::parse(
            "@BAD = idiot failure\nlabeling 0.8 self : i am ?such ?a|an @BAD\nmind-reading 0.7 : they .. think* i\n",
        )
        .unwrap();
        let t = "Honestly I'm such an idiot and they probably all think I'm slow";
        let toks = tokens(t, 0, t.len());
        let mut hits = Vec::new();
        rs.hits(&toks, &mut hits);
        assert_eq!(hits.len(), 2);
        let h = hits[0];
        assert_eq!(
            &t[toks[h.first].start..toks[h.last].end],
            "I'm such an idiot"
        );
        let h = hits[1];
        assert_eq!(
            &t[toks[h.first].start..toks[h.last].end],
            "they probably all think I'm"
        );
    }

    #[test]
    fn rejects_bad_rules() {
        assert!(RuleSet::parse("nonsense 0.5 : a").is_err());
        assert!(RuleSet::parse("labeling 0.5 : @NOPE").is_err());
        assert!(RuleSet::parse("labeling x : a").is_err());
    }
}
