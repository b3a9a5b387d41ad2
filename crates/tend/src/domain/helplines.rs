//! Crisis and support lines, one TOML file per country plus one for everywhere
//! (`content/helplines/`), so a person sees the lines of the country they are
//! in first. Operators add or replace files with `--helplines FILE`.

use serde::{Deserialize, Deserializer, Serialize};

/// "Somewhere else": a person who said their country is not listed. A
/// user-assigned ISO 3166 code, so it can never name a real country.
pub const ELSEWHERE: &str = "ZZ";

/// Every help line tend knows, in the order they are shown within a group.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Helplines {
    pub intro: String,
    /// The countries with lines, sorted by name (for the country picker).
    pub countries: Vec<Country>,
    /// Every line; `country: None` means everywhere.
    pub lines: Vec<Helpline>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Country {
    /// ISO 3166-1 alpha-2, upper case: `GB`.
    pub code: String,
    pub name: String,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Helpline {
    pub name: String,
    /// The country code, or `None` for lines meant for everywhere.
    pub country: Option<String>,
    pub how: String,
    /// Numbers to call, as people write them ("116 123", "1-888-409-0141").
    pub call: Vec<String>,
    /// Numbers to text, as people write them.
    pub text: Vec<String>,
    /// The word to send, when the service asks for one ("SHOUT").
    #[serde(skip_serializing_if = "String::is_empty")]
    pub text_word: String,
    /// A web address (always `https://` or `http://`), shown as a link.
    #[serde(skip_serializing_if = "String::is_empty")]
    pub web: String,
    #[serde(skip_serializing_if = "String::is_empty")]
    pub note: String,
    /// Shown beside worrying words and on the hard-moment page; `false` for
    /// lines that are not for that moment (a directory, a counselling service).
    pub crisis: bool,
    /// The emergency number: shown on its own, above the other lines.
    pub emergency: bool,
    /// A line for doctors and medical students in particular.
    pub medicine: bool,
    /// Where the entry comes from (the organisation's own page).
    pub source: String,
    /// When the entry was last checked against its source (YYYY-MM-DD).
    pub checked: String,
    /// The first number to call, digits only (kept for API callers that read
    /// the old single-number field).
    #[serde(skip_serializing_if = "String::is_empty")]
    pub tel: String,
    /// The first number to text, digits only.
    #[serde(skip_serializing_if = "String::is_empty")]
    pub sms: String,
}

/// How an operator's file combines with the built-in lines.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Mode {
    /// Its lines are added after the built-in lines of the same country (or,
    /// without a country, before the built-in lines for everywhere).
    #[default]
    Extend,
    /// Its lines take the place of the built-in lines of the same country
    /// (or, without a country, of the lines for everywhere).
    Replace,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct File {
    #[serde(default)]
    country: Option<String>,
    /// The country's name, required with `country`.
    #[serde(default)]
    name: Option<String>,
    #[serde(default)]
    intro: Option<String>,
    #[serde(default)]
    mode: Mode,
    #[serde(rename = "line", default)]
    lines: Vec<RawLine>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct RawLine {
    name: String,
    #[serde(default)]
    how: String,
    /// `tel` is the name files used before numbers could be written with spaces.
    #[serde(default, alias = "tel", deserialize_with = "one_or_many")]
    call: Vec<String>,
    #[serde(default, alias = "sms", deserialize_with = "one_or_many")]
    text: Vec<String>,
    #[serde(default)]
    text_word: String,
    #[serde(default, alias = "url")]
    web: String,
    #[serde(default)]
    note: String,
    /// Older files named a region in words; it is kept at the end of `how`.
    #[serde(default)]
    region: String,
    #[serde(default = "yes")]
    crisis: bool,
    #[serde(default)]
    emergency: bool,
    #[serde(default)]
    medicine: bool,
    #[serde(default)]
    source: String,
    #[serde(default)]
    checked: String,
}

fn yes() -> bool {
    true
}

fn one_or_many<'de, D: Deserializer<'de>>(d: D) -> Result<Vec<String>, D::Error> {
    #[derive(Deserialize)]
    #[serde(untagged)]
    enum OneOrMany {
        One(String),
        Many(Vec<String>),
    }
    Ok(match OneOrMany::deserialize(d)? {
        OneOrMany::One(s) if s.trim().is_empty() => Vec::new(),
        OneOrMany::One(s) => vec![s],
        OneOrMany::Many(v) => v,
    })
}

/// The digits of a number as written, for a `tel:` or `sms:` link. A leading
/// `+` stays (international format); everything else but digits goes.
pub fn dial_digits(written: &str) -> String {
    let t = written.trim();
    let plus = if t.starts_with('+') { "+" } else { "" };
    let digits: String = t.chars().filter(char::is_ascii_digit).collect();
    format!("{plus}{digits}")
}

/// A country code as tend keeps it (two ASCII capital letters), or `None`.
pub fn parse_country_code(input: &str) -> Option<String> {
    let c = input.trim().to_ascii_uppercase();
    (c.len() == 2 && c.bytes().all(|b| b.is_ascii_uppercase())).then_some(c)
}

fn check_number(line: &str, what: &str, n: &str) -> Result<(), String> {
    let ok_chars = n
        .chars()
        .all(|c| c.is_ascii_digit() || matches!(c, ' ' | '-' | '(' | ')' | '+' | '.'));
    let digits = n.chars().filter(char::is_ascii_digit).count();
    let plus_inside = n.trim().chars().skip(1).any(|c| c == '+');
    if !ok_chars || !(3..=15).contains(&digits) || plus_inside {
        return Err(format!(
            "{line}: {what} \"{n}\" must be a phone number (digits, spaces, dashes or brackets; it becomes a link)"
        ));
    }
    Ok(())
}

fn check_web(line: &str, web: &str) -> Result<String, String> {
    if web.is_empty() {
        return Ok(String::new());
    }
    if web
        .chars()
        .any(|c| c.is_whitespace() || matches!(c, '"' | '<' | '>'))
    {
        return Err(format!(
            "{line}: web \"{web}\" must be one address with no spaces"
        ));
    }
    let lower = web.to_ascii_lowercase();
    if lower.starts_with("https://") || lower.starts_with("http://") {
        Ok(web.to_owned())
    } else if web.contains(':') {
        // Only web links: never `javascript:` or anything else a browser runs.
        Err(format!("{line}: web \"{web}\" must start with https://"))
    } else {
        // Older files wrote bare names ("findahelpline.com").
        Ok(format!("https://{web}"))
    }
}

fn check_date(line: &str, checked: &str) -> Result<(), String> {
    let ok = checked.len() == 10 && checked.parse::<jiff::civil::Date>().is_ok();
    if ok {
        Ok(())
    } else {
        Err(format!(
            "{line}: add `checked = \"YYYY-MM-DD\"`, the day the entry was last checked against its source"
        ))
    }
}

impl RawLine {
    fn into_line(self, country: Option<&str>) -> Result<Helpline, String> {
        let name = self.name.trim().to_owned();
        if name.is_empty() {
            return Err("a line has no name".into());
        }
        if self.source.trim().is_empty() {
            return Err(format!(
                "{name}: add `source = \"https://…\"`, the page the number was checked against"
            ));
        }
        check_date(&name, self.checked.trim())?;
        for n in &self.call {
            check_number(&name, "call", n)?;
        }
        for n in &self.text {
            check_number(&name, "text", n)?;
        }
        if self.how.trim().is_empty() && self.call.is_empty() && self.text.is_empty() {
            return Err(format!(
                "{name}: say how to reach it (`how`, `call` or `text`)"
            ));
        }
        let web = check_web(&name, self.web.trim())?;
        let how = match (self.how.trim(), self.region.trim()) {
            (h, "") => h.to_owned(),
            (h, r) => format!("{h} ({r})"),
        };
        Ok(Helpline {
            tel: self
                .call
                .first()
                .map(|n| dial_digits(n))
                .unwrap_or_default(),
            sms: self
                .text
                .first()
                .map(|n| dial_digits(n))
                .unwrap_or_default(),
            name,
            country: country.map(str::to_owned),
            how,
            call: self.call.iter().map(|n| n.trim().to_owned()).collect(),
            text: self.text.iter().map(|n| n.trim().to_owned()).collect(),
            text_word: self.text_word.trim().to_owned(),
            web,
            note: self.note.trim().to_owned(),
            crisis: self.crisis || self.emergency,
            emergency: self.emergency,
            medicine: self.medicine,
            source: self.source.trim().to_owned(),
            checked: self.checked.trim().to_owned(),
        })
    }
}

#[derive(Debug)]
struct Parsed {
    country: Option<Country>,
    intro: Option<String>,
    mode: Mode,
    lines: Vec<Helpline>,
}

fn parse_file(source: &str) -> Result<Parsed, String> {
    let f: File = toml::from_str(source).map_err(|e| e.to_string())?;
    if f.lines.is_empty() {
        return Err("the file lists no help lines; add at least one [[line]]".into());
    }
    let country = match (&f.country, &f.name) {
        (None, _) => None,
        (Some(c), name) => {
            let code = parse_country_code(c)
                .filter(|c| c != ELSEWHERE)
                .ok_or_else(|| format!("country \"{c}\" must be a two-letter code such as GB"))?;
            let name = name
                .as_deref()
                .map(str::trim)
                .filter(|n| !n.is_empty())
                .ok_or_else(|| format!("add the country's name: name = \"…\" (for {code})"))?;
            Some(Country {
                code,
                name: name.to_owned(),
            })
        }
    };
    let code = country.as_ref().map(|c| c.code.as_str());
    let lines = f
        .lines
        .into_iter()
        .map(|l| l.into_line(code))
        .collect::<Result<Vec<_>, _>>()?;
    Ok(Parsed {
        country,
        intro: f.intro.filter(|i| !i.trim().is_empty()),
        mode: f.mode,
        lines,
    })
}

/// The lines for one person: their country's first, then everywhere's.
#[derive(Debug, Clone)]
pub struct Local<'a> {
    /// The person's country, when tend has lines for it.
    pub country: Option<&'a Country>,
    /// The emergency line to show first: the country's, else everywhere's.
    pub emergency: Option<&'a Helpline>,
    /// Every other line, the country's first.
    pub lines: Vec<&'a Helpline>,
}

impl Local<'_> {
    /// The lines for a crisis (the country's and everywhere's), in order.
    pub fn crisis_lines(&self) -> impl Iterator<Item = &Helpline> {
        self.lines.iter().copied().filter(|l| l.crisis)
    }
}

