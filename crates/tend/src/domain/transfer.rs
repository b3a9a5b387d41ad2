//! tend's own export, read back: the format (`tend-export-v1` and the
//! versions after it), which kinds of record can move to another server, and
//! the checks a file must pass before anything of it is imported. No I/O here:
//! the bytes come in, checked records (or one plain reason) go out.

use std::collections::BTreeMap;

use jiff::civil::Date;
use serde::{Deserialize, Serialize};
use serde_json::Value;

use super::Invalid;
use super::Kind;

/// The first format: every record with its kind, id, day, times and contents.
pub const FORMAT_V1: &str = "tend-export-v1";
/// v1 plus each record's `slot` (which day, week or setting a one-per-slot
/// record fills), so a file says everything the database held about a record.
pub const FORMAT_V2: &str = "tend-export-v2";
/// What `export` writes today.
pub const FORMAT_CURRENT: &str = FORMAT_V2;

/// The longest id or slot accepted from a file (ours are 32 to 36 characters).
const ID_MAX: usize = 100;

/// One record as the export writes it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ExportRecord {
    pub kind: String,
    pub id: String,
    pub day: Option<String>,
    /// Only in v2 and later; v1 files are read by inferring it from the kind.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub slot: Option<String>,
    pub created_at: i64,
    pub updated_at: i64,
    pub value: Value,
}

/// The whole export document.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ExportDoc {
    pub format: String,
    pub handle: String,
    pub exported_at: i64,
    pub records: Vec<ExportRecord>,
}

/// Where a kind's records live: any number of them, or one per slot.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum SlotRule {
    /// Any number (journal entries, thoughts, goals, …).
    Many,
    /// One per day; the slot is the day (`2026-03-06`).
    Day,
    /// One per ISO week; the slot is the week (`2026-W10`), the day its Monday.
    Week,
    /// One per account, in a fixed slot (the profile, the safety plan, …).
    Fixed(&'static str),
}

/// One kind of record that can move, with the words the import report uses.
struct Movable {
    kind: &'static str,
    /// Plural, for "12 check-ins".
    label: &'static str,
    slot: SlotRule,
    /// Reads the contents as this kind's type and writes them back, so a file
    /// whose contents do not fit is refused and what is stored is canonical.
    check: fn(&Value) -> Result<Value, serde_json::Error>,
}

fn typed<T: Kind>(v: &Value) -> Result<Value, serde_json::Error> {
    let t: T = serde_json::from_value(v.clone())?;
    serde_json::to_value(&t)
}

/// The entry for kind `T`: its name and its check both come from the type,
/// so a row of [`MOVABLE`] cannot pair one kind's name with another's check.
const fn movable<T: Kind>(label: &'static str, slot: SlotRule) -> Movable {
    Movable {
        kind: T::KIND,
        label,
        slot,
        check: typed::<T>,
    }
}

use super::{
    checkin, critic, goals, gratitude, journal, practice, profile, questionnaire, review,
    safety_plan, selfcare, support,
};

/// Every kind a person's records can be of, except those that belong to the
/// server they were made on (see [`STAYS`]). A test in `tests/it/transfer.rs`
/// creates every kind through the services and fails if one is missing here.
const MOVABLE: &[Movable] = &[
    movable::<profile::Profile>(
        "profile (time zone and country)",
        SlotRule::Fixed("profile"),
    ),
    movable::<checkin::Checkin>("daily check-ins", SlotRule::Day),
    movable::<journal::JournalEntry>("journal entries", SlotRule::Many),
    movable::<critic::Thought>("critic log thoughts", SlotRule::Many),
    movable::<critic::BreakNote>("self-compassion breaks", SlotRule::Many),
    movable::<critic::Letter>("kindness letters", SlotRule::Many),
    movable::<critic::Debrief>("mistake debriefs", SlotRule::Many),
    movable::<goals::Goal>("goals", SlotRule::Many),
    movable::<goals::Commitments>("weekly commitments", SlotRule::Fixed("commitments")),
    movable::<gratitude::Gratitude>("days of good things", SlotRule::Day),
    movable::<support::SupportPerson>("support people", SlotRule::Many),
    movable::<practice::PracticeLog>("practice log entries", SlotRule::Many),
    movable::<questionnaire::Response>("questionnaire answers", SlotRule::Many),
    movable::<questionnaire::Drafts>(
        "unfinished questionnaires",
        SlotRule::Fixed("questionnaire-drafts"),
    ),
    movable::<questionnaire::Preferences>(
        "questionnaire settings",
        SlotRule::Fixed("questionnaire-preferences"),
    ),
    movable::<selfcare::SelfcareSettings>("self-care settings", SlotRule::Fixed("selfcare")),
    movable::<safety_plan::SafetyPlan>("safety plan", SlotRule::Fixed("safety-plan")),
    movable::<review::Reflection>("weekly reflections", SlotRule::Week),
];

