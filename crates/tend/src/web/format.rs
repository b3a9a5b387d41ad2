//! How numbers and dates read on screen. One place, so every page shows a date
//! the same way and in the person's own time zone.

/// A number with at most two decimals and no trailing zeros (`3.42`, `52`).
pub fn number(v: f64) -> String {
    let s = format!("{v:.2}");
    let s = s.trim_end_matches('0').trim_end_matches('.');
    if s == "-0" { "0".into() } else { s.to_owned() }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn numbers_print_without_trailing_zeros() {
        assert_eq!(number(52.0), "52");
        assert_eq!(number(3.5), "3.5");
        assert_eq!(number(3.41666), "3.42");
        assert_eq!(number(-0.0), "0");
    }
}
