//! How tend reads a person's records: one read or several, as one statement
//! (issue 11). Every ranged read writes only the bounds that are set, as
//! plain comparisons (`day >= $n`), so the planner matches them to the
//! `(account_id, kind, day)` prefix (on SQLite the table's own clustered key
//! since migration 0018, on PostgreSQL the `records_by_day` index) and a week
//! costs the same with ten days of history as with five years.
//!
//! Today asks for six sets at once (the week's check-ins, the newest journal
//! titles, the month's practice, …). Run one by one they cost six statements
//! plus a read transaction around them on SQLite, where per-statement set-up
//! and tear-down was a visible part of the page's profile, and six round trips
//! on PostgreSQL. Here they become one `UNION ALL` of the same ranged,
//! ordered, limited selects (so each still searches by `(account_id, kind,
//! day)`: `tests/it/query_plans.rs` asks both planners), each row tagged
//! with the read it answers. One statement also reads one snapshot on both
//! databases, with no transaction to open.

use std::fmt::Write;

use super::{RecordFilter, RecordRead, RecordRow, RecordSet, TitleRow};

/// A bound value of [`ReadsQuery`], in parameter order (`$1`, `$2`, …).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ReadParam<'a> {
    Text(&'a str),
    Int(i64),
}

/// The SQL text and parameters of several [`RecordRead`]s.
#[derive(Debug, Clone)]
pub struct ReadsQuery<'a> {
    pub sql: String,
    pub params: Vec<ReadParam<'a>>,
}

/// The columns every arm selects, so the arms line up. `CAST(NULL AS BYTEA)`
/// reads as a typed NULL on PostgreSQL and as NULL on SQLite, whatever the
/// name of the type, so the one text serves both.
/// A record with no day stores `''` (migration 0018) and reads as NULL.
const ROW_COLUMNS: &str =
    "id, account_id, kind, NULLIF(day, '') AS day, slot, created_at, updated_at, version";
/// Named with the table, so it orders by the stored column (the key's and
/// the index's order, nothing to sort), not by the `NULLIF` output of the
/// same name, which both databases would otherwise sort in a temporary tree.
const ORDER: &str = "ORDER BY records.day DESC, records.created_at DESC, records.id DESC";

impl<'a> ReadsQuery<'a> {
    /// `$1` is the account; each read adds its own parameters after it.
    /// (Built at every call, into one buffer: `write!` to a `String` cannot
    /// fail, hence the ignored results.)
    pub fn new(account_id: &'a str, reads: &'a [RecordRead]) -> Self {
        let mut sql = String::with_capacity(reads.len() * 320);
        let mut params = vec![ReadParam::Text(account_id)];
        for (part, read) in reads.iter().enumerate() {
            if part > 0 {
                sql.push_str(" UNION ALL ");
            }
            let _ = write!(
                sql,
                "SELECT * FROM (SELECT CAST({part} AS BIGINT) AS part, {ROW_COLUMNS}, "
            );
            match read {
                RecordRead::One { kind, id } => {
                    params.push(ReadParam::Text(id));
                    params.push(ReadParam::Text(kind));
                    let (id_n, kind_n) = (params.len() - 1, params.len());
                    let _ = write!(
                        sql,
                        "CAST(NULL AS BYTEA) AS title, sealed FROM records \
                         WHERE id = ${id_n} AND account_id = $1 AND kind = ${kind_n}"
                    );
                }
                RecordRead::List { kind, filter } => {
                    sql.push_str("CAST(NULL AS BYTEA) AS title, sealed FROM records");
                    push_range(&mut sql, &mut params, kind, filter);
                }
                RecordRead::Titles { kind, filter } => {
                    // The body only where the title is missing (records from
                    // before migration 0009 have none).
                    sql.push_str(
                        "title, CASE WHEN title IS NULL THEN sealed END AS sealed FROM records",
                    );
                    push_range(&mut sql, &mut params, kind, filter);
                }
            }
            let _ = write!(sql, ") AS r{part}");
        }
        Self { sql, params }
    }
}

/// The `WHERE … ORDER BY … LIMIT` of a ranged read, with only the bounds
/// that are set (see the module comment).
fn push_range<'a>(
    sql: &mut String,
    params: &mut Vec<ReadParam<'a>>,
    kind: &'a str,
    filter: &'a RecordFilter,
) {
    params.push(ReadParam::Text(kind));
    let _ = write!(sql, " WHERE account_id = $1 AND kind = ${}", params.len());
    if let Some(from) = &filter.day_from {
        params.push(ReadParam::Text(from));
        let _ = write!(sql, " AND day >= ${}", params.len());
    }
    if let Some(to) = &filter.day_to {
        params.push(ReadParam::Text(to));
        let _ = write!(sql, " AND day <= ${}", params.len());
        if filter.day_from.is_none() {
            // Records with no day store '' (migration 0018), which sorts
            // before every date: an upper bound alone must not take them in.
            sql.push_str(" AND day > ''");
        }
    }
    params.push(ReadParam::Int(filter.limit.unwrap_or(i64::MAX)));
    let _ = write!(sql, " {ORDER} LIMIT ${}", params.len());
}

/// One row of a [`ReadsQuery`]: which read it answers, and the record.
#[derive(Debug, Clone, PartialEq, Eq, sqlx::FromRow)]
pub struct ReadRow {
    pub part: i64,
    pub id: String,
    pub account_id: String,
    pub kind: String,
    pub day: Option<String>,
    pub slot: Option<String>,
    pub created_at: i64,
    pub updated_at: i64,
    pub version: i64,
    pub title: Option<Vec<u8>>,
    pub sealed: Option<Vec<u8>>,
}

