//! `tend score <instrument-id> <answer>...`: score one set of answers offline.

use crate::catalog::Catalog;

/// Runs the `score` sub-command. `args` are the words after `score`: an instrument
/// id, then one answer per item (the published response code, or `-` for an
/// unanswered item). `Ok` is the one-line JSON result to print; `Err` is a
/// one-line message for standard error (the caller exits non-zero).
pub fn run_score_command(args: &[String]) -> Result<String, String> {
    let catalog = Catalog::embedded().map_err(|e| format!("instrument data is invalid: {e}"))?;
    let known = catalog.ids().join(", ");
    let Some((id, words)) = args.split_first() else {
        return Err(format!(
            "usage: tend score <instrument-id> <answer>... ('-' for unanswered); instruments: {known}"
        ));
    };
    let Some(instrument) = catalog.get(id) else {
        return Err(format!(
            "unknown instrument \"{id}\"; known instruments: {known}"
        ));
    };
    let n = instrument.items.len();
    let (lo, hi) = instrument.item_range(1).unwrap_or((0, 0));
    let codes = format!("codes {lo}–{hi}, or '-' for unanswered");
    if words.len() != n {
        return Err(format!(
            "{id} has {n} items, so it needs {n} answers ({codes}); got {}",
            words.len()
        ));
    }
    let mut answers = Vec::with_capacity(n);
    for (i, word) in words.iter().enumerate() {
        if word == "-" {
            answers.push(None);
            continue;
        }
        let code: u8 = word.parse().map_err(|_| {
            format!(
                "answer {} (\"{}\") is not a response code; {id} takes {codes}",
                i + 1,
                word.escape_debug()
            )
        })?;
        answers.push(Some(code));
    }
    let result = instrument.score(&answers).map_err(|e| e.to_string())?;
    Ok(result.to_json())
}
