//! Moving a person's records to another tend server: importing tend's own
//! export into the signed-in account, all or nothing (issue 14).
//!
//! Each record keeps its id in its new home unless that id already names a
//! record of someone else on this server (then it gets an id derived from the
//! account and the old id), and one-per-slot records (a day's check-in, the
//! safety plan) take the id their slot gives in this account. So running the
//! same import twice finds every record already there and adds nothing, and a
//! record that went A → B → A lands on itself.
//!
//! What the person already has is never changed: a record with the same id,
//! or one in the same slot (today's check-in, written on both servers), is
//! left as it is and counted as "already here".

use std::collections::{BTreeMap, HashSet};

use sha2::{Digest, Sha256};

use crate::domain::Invalid;
use crate::domain::transfer::{self, STAYS};
use crate::store::{RecordRow, StoreError};
use crate::vault;

use super::{ServiceError, ServiceResult, Services, Unlocked};

/// How many records of one kind an import added, and how many were already here.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct KindReport {
    pub kind: String,
    /// In words, for people: "daily check-ins".
    pub label: String,
    pub imported: usize,
    pub already_here: usize,
}

/// Records of a kind that stay on the server they were made on.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct LeftBehind {
    pub kind: String,
    pub label: String,
    pub count: usize,
}

/// What an import did.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct ImportReport {
    /// The file's format (`tend-export-v1`, `tend-export-v2`).
    pub format: String,
    /// The handle the export was made under.
    pub from_handle: String,
    pub imported: usize,
    pub already_here: usize,
    /// Per kind, in a fixed order; kinds the file did not hold are left out.
    pub kinds: Vec<KindReport>,
    pub left_behind: Vec<LeftBehind>,
}

pub struct Transfer<'a> {
    services: &'a Services,
    who: &'a Unlocked,
}

impl<'a> Transfer<'a> {
    pub(super) fn new(services: &'a Services, who: &'a Unlocked) -> Self {
        Self { services, who }
    }

    /// An id for a record whose own id is taken on this server by someone else.
    fn derived_id(&self, id: &str) -> String {
        let digest = Sha256::digest(format!("{}\0import\0{id}", self.who.account_id));
        crate::domain::hex(&digest[..16])
    }

    /// Imports an export file into this account. The file is checked whole
    /// first; a problem anywhere refuses it with one plain message and writes
    /// nothing. Then every record is written in one transaction.
    pub async fn import(&self, bytes: &[u8]) -> ServiceResult<ImportReport> {
        let checked = transfer::read(bytes)?;
        let records = self.services.records(self.who);
        // Ids of many-per-account records that someone else on this server has.
        let free_ids: Vec<String> = checked
            .records
            .iter()
            .filter(|r| r.slot.is_none())
            .map(|r| r.id.clone())
            .collect();
        let taken: HashSet<String> = self
            .services
            .store
            .foreign_record_ids(&self.who.account_id, &free_ids)
            .await?
            .into_iter()
            .collect();
        let mut rows = Vec::with_capacity(checked.records.len());
        for r in &checked.records {
            let id = match &r.slot {
                Some(slot) => records.slot_id(r.kind, slot),
                None if taken.contains(&r.id) => self.derived_id(&r.id),
                None => r.id.clone(),
            };
            let json = serde_json::to_vec(&r.value)?;
            let sealed =
                vault::seal_record(&self.who.key, &self.who.account_id, &id, r.kind, &json)?;
            rows.push(RecordRow {
                id,
                account_id: self.who.account_id.clone(),
                kind: r.kind.to_owned(),
                day: r.day.map(|d| d.to_string()),
                slot: r.slot.clone(),
                created_at: r.created_at,
                updated_at: r.updated_at,
                version: 1,
                sealed,
            });
        }
        let inserted = self
            .services
            .store
            .import_records(&self.who.account_id, &rows)
            .await
            .map_err(|e| match e {
                // Someone else's import claimed one of these ids a moment ago.
                StoreError::Conflict => ServiceError::Invalid(vec![Invalid::new(
                    "export",
                    "Another import was writing at the same moment, so nothing was imported. Please try again.",
                )]),
                e => e.into(),
            })?;
        let mut counts: BTreeMap<&str, (usize, usize)> = BTreeMap::new();
        for (r, added) in checked.records.iter().zip(&inserted) {
            let c = counts.entry(r.kind).or_default();
            if *added {
                c.0 += 1;
            } else {
                c.1 += 1;
            }
        }
        let kinds: Vec<KindReport> = transfer::movable_kinds()
            .filter_map(|k| {
                counts.get(k).map(|(imported, already)| KindReport {
                    kind: k.to_owned(),
                    label: transfer::label(k).to_owned(),
                    imported: *imported,
                    already_here: *already,
                })
            })
            .collect();
        let left_behind = STAYS
            .iter()
            .filter_map(|(k, label)| {
                checked.left_behind.get(*k).map(|n| LeftBehind {
                    kind: (*k).to_owned(),
                    label: (*label).to_owned(),
                    count: *n,
                })
            })
            .collect();
        Ok(ImportReport {
            format: checked.format,
            from_handle: checked.handle,
            imported: kinds.iter().map(|k| k.imported).sum(),
            already_here: kinds.iter().map(|k| k.already_here).sum(),
            kinds,
            left_behind,
        })
    }
}
