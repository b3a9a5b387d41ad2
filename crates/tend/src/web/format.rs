//! How numbers and dates read on screen. One place, so every page shows a date
//! the same way and in the person's own time zone.

/// A number with at most two decimals and no trailing zeros (`3.42`, `52`).
pub fn number(v: f64) -> String {
    let s = format!("{v:.2}");
    let s = s.trim_end_matches('0').trim_end_matches('.');
    if s == "-0" { "0".into() } else { s.to_owned() }
}

/// A record's time as a date, such as "4 March 2026".
pub fn when(ts: i64) -> String {
    jiff::Timestamp::from_second(ts)
        .map(|t| t.strftime("%-d %B %Y").to_string())
        .unwrap_or_default()
}

/// "1 minute", "12 minutes".
pub fn minutes(n: u32) -> String {
    if n == 1 {
        "1 minute".into()
    } else {
        format!("{n} minutes")
    }
}

/// "1 day", "3 days".
pub fn days(n: usize) -> String {
    if n == 1 {
        "1 day".into()
    } else {
        format!("{n} days")
    }
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