/// Kinds that belong to the server they were made on and are left out of an
/// import, with the reason the report gives: a programme exists on one server
/// only, and its totals already hold what this person added.
pub const STAYS: &[(&str, &str)] = &[(
    "programme",
    "programme membership (a programme belongs to its own server; join again with its code)",
)];

/// The words for a kind in the import report.
pub fn label(kind: &str) -> &str {
    MOVABLE
        .iter()
        .find(|m| m.kind == kind)
        .map(|m| m.label)
        .or_else(|| STAYS.iter().find(|(k, _)| *k == kind).map(|(_, l)| *l))
        .unwrap_or("records")
}

/// The kinds that move, in the order the report lists them.
pub fn movable_kinds() -> impl Iterator<Item = &'static str> {
    MOVABLE.iter().map(|m| m.kind)
}

/// A record that passed every check, ready to be sealed for its new account.
#[derive(Debug, Clone, PartialEq)]
pub struct Checked {
    pub kind: &'static str,
    /// Its id in the file (kept when the new server has no other use for it).
    pub id: String,
    pub day: Option<Date>,
    /// Set for one-per-slot kinds.
    pub slot: Option<String>,
    pub created_at: i64,
    pub updated_at: i64,
    /// The contents, read as the kind's type and written back.
    pub value: Value,
}

/// A file read and checked: the records that can move, and how many of each
/// kind stay behind.
#[derive(Debug, Clone, PartialEq)]
pub struct CheckedExport {
    pub format: String,
    pub handle: String,
    pub exported_at: i64,
    pub records: Vec<Checked>,
    pub left_behind: BTreeMap<String, usize>,
}

fn refuse(message: impl Into<String>) -> Invalid {
    Invalid::new("export", message)
}

/// Reads an export file. Any problem refuses the whole file, with one plain
/// sentence saying what and where (never the contents: they are the person's
/// writing, and messages end up in logs).
pub fn read(bytes: &[u8]) -> Result<CheckedExport, Invalid> {
    let root: Value = serde_json::from_slice(bytes).map_err(|_| {
        refuse(
            "This file isn't JSON. Choose the tend-export.json file that tend's export gave you.",
        )
    })?;
    let format = root.get("format").and_then(Value::as_str).unwrap_or("");
    if format != FORMAT_V1 && format != FORMAT_V2 {
        return Err(refuse(if format.starts_with("tend-export-") {
            format!(
                "This export is in a format this server doesn't know yet ({}); it reads {FORMAT_V1} and {FORMAT_V2}. A newer version of tend can import it.",
                format.chars().take(40).collect::<String>()
            )
        } else {
            "This file isn't a tend export (it has no \"format\": \"tend-export-v1\" or later)."
                .to_owned()
        }));
    }
    let doc: ExportDoc = serde_json::from_value(root).map_err(|e| {
        refuse(format!(
            "This export is damaged: {}.",
            plain_serde(&e.to_string())
        ))
    })?;
    let mut records = Vec::with_capacity(doc.records.len());
    let mut left_behind = BTreeMap::new();
    for (i, r) in doc.records.iter().enumerate() {
        let n = i + 1;
        if let Some((kind, _)) = STAYS.iter().find(|(k, _)| *k == r.kind) {
            *left_behind.entry((*kind).to_owned()).or_insert(0) += 1;
            continue;
        }
        let Some(m) = MOVABLE.iter().find(|m| m.kind == r.kind) else {
            return Err(refuse(format!(
                "Record {n} is of a kind this server doesn't know ({}), so nothing was imported. A newer version of tend can import it.",
                r.kind.chars().take(40).collect::<String>()
            )));
        };
        records.push(check_record(n, m, r)?);
    }
    Ok(CheckedExport {
        format: doc.format,
        handle: doc.handle,
        exported_at: doc.exported_at,
        records,
        left_behind,
    })
}

