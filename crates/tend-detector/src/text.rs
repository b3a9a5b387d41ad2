//! Sentence splitting and tokenisation with byte spans into the original text.

/// A word token: normalised (lower-case, contractions expanded) text and the
/// byte span of the word it came from in the original text.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Token {
    pub norm: String,
    pub start: usize,
    pub end: usize,
}

const ABBREVIATIONS: &[&str] = &[
    "mr", "mrs", "ms", "mx", "dr", "st", "vs", "etc", "pt", "no", "approx", "e.g", "i.e", "eg",
    "ie", "prof", "rm", "sr", "jr", "fig", "hr", "min",
];

/// Split `text` into trimmed sentence spans `(start, end)` (byte offsets).
pub(crate) fn sentences(text: &str) -> Vec<(usize, usize)> {
    let mut out = Vec::new();
    let mut start = 0usize;
    let bytes = text.as_bytes();
    let mut iter = text.char_indices().peekable();
    while let Some((i, c)) = iter.next() {
        let boundary = match c {
            '\n' => true,
            '!' | '?' | '…' => true,
            '.' => {
                let next = iter.peek().map(|&(_, n)| n);
                let next_ok =
                    next.is_none_or(|n| n.is_whitespace() || n == '"' || n == '”' || n == ')');
                let prev_word = previous_word(&text[start..i]);
                let abbrev = ABBREVIATIONS.contains(&prev_word.to_ascii_lowercase().as_str())
                    || (prev_word.len() == 1 && prev_word.chars().all(|c| c.is_ascii_alphabetic()));
                next_ok && !abbrev
            }
            _ => false,
        };
        if boundary {
            // swallow runs of terminators ("?!", "...")
            let mut end = i + c.len_utf8();
            while let Some(&(j, n)) = iter.peek() {
                if matches!(n, '.' | '!' | '?' | '…' | '"' | '”' | ')') {
                    end = j + n.len_utf8();
                    iter.next();
                } else {
                    break;
                }
            }
            push_trimmed(text, start, end, &mut out);
            start = end;
        }
    }
    push_trimmed(text, start, bytes.len(), &mut out);
    out
}

fn previous_word(s: &str) -> &str {
    let trimmed = s.trim_end();
    let from = trimmed
        .char_indices()
        .rev()
        .find(|&(_, c)| c.is_whitespace() || c == '(')
        .map(|(p, c)| p + c.len_utf8())
        .unwrap_or(0);
    &trimmed[from..]
}

fn push_trimmed(text: &str, start: usize, end: usize, out: &mut Vec<(usize, usize)>) {
    let slice = &text[start..end];
    let lead = slice.len() - slice.trim_start().len();
    let trail = slice.len() - slice.trim_end().len();
    let (s, e) = (start + lead, end - trail);
    if s < e && text[s..e].chars().any(|c| c.is_alphanumeric()) {
        out.push((s, e));
    }
}

fn is_word_char(c: char) -> bool {
    c.is_alphanumeric()
}

fn is_apostrophe(c: char) -> bool {
    c == '\'' || c == '’' || c == '‘'
}

/// Tokenise `text[start..end]`; spans are relative to the whole `text`.
pub(crate) fn tokens(text: &str, start: usize, end: usize) -> Vec<Token> {
    let slice = &text[start..end];
    let mut out = Vec::with_capacity(slice.len() / 4 + 1);
    let mut word_start: Option<usize> = None;
    let mut chars = slice.char_indices().peekable();
    while let Some((i, c)) = chars.next() {
        let inner_apostrophe = is_apostrophe(c)
            && word_start.is_some()
            && chars.peek().is_some_and(|&(_, n)| n.is_alphabetic());
        if is_word_char(c) || inner_apostrophe {
            if word_start.is_none() {
                word_start = Some(i);
            }
        } else if let Some(ws) = word_start.take() {
            push_word(&slice[ws..i], start + ws, start + i, &mut out);
        }
    }
    if let Some(ws) = word_start {
        push_word(&slice[ws..], start + ws, end, &mut out);
    }
    out
}

const S_IS: &[&str] = &[
    "he",
    "she",
    "it",
    "that",
    "there",
    "what",
    "who",
    "everyone",
    "everybody",
    "nobody",
    "someone",
    "somebody",
    "this",
    "here",
    "where",
    "how",
    "life",
];

