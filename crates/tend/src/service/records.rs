use jiff::civil::Date;
use sha2::{Digest, Sha256};

use crate::domain::Kind;
use crate::domain::checkin::Checkin;
use crate::domain::journal::JournalEntry;
use crate::domain::profile::Profile;
use crate::domain::summary::{WeekSummary, summarise_week, window_start};
use crate::store::{self, Once, RecordRead, RecordRow, RecordSet, TitleRow};
use crate::vault;

use super::{ServiceError, ServiceResult, Services, Unlocked};

/// Which of a person's records of one kind to list, newest first. The
/// service's own type, so pages and the API never name the store.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct RecordFilter {
    /// Inclusive bounds on the record's day.
    pub day_from: Option<Date>,
    pub day_to: Option<Date>,
    pub limit: Option<i64>,
}

impl RecordFilter {
    pub(super) fn to_store(self) -> store::RecordFilter {
        store::RecordFilter {
            day_from: self.day_from.map(|d| d.to_string()),
            day_to: self.day_to.map(|d| d.to_string()),
            limit: self.limit,
        }
    }
}

/// A record opened for its owner.
#[derive(Debug, Clone, PartialEq)]
pub struct Stored<T> {
    pub id: String,
    pub day: Option<Date>,
    pub created_at: i64,
    pub updated_at: i64,
    pub version: i64,
    pub value: T,
}

/// Today at a glance; see [`Records::overview`]. The newest journal entries
/// are whole for the API and only their titles (`E = String`) for Today.
#[derive(Debug, Clone)]
pub struct Overview<E = JournalEntry> {
    pub today: Date,
    pub checkin: Option<Stored<Checkin>>,
    pub summary: WeekSummary,
    pub recent_entries: Vec<Stored<E>>,
}

/// The label a record's list title is sealed under: its own, so a title can
/// never be opened as a body or a body as a title.
fn title_label(kind: &str) -> String {
    format!("{kind}.title")
}

/// A list of reads for one store call (see [`Records::read`]).
pub(super) fn list_of<T: Kind>(filter: &RecordFilter) -> RecordRead {
    RecordRead::List {
        kind: T::KIND.to_owned(),
        filter: filter.to_store(),
    }
}

/// How long a submission key is remembered (seven days): a repeat later
/// than that is treated as a new submission.
pub const SUBMISSION_KEEP_SECS: i64 = 7 * 24 * 3600;

/// A submission id or Idempotency-Key the guarantee applies to: 16 to 200
/// visible ASCII characters (tend's forms send 32 hex digits). Anything else
/// is ignored, and the request is handled without the guarantee.
pub fn submission_key(key: &str) -> Option<&str> {
    let key = key.trim();
    ((16..=200).contains(&key.len()) && key.bytes().all(|b| b.is_ascii_graphic())).then_some(key)
}

/// What [`Records::create_once`] did.
#[derive(Debug, Clone)]
pub enum Created<T> {
    /// Written now.
    New(Stored<T>),
    /// The key was used before: nothing was written. `record` is what the
    /// first request made, `None` if it has been deleted since.
    Again {
        id: String,
        record: Option<Stored<T>>,
    },
}

impl<T> Created<T> {
    /// The id of the record written now or by the first request.
    pub fn id(&self) -> &str {
        match self {
            Self::New(s) => &s.id,
            Self::Again { id, .. } => id,
        }
    }

    pub fn is_repeat(&self) -> bool {
        matches!(self, Self::Again { .. })
    }
}

/// Shorthand for the record types used across the web layer.
pub type Entry = Stored<JournalEntry>;

pub struct Records<'a> {
    services: &'a Services,
    who: &'a Unlocked,
}

impl<'a> Records<'a> {
    pub(super) fn new(services: &'a Services, who: &'a Unlocked) -> Self {
        Self { services, who }
    }

    /// Slot records (one per day, one profile) get an id derived from the slot,
    /// so "save again" replaces the same row and its ciphertext stays bound to it.
    pub(super) fn slot_id(&self, kind: &str, slot: &str) -> String {
        let digest = Sha256::digest(format!("{}\0{kind}\0{slot}", self.who.account_id));
        crate::domain::hex(&digest[..16])
    }

