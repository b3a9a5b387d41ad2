//! Today's sealed rows, kept between requests while the person's records
//! have not changed (issue 11).
//!
//! Reading Today's six record sets was about two fifths of the page's CPU,
//! most of it SQLite finding leaf pages that no connection still held
//! (docs/benchmarks.md, "Today's rows kept between requests"). A person opens
//! Today many times between writes, so the rows of the last read are kept,
//! still sealed (the same bytes as on disk; opening them stays per request,
//! with the key of that request), under the account's records count that the
//! session lookup reads on every request (migration 0020).
//!
//! Why a kept entry is never stale: every change to a person's records, by
//! any process and through any code path, moves the count in the same
//! transaction (database triggers do it). An entry is stored under the count
//! its request read *before* reading the rows, so its rows are at least as
//! new as that count; a request that read a newer count finds the entry's
//! count different and reads again. A process may lose the whole cache at any
//! time (it is only memory); nothing else depends on it.
//!
//! The one rule for callers: a request must not read through the cache after
//! it has itself written records, since its count was read before the write.
//! Only Today's read uses it, and Today writes nothing before it (the
//! backfill of missing journal titles writes after, which only moves the
//! count on).

use std::collections::HashMap;
use std::sync::{Arc, Mutex};

use crate::store::{RecordRead, RecordSet};

/// Bytes of sealed rows kept across all people, at most: a few thousand
/// people's Today (about 3 KB each with a year of daily check-ins and
/// journal entries) within issue 11's memory goal.
const MAX_BYTES: usize = 8 * 1024 * 1024;
/// A read larger than this is not kept (a month of many practice logs, a
/// year of questionnaires): it would crowd out many ordinary ones.
const MAX_ENTRY_BYTES: usize = 64 * 1024;
/// What an entry costs besides its rows: the map's slot and key, the kept
/// copy of the reads, the set vectors. Counted so that many people with
/// empty pages cannot outgrow [`MAX_BYTES`] either.
const ENTRY_BYTES: usize = 1024;

struct Entry {
    records_gen: i64,
    reads: Vec<RecordRead>,
    sets: Arc<Vec<RecordSet>>,
    bytes: usize,
}

#[derive(Default)]
struct Kept {
    by_account: HashMap<String, Entry>,
    bytes: usize,
}

/// The last Today read of each person, by account id.
#[derive(Default)]
pub struct ReadCache {
    kept: Mutex<Kept>,
}

impl ReadCache {
    /// The sets kept for these reads of this account at this count.
    pub fn get(
        &self,
        account_id: &str,
        records_gen: i64,
        reads: &[RecordRead],
    ) -> Option<Arc<Vec<RecordSet>>> {
        let kept = self.kept.lock().ok()?;
        let e = kept.by_account.get(account_id)?;
        (e.records_gen == records_gen && e.reads == reads).then(|| e.sets.clone())
    }

    /// Keeps `sets`, read for `reads` after the account's count was seen at
    /// `records_gen`, in place of whatever the account had kept.
    pub fn put(
        &self,
        account_id: &str,
        records_gen: i64,
        reads: &[RecordRead],
        sets: Arc<Vec<RecordSet>>,
    ) {
        let bytes = ENTRY_BYTES + size_of_reads(reads) + size_of_sets(&sets) + 2 * account_id.len();
        let Ok(mut kept) = self.kept.lock() else {
            return;
        };
        // Two requests of one person may finish out of order: the entry of
        // the newer count stays.
        if kept
            .by_account
            .get(account_id)
            .is_some_and(|e| e.records_gen > records_gen)
        {
            return;
        }
        if let Some(old) = kept.by_account.remove(account_id) {
            kept.bytes -= old.bytes;
        }
        if bytes > MAX_ENTRY_BYTES {
            return;
        }
        // Full: make room by dropping other people's entries (whichever the
        // map yields first; every entry is as cheap to read again).
        while kept.bytes + bytes > MAX_BYTES {
            let Some(victim) = kept.by_account.keys().next().cloned() else {
                break;
            };
            if let Some(old) = kept.by_account.remove(&victim) {
                kept.bytes -= old.bytes;
            }
        }
        kept.bytes += bytes;
        kept.by_account.insert(
            account_id.to_owned(),
            Entry {
                records_gen,
                reads: reads.to_vec(),
                sets,
                bytes,
            },
        );
    }

    /// Drops what is kept of an account (deleted: nothing of it should stay,
    /// sealed or not).
    pub fn forget(&self, account_id: &str) {
        if let Ok(mut kept) = self.kept.lock()
            && let Some(old) = kept.by_account.remove(account_id)
        {
            kept.bytes -= old.bytes;
        }
    }

    /// Bytes counted now.
    #[cfg(test)]
    fn bytes(&self) -> usize {
        self.kept.lock().map(|k| k.bytes).unwrap_or(0)
    }
}

/// The text the kept copy of `reads` holds.
fn size_of_reads(reads: &[RecordRead]) -> usize {
    let filter = |f: &crate::store::RecordFilter| {
        f.day_from.as_ref().map_or(0, String::len) + f.day_to.as_ref().map_or(0, String::len)
    };
    reads
        .iter()
        .map(|r| match r {
            RecordRead::One { kind, id } => kind.len() + id.len(),
            RecordRead::List { kind, filter: f } | RecordRead::Titles { kind, filter: f } => {
                kind.len() + filter(f)
            }
        })
        .sum()
}