/// serde's messages name types and columns; keep the part a person can use.
fn plain_serde(message: &str) -> String {
    message
        .split(" at line ")
        .next()
        .unwrap_or(message)
        .chars()
        .take(200)
        .collect()
}

fn check_record(n: usize, m: &Movable, r: &ExportRecord) -> Result<Checked, Invalid> {
    let what = m.label;
    if r.id.is_empty() || r.id.chars().count() > ID_MAX || r.id.chars().any(char::is_control) {
        return Err(refuse(format!("Record {n} ({what}) has no usable id.")));
    }
    let day = match &r.day {
        None => None,
        Some(d) => Some(d.parse::<Date>().map_err(|_| {
            refuse(format!(
                "Record {n} ({what}) has a day that isn't a date like 2026-03-06."
            ))
        })?),
    };
    let needs_day =
        || day.ok_or_else(|| refuse(format!("Record {n} ({what}) needs a day and has none.")));
    // A slot also fixes its record's day, as tend writes it: a day's slot is
    // that day, a week's is its Monday, a named slot has none. Saving the slot
    // later keeps that day and the store refuses another (migration 0018), so
    // an imported record takes the day its slot gives, whatever the file says.
    let (slot, day) = match m.slot {
        SlotRule::Many => (None, day),
        SlotRule::Fixed(s) => (Some(s.to_owned()), None),
        SlotRule::Day => {
            let d = needs_day()?;
            (Some(d.to_string()), Some(d))
        }
        SlotRule::Week => {
            let week = goals::IsoWeek::of(needs_day()?);
            (Some(week.to_string()), Some(week.monday()))
        }
    };
    // A v2 file names the slot; it must be the one the kind's rule gives, so a
    // file cannot put a record where the pages would never look for it.
    if let Some(given) = &r.slot
        && Some(given) != slot.as_ref()
    {
        return Err(refuse(format!(
            "Record {n} ({what}) is filed under a slot that doesn't fit its kind."
        )));
    }
    let value = (m.check)(&r.value).map_err(|e| {
        refuse(format!(
            "Record {n} ({what}) doesn't hold what tend keeps for {what}: {}.",
            plain_serde(&e.to_string())
        ))
    })?;
    Ok(Checked {
        kind: m.kind,
        id: r.id.clone(),
        day,
        slot,
        created_at: r.created_at,
        updated_at: r.updated_at,
        value,
    })
}