    fn seal<T: Kind>(&self, id: &str, value: &T) -> ServiceResult<Vec<u8>> {
        let json = serde_json::to_vec(value)?;
        Ok(vault::seal_record(
            &self.who.key,
            &self.who.account_id,
            id,
            T::KIND,
            &json,
        )?)
    }

    /// The read of one slot record, for [`Self::read`].
    pub(super) fn slot_of<T: Kind>(&self, slot: &str) -> RecordRead {
        RecordRead::One {
            kind: T::KIND.to_owned(),
            id: self.slot_id(T::KIND, slot),
        }
    }

    /// [`Self::read`], answered from `read_cache` when the person's records
    /// have not changed since this process last read the same sets. Only for
    /// a request that has not written records itself (see `read_cache`).
    /// Shared with the cache, not copied: open the rows from the borrow.
    pub(super) async fn read_kept(
        &self,
        reads: &[RecordRead],
    ) -> ServiceResult<std::sync::Arc<Vec<RecordSet>>> {
        let Some(records_gen) = self.who.records_gen else {
            return Ok(std::sync::Arc::new(self.read(reads).await?));
        };
        let cache = &self.services.read_cache;
        if let Some(sets) = cache.get(&self.who.account_id, records_gen, reads) {
            return Ok(sets);
        }
        let sets = std::sync::Arc::new(self.read(reads).await?);
        cache.put(&self.who.account_id, records_gen, reads, sets.clone());
        Ok(sets)
    }

    /// Several reads in one store call (one blocking call on SQLite), in order.
    pub(super) async fn read(&self, reads: &[RecordRead]) -> ServiceResult<Vec<RecordSet>> {
        Ok(self
            .services
            .store
            .read_records(&self.who.account_id, reads)
            .await?)
    }

    /// Opens the rows of one read (borrowed: they may be kept rows, see
    /// [`Self::read_kept`]).
    pub(super) fn open_set<T: Kind>(
        &self,
        set: Option<&RecordSet>,
    ) -> ServiceResult<Vec<Stored<T>>> {
        set.map_or(&[][..], RecordSet::row_slice)
            .iter()
            .map(|r| self.open(r))
            .collect()
    }

    /// Seals a record's list title (see [`Kind::list_title`]).
    fn seal_title(&self, kind: &str, id: &str, title: &str) -> ServiceResult<Vec<u8>> {
        Ok(vault::seal_record(
            &self.who.key,
            &self.who.account_id,
            id,
            &title_label(kind),
            title.as_bytes(),
        )?)
    }

    /// Stores the list title beside a record just written. Best effort: a
    /// title that fails to save is filled in by the next list that needs it.
    async fn keep_title<T: Kind>(&self, id: &str, version: i64, value: &T) {
        let Some(title) = value.list_title() else {
            return;
        };
        let sealed = match self.seal_title(T::KIND, id, &title) {
            Ok(s) => s,
            Err(e) => {
                tracing::warn!(error = %e, "could not seal a list title");
                return;
            }
        };
        if let Err(e) = self
            .services
            .store
            .set_record_titles(
                &self.who.account_id,
                T::KIND,
                &[(id.to_owned(), version, sealed)],
            )
            .await
        {
            tracing::warn!(error = %e, "could not store a list title");
        }
    }

    /// The titles of a list of records: the sealed titles opened; records
    /// without one yet (written before titles were stored) are opened whole
    /// once, and their titles stored for next time in one transaction.
    pub(super) async fn open_titles<T: Kind>(
        &self,
        set: Option<RecordSet>,
    ) -> ServiceResult<Vec<Stored<String>>> {
        let rows = set.map(RecordSet::titles).unwrap_or_default();
        let mut out = Vec::with_capacity(rows.len());
        let mut fill = Vec::new();
        for TitleRow {
            id,
            day,
            created_at,
            updated_at,
            version,
            title,
            sealed,
        } in rows
        {
            let value = match (title, sealed) {
                (Some(t), _) => String::from_utf8_lossy(&vault::open_record(
                    &self.who.key,
                    &self.who.account_id,
                    &id,
                    &title_label(T::KIND),
                    &t,
                )?)
                .into_owned(),
                (None, Some(body)) => {
                    let json = vault::open_record(
                        &self.who.key,
                        &self.who.account_id,
                        &id,
                        T::KIND,
                        &body,
                    )?;
                    let value: T = serde_json::from_slice(&json)?;
                    let title = value.list_title().unwrap_or_default();
                    fill.push((id.clone(), version, self.seal_title(T::KIND, &id, &title)?));
                    title
                }
                (None, None) => String::new(),
            };
            out.push(Stored {
                day: day.as_deref().and_then(|d| d.parse().ok()),
                id,
                created_at,
                updated_at,
                version,
                value,
            });
        }
        if !fill.is_empty()
            && let Err(e) = self
                .services
                .store
                .set_record_titles(&self.who.account_id, T::KIND, &fill)
                .await
        {
            tracing::warn!(error = %e, "could not store list titles");
        }
        Ok(out)
    }