impl Helplines {
    /// The built-in lines, from every file in `content/helplines/`.
    pub fn defaults() -> Result<Self, String> {
        Self::load(crate::content::HELPLINE_FILES, &[])
    }

    /// The built-in files, then each operator file (name, text) in order.
    pub fn load(built_in: &[(&str, &str)], operator: &[(String, String)]) -> Result<Self, String> {
        let mut intro = None;
        let mut countries: Vec<Country> = Vec::new();
        // Lines per group: `None` for everywhere.
        let mut groups: Vec<(Option<String>, Vec<Helpline>)> = Vec::new();
        let mut operator_everywhere = Vec::new();
        let all = built_in
            .iter()
            .map(|(n, t)| (*n, *t, false))
            .chain(operator.iter().map(|(n, t)| (n.as_str(), t.as_str(), true)));
        for (file, text, by_operator) in all {
            let p = parse_file(text).map_err(|e| format!("{file}: {e}"))?;
            if p.intro.is_some() {
                intro = p.intro;
            }
            let code = p.country.as_ref().map(|c| c.code.clone());
            if let Some(c) = p.country {
                match countries.iter_mut().find(|k| k.code == c.code) {
                    Some(k) if by_operator => k.name = c.name,
                    Some(_) => return Err(format!("{file}: {} is listed twice", c.code)),
                    None => countries.push(c),
                }
            }
            let group = match groups.iter().position(|(g, _)| *g == code) {
                Some(i) => &mut groups[i].1,
                None => {
                    groups.push((code.clone(), Vec::new()));
                    let last = groups.len() - 1;
                    &mut groups[last].1
                }
            };
            if by_operator && p.mode == Mode::Replace {
                group.clear();
            }
            // An operator's own lines for everywhere (a school's counselling
            // service, say) come before the international directories.
            if by_operator && code.is_none() {
                if p.mode == Mode::Replace {
                    operator_everywhere.clear();
                }
                operator_everywhere.extend(p.lines);
            } else {
                group.extend(p.lines);
            }
        }
        let mut lines = Vec::new();
        for (code, group) in groups {
            if code.is_none() {
                lines.append(&mut operator_everywhere);
            }
            lines.extend(group);
        }
        lines.append(&mut operator_everywhere);
        countries.retain(|c| lines.iter().any(|l| l.country.as_ref() == Some(&c.code)));
        countries.sort_by(|a, b| a.name.cmp(&b.name));
        let intro = intro.ok_or("no file has an `intro`; the file for everywhere should")?;
        if lines.is_empty() {
            return Err("no help lines are left; a deployment must show at least one".into());
        }
        Ok(Self {
            intro,
            countries,
            lines,
        })
    }