/// The export, laid out for a person to read in a terminal: a heading per
/// kind, then each record's day and contents as indented `key: value` lines.
/// Used by `tend export-open`; works for every version this server reads, and
/// for kinds it does not know (shown as they are).
pub fn readable(bytes: &[u8]) -> Result<String, Invalid> {
    let doc: ExportDoc = serde_json::from_slice(bytes).map_err(|e| {
        refuse(format!(
            "This file isn't a tend export: {}.",
            plain_serde(&e.to_string())
        ))
    })?;
    if !doc.format.starts_with("tend-export-") {
        return Err(refuse(
            "This file isn't a tend export (its \"format\" isn't tend-export-…).",
        ));
    }
    let mut out = String::new();
    let exported = jiff::Timestamp::from_second(doc.exported_at)
        .map(|t| t.strftime("%Y-%m-%d %H:%M UTC").to_string())
        .unwrap_or_else(|_| doc.exported_at.to_string());
    out.push_str(&format!(
        "tend export of {} ({}), made {exported}: {} records\n",
        doc.handle,
        doc.format,
        doc.records.len()
    ));
    let mut by_kind: BTreeMap<&str, Vec<&ExportRecord>> = BTreeMap::new();
    for r in &doc.records {
        by_kind.entry(r.kind.as_str()).or_default().push(r);
    }
    let mut order: Vec<&str> = Vec::new();
    for k in movable_kinds().chain(STAYS.iter().map(|(k, _)| *k)) {
        if by_kind.contains_key(k) {
            order.push(k);
        }
    }
    for k in by_kind.keys() {
        if !order.contains(k) {
            order.push(k);
        }
    }
    for kind in order {
        let list = by_kind.get(kind).map(Vec::as_slice).unwrap_or_default();
        out.push_str(&format!(
            "\n== {} ({}) ==\n",
            capitalise(label(kind)),
            list.len()
        ));
        let mut list = list.to_vec();
        list.sort_by(|a, b| (&a.day, a.created_at).cmp(&(&b.day, b.created_at)));
        for r in list {
            let when = r
                .day
                .clone()
                .or_else(|| {
                    jiff::Timestamp::from_second(r.created_at)
                        .ok()
                        .map(|t| t.strftime("%Y-%m-%d").to_string())
                })
                .unwrap_or_default();
            out.push_str(&format!("\n{when}\n"));
            write_value(&mut out, &r.value, 1);
        }
    }
    Ok(out)
}

fn capitalise(s: &str) -> String {
    let mut c = s.chars();
    match c.next() {
        Some(f) => f.to_uppercase().chain(c).collect(),
        None => String::new(),
    }
}

/// `key: value` lines, nested values indented; long text keeps its own lines.
fn write_value(out: &mut String, v: &Value, depth: usize) {
    let pad = "  ".repeat(depth);
    match v {
        Value::Object(map) => {
            for (k, v) in map {
                let key = k.replace('_', " ");
                match v {
                    Value::Object(m) if !m.is_empty() => {
                        out.push_str(&format!("{pad}{key}:\n"));
                        write_value(out, v, depth + 1);
                    }
                    Value::Array(a) if !a.is_empty() => {
                        out.push_str(&format!("{pad}{key}:\n"));
                        write_value(out, v, depth + 1);
                    }
                    Value::String(s) if s.contains('\n') => {
                        out.push_str(&format!("{pad}{key}:"));
                        write_scalar(out, v, &pad);
                    }
                    _ => {
                        out.push_str(&format!("{pad}{key}: "));
                        write_scalar(out, v, &pad);
                    }
                }
            }
        }
        Value::Array(items) => {
            for item in items {
                match item {
                    Value::Object(_) | Value::Array(_) => {
                        out.push_str(&format!("{pad}-\n"));
                        write_value(out, item, depth + 1);
                    }
                    _ => {
                        out.push_str(&format!("{pad}- "));
                        write_scalar(out, item, &pad);
                    }
                }
            }
        }
        _ => {
            out.push_str(&pad);
            write_scalar(out, v, &pad);
        }
    }
}