    /// The list titles of records of a kind that has them (the journal),
    /// newest first, without opening their bodies.
    pub async fn titles<T: Kind>(
        &self,
        filter: &RecordFilter,
    ) -> ServiceResult<Vec<Stored<String>>> {
        let reads = [RecordRead::Titles {
            kind: T::KIND.to_owned(),
            filter: filter.to_store(),
        }];
        let set = self.read(&reads).await?.into_iter().next();
        self.open_titles::<T>(set).await
    }

    fn open<T: Kind>(&self, row: &RecordRow) -> ServiceResult<Stored<T>> {
        let json = vault::open_record(
            &self.who.key,
            &self.who.account_id,
            &row.id,
            T::KIND,
            &row.sealed,
        )?;
        let value = serde_json::from_slice(&json)?;
        Ok(Stored {
            day: row.day.as_deref().and_then(|d| d.parse().ok()),
            id: row.id.clone(),
            created_at: row.created_at,
            updated_at: row.updated_at,
            version: row.version,
            value,
        })
    }

    fn row(
        &self,
        id: String,
        kind: &str,
        day: Option<Date>,
        slot: Option<String>,
        now: i64,
        sealed: Vec<u8>,
    ) -> RecordRow {
        RecordRow {
            id,
            account_id: self.who.account_id.clone(),
            kind: kind.to_owned(),
            day: day.map(|d| d.to_string()),
            slot,
            created_at: now,
            updated_at: now,
            version: 1,
            sealed,
        }
    }

    /// Saves the record for a slot, replacing what was there.
    pub async fn put_slot<T: Kind>(
        &self,
        slot: &str,
        day: Option<Date>,
        value: T,
        now: i64,
    ) -> ServiceResult<Stored<T>> {
        match self.put_slot_once(slot, day, value, now, None).await? {
            Created::New(saved) => Ok(saved),
            // Without a key nothing is a repeat; this is never reached.
            Created::Again { .. } => Err(ServiceError::NotFound),
        }
    }

    /// [`Self::put_slot`] once per `key`, as [`Self::create_once`]: a repeat
    /// writes nothing, so it cannot undo a change made after the first (a
    /// queued check-in replayed after the person corrected it online).
    pub async fn put_slot_once<T: Kind>(
        &self,
        slot: &str,
        day: Option<Date>,
        value: T,
        now: i64,
        key: Option<&str>,
    ) -> ServiceResult<Created<T>> {
        let id = self.slot_id(T::KIND, slot);
        let sealed = self.seal(&id, &value)?;
        let row = self.row(id.clone(), T::KIND, day, Some(slot.to_owned()), now, sealed);
        let version = match key.and_then(submission_key) {
            None => self.services.store.upsert_record(&row).await?,
            Some(key) => {
                let tag = self.submission_tag(key, &value)?;
                match self
                    .services
                    .store
                    .upsert_record_once(&row, &tag, now)
                    .await?
                {
                    Once::Written(version) => version,
                    Once::Again(first) => return self.again(first).await,
                }
            }
        };
        self.keep_title(&id, version, &value).await;
        Ok(Created::New(Stored {
            id,
            day,
            created_at: now,
            updated_at: now,
            version,
            value,
        }))
    }