/// Sorts the rows back into one set per read, in the order the reads were
/// asked. SQL promises no order across the arms of a `UNION ALL`, so each
/// set is put in its read's order here (it almost always is already, and
/// then checking is all this costs).
pub fn split_sets(reads: &[RecordRead], rows: Vec<ReadRow>) -> Vec<RecordSet> {
    let mut parts: Vec<Vec<ReadRow>> = vec![Vec::new(); reads.len()];
    for row in rows {
        if let Some(part) = usize::try_from(row.part)
            .ok()
            .and_then(|p| parts.get_mut(p))
        {
            part.push(row);
        }
    }
    let newest_first = |a: &ReadRow, b: &ReadRow| {
        b.day
            .cmp(&a.day)
            .then(b.created_at.cmp(&a.created_at))
            .then_with(|| b.id.cmp(&a.id))
    };
    reads
        .iter()
        .zip(parts)
        .map(|(read, mut rows)| {
            if !rows.is_sorted_by(|a, b| newest_first(a, b).is_le()) {
                rows.sort_by(newest_first);
            }
            match read {
                RecordRead::Titles { .. } => {
                    RecordSet::Titles(rows.into_iter().map(title_of).collect())
                }
                RecordRead::One { .. } | RecordRead::List { .. } => {
                    RecordSet::Rows(rows.into_iter().filter_map(record_of).collect())
                }
            }
        })
        .collect()
}

fn title_of(r: ReadRow) -> TitleRow {
    TitleRow {
        id: r.id,
        day: r.day,
        created_at: r.created_at,
        updated_at: r.updated_at,
        version: r.version,
        title: r.title,
        sealed: r.sealed,
    }
}

/// `None` only for a row without its sealed body, which the schema forbids.
fn record_of(r: ReadRow) -> Option<RecordRow> {
    Some(RecordRow {
        sealed: r.sealed?,
        id: r.id,
        account_id: r.account_id,
        kind: r.kind,
        day: r.day,
        slot: r.slot,
        created_at: r.created_at,
        updated_at: r.updated_at,
        version: r.version,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn list(kind: &str, from: Option<&str>, to: Option<&str>, limit: Option<i64>) -> RecordRead {
        RecordRead::List {
            kind: kind.into(),
            filter: RecordFilter {
                day_from: from.map(Into::into),
                day_to: to.map(Into::into),
                limit,
            },
        }
    }

    #[test]
    fn parameters_are_numbered_in_order_and_only_set_bounds_are_written() {
        let reads = [
            list("checkin", Some("2026-11-30"), Some("2026-12-06"), Some(7)),
            RecordRead::One {
                kind: "profile".into(),
                id: "p1".into(),
            },
            RecordRead::Titles {
                kind: "journal".into(),
                filter: RecordFilter {
                    limit: Some(3),
                    ..RecordFilter::default()
                },
            },
        ];
        let q = ReadsQuery::new("a1", &reads);
        assert_eq!(
            q.params,
            vec![
                ReadParam::Text("a1"),
                ReadParam::Text("checkin"),
                ReadParam::Text("2026-11-30"),
                ReadParam::Text("2026-12-06"),
                ReadParam::Int(7),
                ReadParam::Text("p1"),
                ReadParam::Text("profile"),
                ReadParam::Text("journal"),
                ReadParam::Int(3),
            ]
        );
        assert!(q.sql.contains("kind = $2 AND day >= $3 AND day <= $4"));
        assert!(q.sql.contains("LIMIT $5) AS r0"));
        assert!(
            q.sql
                .contains("WHERE id = $6 AND account_id = $1 AND kind = $7) AS r1")
        );
        assert!(
            q.sql
                .contains("kind = $8 ORDER BY records.day DESC, records.created_at DESC, records.id DESC LIMIT $9) AS r2")
        );
        assert_eq!(q.sql.matches(" UNION ALL ").count(), 2);
    }

    fn row(part: i64, id: &str, day: &str, created_at: i64) -> ReadRow {
        ReadRow {
            part,
            id: id.into(),
            account_id: "a1".into(),
            kind: "k".into(),
            day: Some(day.into()),
            slot: None,
            created_at,
            updated_at: created_at,
            version: 1,
            title: None,
            sealed: Some(vec![1]),
        }
    }

    #[test]
    fn rows_go_back_to_their_read_newest_first_whatever_order_they_came_in() {
        let reads = [list("a", None, None, None), list("b", None, None, None)];
        let rows = vec![
            row(1, "b-old", "2026-01-01", 1),
            row(0, "a-old", "2026-01-01", 1),
            row(1, "b-new", "2026-01-02", 1),
            row(0, "a-new", "2026-01-01", 2),
        ];
        let ids: Vec<Vec<String>> = split_sets(&reads, rows)
            .into_iter()
            .map(|s| s.rows().into_iter().map(|r| r.id).collect())
            .collect();
        assert_eq!(ids, vec![vec!["a-new", "a-old"], vec!["b-new", "b-old"]]);
    }

    #[test]
    fn a_read_with_no_rows_still_gets_its_empty_set() {
        let reads = [list("a", None, None, None), list("b", None, None, None)];
        let sets = split_sets(&reads, vec![row(1, "b1", "2026-01-01", 1)]);
        assert_eq!(sets.len(), 2);
        assert!(sets[0].clone().rows().is_empty());
        assert_eq!(sets[1].clone().rows().len(), 1);
    }
}
