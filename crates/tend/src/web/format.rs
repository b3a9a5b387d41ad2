//! How numbers and dates read on screen. One place, so every page shows a date
//! the same way and in the person's own time zone.

use jiff::civil::Date;
use jiff::tz::TimeZone;

/// A number with at most two decimals and no trailing zeros (`3.42`, `52`).
pub fn number(v: f64) -> String {
    let s = format!("{v:.2}");
    let s = s.trim_end_matches('0').trim_end_matches('.');
    if s == "-0" { "0".into() } else { s.to_owned() }
}

/// The day a record was written, such as "4 March 2026", in the person's
/// own time zone (a late-evening entry belongs to that evening, not to the
/// next day in UTC).
pub fn when(ts: i64, tz: &TimeZone) -> String {
    jiff::Timestamp::from_second(ts)
        .map(|t| date(t.to_zoned(tz.clone()).date()))
        .unwrap_or_default()
}

/// "4 March 2026".
pub fn date(d: Date) -> String {
    d.strftime("%-d %B %Y").to_string()
}

/// "Wednesday 4 March".
pub fn weekday(d: Date) -> String {
    d.strftime("%A %-d %B").to_string()
}

/// "Wednesday 4 March 2026".
pub fn weekday_year(d: Date) -> String {
    d.strftime("%A %-d %B %Y").to_string()
}

/// "4 Mar".
pub fn short(d: Date) -> String {
    d.strftime("%-d %b").to_string()
}

/// "Wed 4 Mar".
pub fn short_weekday(d: Date) -> String {
    d.strftime("%a %-d %b").to_string()
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

/// One CSV field (RFC 4180): quoted when it holds a comma, a quote or a line
/// break, with quotes doubled.
pub fn csv_field(s: &str) -> String {
    if s.contains([',', '"', '\n', '\r']) {
        format!("\"{}\"", s.replace('"', "\"\""))
    } else {
        s.to_owned()
    }
}

/// A CSV field for text someone else typed, to be opened in a spreadsheet: a
/// leading `=`, `+`, `-`, `@`, tab or carriage return would make a spreadsheet
/// read it as a formula, so such text gets a `'` in front (OWASP's advice
/// against CSV formula injection; the apostrophe stays visible).
pub fn csv_text(s: &str) -> String {
    if s.starts_with(['=', '+', '-', '@', '\t', '\r']) {
        csv_field(&format!("'{s}"))
    } else {
        csv_field(s)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_late_evening_record_shows_the_persons_own_day() {
        // 23:30 on 4 March in Los Angeles is already 5 March in UTC.
        let ts = jiff::Timestamp::from_second(1_772_695_800).unwrap();
        let la = TimeZone::get("America/Los_Angeles").unwrap();
        assert_eq!(
            ts.to_zoned(la.clone()).strftime("%H:%M").to_string(),
            "23:30"
        );
        assert_eq!(when(ts.as_second(), &la), "4 March 2026");
        assert_eq!(when(ts.as_second(), &TimeZone::UTC), "5 March 2026");
    }

    #[test]
    fn numbers_print_without_trailing_zeros() {
        assert_eq!(number(52.0), "52");
        assert_eq!(number(3.5), "3.5");
        assert_eq!(number(3.41666), "3.42");
        assert_eq!(number(-0.0), "0");
    }

    #[test]
    fn csv_fields_are_quoted_and_formulas_defused() {
        assert_eq!(csv_field("plain"), "plain");
        assert_eq!(csv_field("a, \"b\""), "\"a, \"\"b\"\"\"");
        assert_eq!(csv_field("two\nlines"), "\"two\nlines\"");
        assert_eq!(csv_text("=HYPERLINK(1)"), "'=HYPERLINK(1)");
        assert_eq!(csv_text("-1, or so"), "\"'-1, or so\"");
        assert_eq!(csv_text("Year 3 finals"), "Year 3 finals");
    }
}