    /// The tag a submission is noted under: the key with the kind and the
    /// words, so the same key sent with other words (a form page kept by the
    /// browser and sent again with new words) is a new submission and nothing
    /// written is dropped; keyed by the data key (see
    /// [`vault::submission_tag`]).
    fn submission_tag<T: Kind>(&self, key: &str, value: &T) -> ServiceResult<[u8; 32]> {
        let json = serde_json::to_vec(value)?;
        Ok(vault::submission_tag(
            &self.who.key,
            &[
                self.who.account_id.as_bytes(),
                T::KIND.as_bytes(),
                key.as_bytes(),
                &json,
            ],
        )?)
    }

    /// The answer to a repeat: the record the first one wrote.
    async fn again<T: Kind>(&self, first: String) -> ServiceResult<Created<T>> {
        let record = self.get::<T>(&first).await?;
        Ok(Created::Again { id: first, record })
    }

    pub async fn slot<T: Kind>(&self, slot: &str) -> ServiceResult<Option<Stored<T>>> {
        self.get(&self.slot_id(T::KIND, slot)).await
    }

    /// Writes a new record (no submission key, so no exactly-once guarantee:
    /// see [`Self::create_once`]).
    pub async fn create<T: Kind>(
        &self,
        day: Option<Date>,
        value: T,
        now: i64,
    ) -> ServiceResult<Stored<T>> {
        match self.create_once(day, value, now, None).await? {
            Created::New(saved) => Ok(saved),
            // Without a key nothing is a repeat; this is never reached.
            Created::Again { .. } => Err(ServiceError::NotFound),
        }
    }

    /// Writes a new record once per `key` (a form's submission id or an API
    /// Idempotency-Key) and set of words: a tag of them is stored with the record's id in the
    /// same transaction, and a repeat with the same key writes nothing and
    /// answers with the record the first one made (the same key with other
    /// words is a new submission). A missing or malformed
    /// key (see [`submission_key`]) writes as [`Self::create`] does, without
    /// the guarantee. Keys are forgotten after [`SUBMISSION_KEEP_SECS`].
    pub async fn create_once<T: Kind>(
        &self,
        day: Option<Date>,
        value: T,
        now: i64,
        key: Option<&str>,
    ) -> ServiceResult<Created<T>> {
        let id = uuid::Uuid::new_v4().to_string();
        let sealed = self.seal(&id, &value)?;
        let row = self.row(id.clone(), T::KIND, day, None, now, sealed);
        match key.and_then(submission_key) {
            None => self.services.store.insert_record(&row).await?,
            Some(key) => {
                let tag = self.submission_tag(key, &value)?;
                if let Once::Again(first) = self
                    .services
                    .store
                    .insert_record_once(&row, &tag, now)
                    .await?
                {
                    return self.again(first).await;
                }
            }
        }
        self.keep_title(&id, 1, &value).await;
        Ok(Created::New(Stored {
            id,
            day,
            created_at: now,
            updated_at: now,
            version: 1,
            value,
        }))
    }

    /// A record of this person's; `None` also when it exists but is someone else's.
    pub async fn get<T: Kind>(&self, id: &str) -> ServiceResult<Option<Stored<T>>> {
        match self
            .services
            .store
            .record(&self.who.account_id, T::KIND, id)
            .await?
        {
            Some(row) => Ok(Some(self.open(&row)?)),
            None => Ok(None),
        }
    }

    pub async fn list<T: Kind>(&self, filter: &RecordFilter) -> ServiceResult<Vec<Stored<T>>> {
        let rows = self
            .services
            .store
            .records(&self.who.account_id, T::KIND, &filter.to_store())
            .await?;
        rows.iter().map(|r| self.open(r)).collect()
    }

    /// Replaces a record if nobody changed it since `expected_version` was read.
    pub async fn update<T: Kind>(
        &self,
        id: &str,
        expected_version: i64,
        value: T,
        now: i64,
    ) -> ServiceResult<Stored<T>> {
        let Some(current) = self
            .services
            .store
            .record(&self.who.account_id, T::KIND, id)
            .await?
        else {
            return Err(ServiceError::NotFound);
        };
        let day = current.day.as_deref().and_then(|d| d.parse().ok());
        let sealed = self.seal(id, &value)?;
        let mut row = self.row(id.to_owned(), T::KIND, day, current.slot, now, sealed);
        row.created_at = current.created_at;
        if !self
            .services
            .store
            .update_record(&row, expected_version)
            .await?
        {
            return Err(ServiceError::Stale);
        }
        self.keep_title(id, expected_version + 1, &value).await;
        Ok(Stored {
            id: id.to_owned(),
            day,
            created_at: current.created_at,
            updated_at: now,
            version: expected_version + 1,
            value,
        })
    }