fn write_scalar(out: &mut String, v: &Value, pad: &str) {
    match v {
        Value::String(s) if s.contains('\n') => {
            out.push('\n');
            for line in s.lines() {
                out.push_str(&format!("{pad}  | {line}\n"));
            }
        }
        Value::String(s) => {
            out.push_str(s);
            out.push('\n');
        }
        Value::Null => out.push_str("(none)\n"),
        Value::Array(_) => out.push_str("(none)\n"),
        Value::Object(_) => out.push_str("(empty)\n"),
        other => {
            out.push_str(&other.to_string());
            out.push('\n');
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn doc(records: Value) -> Vec<u8> {
        serde_json::to_vec(&json!({
            "format": FORMAT_V1, "handle": "quiet-otter", "exported_at": 1_700_000_000,
            "records": records,
        }))
        .unwrap()
    }

    #[test]
    fn not_json_wrong_format_and_unknown_kind_are_refused_plainly() {
        assert!(read(b"<html>").unwrap_err().message.contains("isn't JSON"));
        let other =
            serde_json::to_vec(&json!({"format": "tend-export-v9", "records": []})).unwrap();
        assert!(
            read(&other)
                .unwrap_err()
                .message
                .contains("doesn't know yet")
        );
        let none = serde_json::to_vec(&json!({"records": []})).unwrap();
        assert!(
            read(&none)
                .unwrap_err()
                .message
                .contains("isn't a tend export")
        );
        let odd = doc(json!([{"kind": "spaceship", "id": "a", "day": null,
            "created_at": 1, "updated_at": 1, "value": {}}]));
        assert!(read(&odd).unwrap_err().message.contains("Record 1"));
    }

    #[test]
    fn contents_of_the_wrong_shape_are_refused_without_echoing_them() {
        let bad = doc(json!([{"kind": "journal", "id": "a", "day": "2026-01-02",
            "created_at": 1, "updated_at": 1, "value": {"title": 5, "body": "secret words"}}]));
        let e = read(&bad).unwrap_err();
        assert!(
            e.message.contains("Record 1 (journal entries)"),
            "{}",
            e.message
        );
        assert!(!e.message.contains("secret words"));
        let no_day = doc(json!([{"kind": "checkin", "id": "a", "day": null,
            "created_at": 1, "updated_at": 1, "value": {}}]));
        assert!(read(&no_day).unwrap_err().message.contains("needs a day"));
    }

    #[test]
    fn v1_slots_are_inferred_and_programmes_stay_behind() {
        let ok = doc(json!([
            {"kind": "programme", "id": "p", "day": null, "created_at": 1, "updated_at": 1,
             "value": {"programme_id": "x"}},
            {"kind": "profile", "id": "q", "day": null, "created_at": 1, "updated_at": 1,
             "value": {"time_zone": "Europe/London"}},
        ]));
        let read = read(&ok).unwrap();
        assert_eq!(read.left_behind.get("programme"), Some(&1));
        assert_eq!(read.records.len(), 1);
        assert_eq!(read.records[0].slot.as_deref(), Some("profile"));
    }

    #[test]
    fn a_slot_record_takes_the_day_its_slot_gives() {
        // A hand-edited file: a reflection dated on a Wednesday, a safety plan
        // with a day. Saved again later, each would keep the day its slot
        // gives (the Monday, none), so that is the day they import with.
        let odd = doc(json!([
            {"kind": "review-reflection", "id": "r", "day": "2026-03-04",
             "created_at": 1, "updated_at": 1, "value": {"text": "a good week"}},
            {"kind": "safety_plan", "id": "s", "day": "2026-03-04",
             "created_at": 1, "updated_at": 1, "value": {}},
        ]));
        let read = read(&odd).unwrap();
        assert_eq!(read.records.len(), 2);
        assert_eq!(read.records[0].day, Some(Date::constant(2026, 3, 2)));
        assert_eq!(read.records[0].slot.as_deref(), Some("2026-W10"));
        assert_eq!(read.records[1].day, None);
        assert_eq!(read.records[1].slot.as_deref(), Some("safety-plan"));
    }

    #[test]
    fn readable_shows_headings_and_text() {
        let ok = doc(json!([
            {"kind": "journal", "id": "a", "day": "2026-01-02", "created_at": 1, "updated_at": 1,
             "value": {"title": "A hard ward round", "body": "line one\nline two"}},
        ]));
        let text = readable(&ok).unwrap();
        assert!(text.contains("== Journal entries (1) =="), "{text}");
        assert!(text.contains("2026-01-02"));
        assert!(text.contains("| line two"));
    }
}