    /// One operator file in place of, or in addition to, the built-in lines
    /// (for tests and `tend serve --helplines FILE`).
    pub fn with_operator_files(files: &[(String, String)]) -> Result<Self, String> {
        Self::load(crate::content::HELPLINE_FILES, files)
    }

    pub fn country(&self, code: &str) -> Option<&Country> {
        self.countries.iter().find(|c| c.code == code)
    }

    /// The lines for someone in `country` (a code from [`Self::countries`], or
    /// `None`/[`ELSEWHERE`] when unknown): that country's lines, then the lines
    /// for everywhere. Other countries' lines are left out.
    pub fn local(&self, country: Option<&str>) -> Local<'_> {
        let country = country.and_then(|c| self.country(c));
        let code = country.map(|c| c.code.as_str());
        let mine = |l: &&Helpline| l.country.as_deref() == code && code.is_some();
        let everywhere = |l: &&Helpline| l.country.is_none();
        let emergency = self
            .lines
            .iter()
            .filter(|l| l.emergency)
            .find(mine)
            .or_else(|| self.lines.iter().filter(|l| l.emergency).find(everywhere));
        let lines = self
            .lines
            .iter()
            .filter(mine)
            .chain(self.lines.iter().filter(everywhere))
            // One emergency number, shown on its own: never a second one (the
            // 112 for anywhere) among a country's lines.
            .filter(|l| !l.emergency)
            .collect();
        Local {
            country,
            emergency,
            lines,
        }
    }

    /// Every line of one other country (for "lines in other countries").
    pub fn of_country<'a>(&'a self, code: &'a str) -> impl Iterator<Item = &'a Helpline> {
        self.lines
            .iter()
            .filter(move |l| l.country.as_deref() == Some(code))
    }
}