    /// Deletes one of this person's records; `NotFound` when there is none with
    /// that id (which includes someone else's), so every caller answers alike.
    pub async fn delete<T: Kind>(&self, id: &str) -> ServiceResult<()> {
        let deleted = self
            .services
            .store
            .delete_record(&self.who.account_id, T::KIND, id)
            .await?;
        if deleted {
            Ok(())
        } else {
            Err(ServiceError::NotFound)
        }
    }

    pub async fn count<T: Kind>(&self) -> ServiceResult<i64> {
        Ok(self
            .services
            .store
            .count_records(&self.who.account_id, T::KIND)
            .await?)
    }

    /// Everything this person has stored, opened, as one JSON document in an
    /// open format: each record with its kind, id, day, slot, times and
    /// contents (`tend-export-v2`; see `domain::transfer` and docs/transfer.md).
    pub async fn export(&self, now: i64) -> ServiceResult<serde_json::Value> {
        let rows = self
            .services
            .store
            .account_records(&self.who.account_id)
            .await?;
        let mut records = Vec::with_capacity(rows.len());
        for row in rows {
            let json = vault::open_record(
                &self.who.key,
                &self.who.account_id,
                &row.id,
                &row.kind,
                &row.sealed,
            )?;
            let value: serde_json::Value = serde_json::from_slice(&json)?;
            records.push(serde_json::json!({
                "kind": row.kind,
                "id": row.id,
                "day": row.day,
                "slot": row.slot,
                "created_at": row.created_at,
                "updated_at": row.updated_at,
                "value": value,
            }));
        }
        Ok(serde_json::json!({
            "format": crate::domain::transfer::FORMAT_CURRENT,
            "handle": self.who.handle,
            "exported_at": now,
            "records": records,
        }))
    }

    /// The person's own date at `now`, in their time zone.
    pub async fn today(&self, now: jiff::Timestamp) -> ServiceResult<Date> {
        Ok(now.to_zoned(self.profile().await?.tz()).date())
    }

    /// What the Today page and `GET /api/v1/today` show: today's check-in, the
    /// seven-day summary, and the newest journal entries.
    pub async fn overview(&self, today: Date, recent: i64) -> ServiceResult<Overview> {
        let sets = self
            .read(&[Self::week_read(today), Self::recent_read(recent)])
            .await?;
        let mut sets = sets.iter();
        let week = self.open_set::<Checkin>(sets.next())?;
        let recent_entries = self.open_set::<JournalEntry>(sets.next())?;
        Ok(Self::overview_of(today, week, recent_entries))
    }

    /// The week of check-ins [`Self::overview`] summarises.
    pub(super) fn week_read(today: Date) -> RecordRead {
        list_of::<Checkin>(&RecordFilter {
            day_from: Some(window_start(today)),
            day_to: Some(today),
            limit: Some(7),
        })
    }

    /// The newest journal entries.
    pub(super) fn recent_read(recent: i64) -> RecordRead {
        list_of::<JournalEntry>(&RecordFilter {
            limit: Some(recent),
            ..RecordFilter::default()
        })
    }

    pub(super) fn overview_of<E>(
        today: Date,
        week: Vec<Stored<Checkin>>,
        recent_entries: Vec<Stored<E>>,
    ) -> Overview<E> {
        let days: Vec<_> = week
            .iter()
            .filter_map(|s| s.day.map(|d| (d, s.value.clone())))
            .collect();
        let summary = summarise_week(today, &days);
        let checkin = week.into_iter().find(|s| s.day == Some(today));
        Overview {
            today,
            checkin,
            summary,
            recent_entries,
        }
    }

    /// The person's profile (time zone), or the defaults before they set one.
    pub async fn profile(&self) -> ServiceResult<Profile> {
        let profile = self
            .who
            .profile
            .get_or_try_init(|| async {
                Ok::<_, ServiceError>(
                    self.slot::<Profile>("profile")
                        .await?
                        .map(|s| s.value)
                        .unwrap_or_default(),
                )
            })
            .await?;
        Ok(profile.clone())
    }
}