fn push_word(word: &str, start: usize, end: usize, out: &mut Vec<Token>) {
    let mut lower = String::with_capacity(word.len());
    for c in word.chars() {
        if is_apostrophe(c) {
            lower.push('\'');
        } else {
            lower.extend(c.to_lowercase());
        }
    }
    let mut push = |s: &str| {
        out.push(Token {
            norm: s.to_string(),
            start,
            end,
        })
    };
    // Contractions written without an apostrophe.
    let bare: Option<(&str, &str)> = match lower.as_str() {
        "im" => Some(("i", "am")),
        "ive" => Some(("i", "have")),
        "dont" => Some(("do", "not")),
        "didnt" => Some(("did", "not")),
        "doesnt" => Some(("does", "not")),
        "cant" | "cannot" => Some(("can", "not")),
        "wont" => Some(("will", "not")),
        "shouldnt" => Some(("should", "not")),
        "couldnt" => Some(("could", "not")),
        "wouldnt" => Some(("would", "not")),
        "isnt" => Some(("is", "not")),
        "wasnt" => Some(("was", "not")),
        "arent" => Some(("are", "not")),
        "havent" => Some(("have", "not")),
        "hasnt" => Some(("has", "not")),
        "werent" => Some(("were", "not")),
        _ => None,
    };
    if let Some((a, b)) = bare {
        push(a);
        push(b);
        return;
    }
    if let Some(pos) = lower.find('\'') {
        let (base, suffix) = lower.split_at(pos);
        match suffix {
            "'t" if base.ends_with('n') => {
                let stem = &base[..base.len() - 1];
                let stem = match stem {
                    "wo" => "will",
                    "ca" => "can",
                    "sha" => "shall",
                    "ai" => "is",
                    s => s,
                };
                push(stem);
                push("not");
            }
            "'m" => {
                push(base);
                push("am");
            }
            "'re" => {
                push(base);
                push("are");
            }
            "'ve" => {
                push(base);
                push("have");
            }
            "'ll" => {
                push(base);
                push("will");
            }
            "'d" => {
                push(base);
                push("would");
            }
            "'s" => {
                push(base);
                if S_IS.contains(&base) {
                    push("is");
                }
            }
            _ => push(&lower.replace('\'', "")),
        }
        return;
    }
    push(&lower);
}

#[cfg(test)]
mod tests {
    use super::*;

    fn norms(s: &str) -> Vec<String> {
        tokens(s, 0, s.len()).into_iter().map(|t| t.norm).collect()
    }

    #[test]
    fn splits_sentences_keeping_abbreviations() {
        let t = "Mr. Smith was kind. I froze on rounds! Why?\nDr. Lee said 3.5 was fine";
        let s: Vec<&str> = sentences(t).into_iter().map(|(a, b)| &t[a..b]).collect();
        assert_eq!(
            s,
            vec![
                "Mr. Smith was kind.",
                "I froze on rounds!",
                "Why?",
                "Dr. Lee said 3.5 was fine"
            ]
        );
    }

    #[test]
    fn multibyte_whitespace_and_punctuation_do_not_panic() {
        let t = "I am nice\u{a0}person. Ok\u{2003}.\u{3000}é. ‘Really’?… «non»!";
        for (a, b) in sentences(t) {
            let _ = tokens(t, a, b);
        }
        let all: String = (0u32..0x3000).filter_map(char::from_u32).collect();
        for (a, b) in sentences(&all) {
            let _ = tokens(&all, a, b);
        }
    }

    #[test]
    fn expands_contractions() {
        assert_eq!(
            norms("I’m such an idiot"),
            vec!["i", "am", "such", "an", "idiot"]
        );
        assert_eq!(
            norms("I won't pass, can't"),
            vec!["i", "will", "not", "pass", "can", "not"]
        );
        assert_eq!(norms("im dumb"), vec!["i", "am", "dumb"]);
        assert_eq!(
            norms("it's the attending's fault"),
            vec!["it", "is", "the", "attending", "fault"]
        );
        assert_eq!(norms("67-year-old"), vec!["67", "year", "old"]);
    }

    #[test]
    fn spans_point_into_original_text() {
        let t = "  Héllo wörld  ";
        let toks = tokens(t, 0, t.len());
        assert_eq!(&t[toks[0].start..toks[0].end], "Héllo");
        assert_eq!(&t[toks[1].start..toks[1].end], "wörld");
    }
}