/// About what the kept copy of `sets` holds in memory: its bytes, and for
/// each row its struct and the allocator's share of each of its strings.
fn size_of_sets(sets: &[RecordSet]) -> usize {
    const PER_ROW: usize = 256;
    let text = |s: &Option<String>| s.as_ref().map_or(0, String::len);
    let bytes = |b: &Option<Vec<u8>>| b.as_ref().map_or(0, Vec::len);
    sets.iter()
        .map(|s| match s {
            RecordSet::Rows(rows) => rows
                .iter()
                .map(|r| {
                    PER_ROW
                        + r.id.len()
                        + r.account_id.len()
                        + r.kind.len()
                        + text(&r.day)
                        + text(&r.slot)
                        + r.sealed.len()
                })
                .sum::<usize>(),
            RecordSet::Titles(rows) => rows
                .iter()
                .map(|r| PER_ROW + r.id.len() + text(&r.day) + bytes(&r.title) + bytes(&r.sealed))
                .sum(),
        })
        .sum()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::store::{RecordFilter, RecordRow};

    fn reads(limit: i64) -> Vec<RecordRead> {
        vec![RecordRead::List {
            kind: "checkin".into(),
            filter: RecordFilter {
                day_from: Some("2026-12-01".into()),
                day_to: Some("2026-12-07".into()),
                limit: Some(limit),
            },
        }]
    }

    fn sets(sealed_len: usize) -> Arc<Vec<RecordSet>> {
        Arc::new(vec![RecordSet::Rows(vec![RecordRow {
            id: "r1".into(),
            account_id: "a1".into(),
            kind: "checkin".into(),
            day: Some("2026-12-06".into()),
            slot: Some("2026-12-06".into()),
            created_at: 1,
            updated_at: 1,
            version: 1,
            sealed: vec![9; sealed_len],
        }])])
    }

    #[test]
    fn a_kept_read_answers_only_the_same_reads_at_the_same_count() {
        let cache = ReadCache::default();
        cache.put("a1", 4, &reads(7), sets(100));
        assert_eq!(cache.get("a1", 4, &reads(7)), Some(sets(100)));
        // Records changed since: the count moved on.
        assert_eq!(cache.get("a1", 5, &reads(7)), None);
        // Other reads (another day's week, say) are not these.
        assert_eq!(cache.get("a1", 4, &reads(8)), None);
        // Nor is another person.
        assert_eq!(cache.get("a2", 4, &reads(7)), None);
    }

    #[test]
    fn each_person_keeps_one_read_and_the_newest_replaces_it() {
        let cache = ReadCache::default();
        cache.put("a1", 4, &reads(7), sets(100));
        let one = cache.bytes();
        cache.put("a1", 5, &reads(7), sets(100));
        assert_eq!(cache.bytes(), one);
        assert_eq!(cache.get("a1", 4, &reads(7)), None);
        assert_eq!(cache.get("a1", 5, &reads(7)), Some(sets(100)));
    }

    #[test]
    fn an_older_count_never_replaces_a_newer_one_and_a_deleted_account_is_forgotten() {
        let cache = ReadCache::default();
        cache.put("a1", 6, &reads(7), sets(100));
        // A slower request that read the count before the last write.
        cache.put("a1", 5, &reads(7), sets(50));
        assert_eq!(cache.get("a1", 6, &reads(7)), Some(sets(100)));
        assert_eq!(cache.get("a1", 5, &reads(7)), None);
        cache.forget("a1");
        assert_eq!(cache.get("a1", 6, &reads(7)), None);
        assert_eq!(cache.bytes(), 0);
    }

    #[test]
    fn many_empty_pages_count_too() {
        let cache = ReadCache::default();
        let empty = Arc::new(vec![RecordSet::Rows(Vec::new())]);
        for n in 0..(MAX_BYTES / ENTRY_BYTES * 2) {
            cache.put(&format!("p{n}"), 1, &reads(7), empty.clone());
        }
        assert!(cache.bytes() <= MAX_BYTES);
        let kept = cache.kept.lock().unwrap().by_account.len();
        assert!(kept <= MAX_BYTES / ENTRY_BYTES, "{kept} entries");
    }

    #[test]
    fn the_cache_stays_within_its_bytes() {
        let cache = ReadCache::default();
        // A read too big to keep is not kept, and leaves nothing of the
        // person's older one behind.
        cache.put("a1", 1, &reads(7), sets(100));
        cache.put("a1", 2, &reads(7), sets(MAX_ENTRY_BYTES));
        assert_eq!(cache.get("a1", 2, &reads(7)), None);
        assert_eq!(cache.get("a1", 1, &reads(7)), None);
        assert_eq!(cache.bytes(), 0);
        // Many people: older entries make room, the total never passes the bound.
        let each = 16 * 1024;
        for n in 0..(2 * MAX_BYTES / each) {
            cache.put(&format!("p{n}"), 1, &reads(7), sets(each));
            assert!(cache.bytes() <= MAX_BYTES, "{}", cache.bytes());
        }
        let newest = format!("p{}", 2 * MAX_BYTES / each - 1);
        assert_eq!(cache.get(&newest, 1, &reads(7)), Some(sets(each)));
        assert!(cache.bytes() > MAX_BYTES / 2);
    }
}