/// The country a time zone suggests, for people who have not chosen one. Only
/// zones that lie wholly in one country with built-in lines; any other zone
/// suggests nothing, and the person sees the lines for everywhere first.
pub fn country_for_time_zone(zone: &str) -> Option<&'static str> {
    const US_PREFIXES: &[&str] = &[
        "America/Indiana/",
        "America/Kentucky/",
        "America/North_Dakota/",
        "US/",
    ];
    const US: &[&str] = &[
        "America/New_York",
        "America/Chicago",
        "America/Denver",
        "America/Los_Angeles",
        "America/Phoenix",
        "America/Anchorage",
        "America/Adak",
        "America/Boise",
        "America/Detroit",
        "America/Juneau",
        "America/Sitka",
        "America/Metlakatla",
        "America/Yakutat",
        "America/Nome",
        "America/Menominee",
        "America/Indianapolis",
        "America/Louisville",
        "Pacific/Honolulu",
    ];
    const CA: &[&str] = &[
        "America/Toronto",
        "America/Montreal",
        "America/Vancouver",
        "America/Edmonton",
        "America/Winnipeg",
        "America/Regina",
        "America/Halifax",
        "America/St_Johns",
        "America/Moncton",
        "America/Glace_Bay",
        "America/Goose_Bay",
        "America/Whitehorse",
        "America/Dawson",
        "America/Dawson_Creek",
        "America/Fort_Nelson",
        "America/Creston",
        "America/Yellowknife",
        "America/Inuvik",
        "America/Cambridge_Bay",
        "America/Iqaluit",
        "America/Rankin_Inlet",
        "America/Resolute",
        "America/Swift_Current",
        "America/Thunder_Bay",
        "America/Nipigon",
        "America/Rainy_River",
        "America/Atikokan",
        "America/Blanc-Sablon",
        "America/Pangnirtung",
    ];
    match zone {
        "Europe/London" | "Europe/Belfast" | "GB" | "GB-Eire" => Some("GB"),
        "Europe/Dublin" | "Eire" => Some("IE"),
        "Pacific/Auckland" | "Pacific/Chatham" | "NZ" | "NZ-CHAT" => Some("NZ"),
        z if z.starts_with("Australia/") => Some("AU"),
        z if z.starts_with("Canada/") || CA.contains(&z) => Some("CA"),
        z if US.contains(&z) || US_PREFIXES.iter().any(|p| z.starts_with(p)) => Some("US"),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn defaults() -> Helplines {
        Helplines::defaults().unwrap()
    }

    #[test]
    fn every_built_in_entry_names_its_source_and_when_it_was_checked() {
        // The loader refuses entries without them; check the files directly too,
        // so an entry cannot lose them through a default.
        for (file, text) in crate::content::HELPLINE_FILES {
            let raw: File = toml::from_str(text).unwrap();
            for l in raw.lines {
                assert!(
                    l.source.starts_with("https://"),
                    "{file}: {} has no source",
                    l.name
                );
                assert!(
                    check_date(&l.name, &l.checked).is_ok(),
                    "{file}: {} has no checked date",
                    l.name
                );
            }
        }
        let no_source = "country = \"GB\"\nname = \"UK\"\n[[line]]\nname = \"A\"\ncall = \"116 123\"\nchecked = \"2026-12-02\"\n";
        assert!(parse_file(no_source).unwrap_err().contains("source"));
        let no_date =
            "[[line]]\nname = \"A\"\ncall = \"116 123\"\nsource = \"https://a.example\"\n";
        assert!(parse_file(no_date).unwrap_err().contains("checked"));
        let bad_date = format!("{no_date}checked = \"last week\"\n");
        assert!(parse_file(&bad_date).unwrap_err().contains("checked"));
    }

    #[test]
    fn every_file_in_the_folder_is_compiled_in() {
        let dir = concat!(env!("CARGO_MANIFEST_DIR"), "/../../content/helplines");
        for entry in std::fs::read_dir(dir).unwrap() {
            let name = entry.unwrap().file_name().into_string().unwrap();
            if name.ends_with(".toml") {
                let path = format!("content/helplines/{name}");
                assert!(
                    crate::content::HELPLINE_FILES
                        .iter()
                        .any(|(p, _)| *p == path),
                    "{path} is not listed in content::HELPLINE_FILES"
                );
            }
        }
    }

    #[test]
    fn the_shipped_countries_are_all_there() {
        let h = defaults();
        let codes: Vec<&str> = h.countries.iter().map(|c| c.code.as_str()).collect();
        for c in ["GB", "IE", "CA", "AU", "NZ", "US"] {
            assert!(codes.contains(&c), "{c} missing from {codes:?}");
        }
        assert!(h.intro.contains("not monitored"));
        // Every call and text link is digits only.
        for l in &h.lines {
            for n in l.call.iter().chain(&l.text) {
                let d = dial_digits(n);
                assert!(
                    !d.is_empty() && d.chars().all(|c| c.is_ascii_digit()),
                    "{n}"
                );
            }
            assert!(
                l.web.is_empty() || l.web.starts_with("https://"),
                "{}",
                l.web
            );
        }
        // No placeholder cards ("your programme can add its number here").
        assert!(h.lines.iter().all(|l| !l.how.contains("add its number")));
    }

    #[test]
    fn a_person_in_the_uk_sees_uk_lines_first_then_everywhere() {
        let h = defaults();
        let uk = h.local(Some("GB"));
        assert_eq!(uk.country.unwrap().name, "United Kingdom");
        assert_eq!(uk.emergency.unwrap().call[0], "999");
        assert_eq!(uk.lines[0].name, "Samaritans");
        assert_eq!(uk.lines[0].call, vec!["116 123"]);
        let first_elsewhere = uk.lines.iter().position(|l| l.country.is_none()).unwrap();
        assert!(
            uk.lines[..first_elsewhere]
                .iter()
                .all(|l| l.country.as_deref() == Some("GB"))
        );
        assert!(
            uk.lines[first_elsewhere..]
                .iter()
                .all(|l| l.country.is_none())
        );
        assert!(
            uk.lines.iter().all(|l| !l.emergency),
            "one emergency number only"
        );
        // No US line for someone in London.
        assert!(uk.lines.iter().all(|l| !l.call.iter().any(|n| n == "988")));
        assert!(uk.crisis_lines().any(|l| l.text == vec!["85258"]));
        assert!(
            uk.lines
                .iter()
                .any(|l| l.medicine && l.call == vec!["0330 123 1245"])
        );

        let us = h.local(Some("US"));
        assert_eq!(us.lines[0].tel, "988");
        assert_eq!(us.emergency.unwrap().tel, "911");
        assert!(us.lines.iter().any(|l| l.call == vec!["1-888-409-0141"]));
    }

    #[test]
    fn unknown_or_elsewhere_shows_the_lines_for_everywhere_first() {
        let h = defaults();
        for c in [None, Some(ELSEWHERE), Some("FR"), Some("gb")] {
            let l = h.local(c);
            assert!(l.country.is_none(), "{c:?}");
            assert!(l.lines.iter().all(|l| l.country.is_none()), "{c:?}");
            assert_eq!(l.emergency.unwrap().tel, "112");
        }
    }

    #[test]
    fn time_zones_suggest_countries() {
        for (zone, want) in [
            ("Europe/London", Some("GB")),
            ("Europe/Dublin", Some("IE")),
            ("America/Toronto", Some("CA")),
            ("America/Vancouver", Some("CA")),
            ("Australia/Sydney", Some("AU")),
            ("Australia/Perth", Some("AU")),
            ("Pacific/Auckland", Some("NZ")),
            ("America/New_York", Some("US")),
            ("America/Indiana/Indianapolis", Some("US")),
            ("Pacific/Honolulu", Some("US")),
            ("Europe/Paris", None),
            ("UTC", None),
            ("", None),
        ] {
            assert_eq!(country_for_time_zone(zone), want, "{zone}");
        }
    }

    #[test]
    fn numbers_become_digits_only_links() {
        assert_eq!(dial_digits("0800 543 354"), "0800543354");
        assert_eq!(dial_digits("1-888-409-0141"), "18884090141");
        assert_eq!(
            dial_digits("+44 (0)20 7946 0000"),
            "+440207946 0000".replace(' ', "")
        );
    }

    #[test]
    fn operator_files_extend_or_replace_a_country() {
        let school = r#"
            [[line]]
            name = "St Elsewhere counselling"
            call = "020 7946 0000"
            crisis = false
            source = "https://counselling.example"
            checked = "2026-11-30"
        "#;
        let h = Helplines::with_operator_files(&[("school.toml".into(), school.into())]).unwrap();
        let uk = h.local(Some("GB"));
        let school_at = uk
            .lines
            .iter()
            .position(|l| l.name.starts_with("St Elsewhere"))
            .unwrap();
        let directory_at = uk
            .lines
            .iter()
            .position(|l| l.name == "Find a Helpline")
            .unwrap();
        assert!(
            school_at < directory_at,
            "the school's line comes before the directories"
        );
        assert_eq!(uk.lines[0].name, "Samaritans");

        let replace_uk = r#"
            country = "GB"
            name = "United Kingdom"
            mode = "replace"
            [[line]]
            name = "Only line"
            call = "116 123"
            source = "https://a.example"
            checked = "2026-11-30"
        "#;
        let h = Helplines::with_operator_files(&[("uk.toml".into(), replace_uk.into())]).unwrap();
        let uk = h.local(Some("GB"));
        assert!(
            uk.emergency.is_some_and(|e| e.country.is_none()),
            "the UK's 999 was replaced"
        );
        assert_eq!(uk.lines[0].name, "Only line");
        assert_eq!(uk.lines.iter().filter(|l| l.country.is_some()).count(), 1);

        let new_country = r#"
            country = "de"
            name = "Deutschland"
            [[line]]
            name = "TelefonSeelsorge"
            call = ["0800 111 0 111", "0800 111 0 222"]
            source = "https://www.telefonseelsorge.de"
            checked = "2026-11-30"
        "#;
        let h = Helplines::with_operator_files(&[("de.toml".into(), new_country.into())]).unwrap();
        assert!(h.country("DE").is_some());
        assert_eq!(h.local(Some("DE")).lines[0].tel, "08001110111");
    }

    #[test]
    fn bad_files_are_refused_with_a_reason() {
        let line = "name = \"A\"\nsource = \"https://a.example\"\nchecked = \"2026-12-02\"\n";
        let with = |extra: &str| format!("[[line]]\n{line}{extra}");
        assert!(parse_file("intro = \"x\"\nline = []").is_err());
        assert!(
            parse_file(&with("call = \"call me\"\n"))
                .unwrap_err()
                .contains("phone number")
        );
        assert!(parse_file(&with("call = \"12\"\n")).is_err());
        assert!(parse_file(&with("call = \"1+2345\"\n")).is_err());
        assert!(
            parse_file(&with("how = \"x\"\nweb = \"javascript:alert(1)\"\n"))
                .unwrap_err()
                .contains("https")
        );
        assert!(parse_file("surprise = 1\n[[line]]\nname = \"A\"\n").is_err());
        assert!(
            parse_file(&format!(
                "country = \"GBR\"\nname = \"x\"\n{}",
                with("call = \"999\"\n")
            ))
            .is_err()
        );
        assert!(
            parse_file(&format!("country = \"GB\"\n{}", with("call = \"999\"\n")))
                .unwrap_err()
                .contains("name")
        );
        // An older file's bare web name becomes a link.
        let p = parse_file(&with("how = \"x\"\nurl = \"findahelpline.com\"\n")).unwrap();
        assert_eq!(p.lines[0].web, "https://findahelpline.com");
    }
}
