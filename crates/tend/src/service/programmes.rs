//! Programme insight (issue 17): programmes, joining, consent to contribute,
//! the contribution hooks, and releasing figures to leads.
//!
//! Which programme a student joined, whether they contribute, and what they
//! contributed in each month are kept only in one sealed record of theirs
//! (kind `programme`). The programme's totals are changed by the difference
//! between their old and new contribution, so nothing outside that record ties
//! the student to the totals, and stopping or deleting the account takes the
//! contribution back out exactly.

use jiff::civil::Date;
use rand::SeedableRng;
use rand::rngs::StdRng;
use serde::Serialize;

use crate::domain::Invalid;
use crate::domain::checkin::Checkin;
pub use crate::domain::programmes::Membership;
use crate::domain::programmes::{
    self, Contribution, EPSILON_PER_FIGURE, K_DEFAULT, K_MIN, Measure, Release, Stage, Sums, Totals,
};
use crate::store::{ProgrammeRow, TimetableRow, TotalsRow};

use super::{ServiceError, ServiceResult, Services, Unlocked};

const SLOT: &str = "programme";

pub use crate::store::ProgrammeRow as Programme;
pub use crate::store::TimetableRow as MarkedPeriod;

/// A month's figures as a lead sees them.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct PeriodFigures {
    pub period: String,
    /// `None`: not enough people yet (nothing computed or stored).
    pub release: Option<Release>,
}

pub struct Programmes<'a>(pub(super) &'a Services);

/// A period as a lead typed it (checked by `mark_period`).
#[derive(Debug, Clone, Copy)]
pub struct PeriodFields<'a> {
    pub kind: &'a str,
    pub label: &'a str,
    pub starts: &'a str,
    pub ends: &'a str,
}

fn to_row((cell, s): &(String, Sums)) -> TotalsRow {
    TotalsRow {
        cell: cell.clone(),
        n: s.n,
        sx: s.sx,
        sxx: s.sxx,
        sy: s.sy,
        syy: s.syy,
        sxy: s.sxy,
        flagged: s.flagged,
    }
}

fn from_row(r: TotalsRow) -> (String, Sums) {
    (
        r.cell,
        Sums {
            n: r.n,
            sx: r.sx,
            sxx: r.sxx,
            sy: r.sy,
            syy: r.syy,
            sxy: r.sxy,
            flagged: r.flagged,
        },
    )
}

/// A change to one month's totals: programme, period, cells.
type Change = (String, String, Vec<TotalsRow>);

fn negate(r: &TotalsRow) -> TotalsRow {
    TotalsRow {
        cell: r.cell.clone(),
        n: -r.n,
        sx: -r.sx,
        sxx: -r.sxx,
        sy: -r.sy,
        syy: -r.syy,
        sxy: -r.sxy,
        flagged: -r.flagged,
    }
}

/// What taking all of a membership's contributions back out changes.
fn take_back_changes(m: &Membership) -> Vec<Change> {
    m.contributions
        .iter()
        .map(|(period, c)| {
            let rows = programmes::delta(c, &Contribution::default())
                .iter()
                .map(to_row)
                .collect();
            (m.programme_id.clone(), period.clone(), rows)
        })
        .collect()
}

/// A join code: 10 letters and digits without look-alikes (no 0/O, 1/I/L).
fn new_code() -> String {
    use rand::Rng;
    const ALPHABET: &[u8] = b"ABCDEFGHJKMNPQRSTUVWXYZ23456789";
    let mut rng = rand::rngs::OsRng;
    (0..10)
        .map(|_| char::from(ALPHABET[rng.gen_range(0..ALPHABET.len())]))
        .collect()
}

fn utc_today(now: i64) -> Date {
    jiff::Timestamp::from_second(now)
        .map(|t| t.to_zoned(jiff::tz::TimeZone::UTC).date())
        .unwrap_or_default()
}

impl Programmes<'_> {
    // ------------------------------------------------------------ admin

    /// Creates a programme (command line and admin page).
    pub async fn create(
        &self,
        name: &str,
        k: Option<i64>,
        resources: &str,
        now: i64,
    ) -> ServiceResult<Programme> {
        let name = name.trim();
        if name.is_empty() || name.chars().count() > 120 {
            return Err(
                Invalid::new("name", "Give the programme a name of up to 120 characters.").into(),
            );
        }
        let k = k.unwrap_or(K_DEFAULT);
        if k < K_MIN {
            return Err(Invalid::new(
                "k",
                format!("The smallest group shown must be at least {K_MIN} people."),
            )
            .into());
        }
        let row = ProgrammeRow {
            id: uuid::Uuid::new_v4().to_string(),
            name: name.to_owned(),
            code: new_code(),
            k,
            resources: resources.trim().to_owned(),
            created_at: now,
        };
        match self.0.store.create_programme(&row).await {
            Err(crate::store::StoreError::Conflict) => {
                Err(Invalid::new("name", "There is already a programme with that name.").into())
            }
            r => r.map(|()| row).map_err(Into::into),
        }
    }

    pub async fn by_name(&self, name: &str) -> ServiceResult<Option<Programme>> {
        Ok(self.0.store.programme_by_name(name.trim()).await?)
    }

    pub async fn all(&self) -> ServiceResult<Vec<Programme>> {
        Ok(self.0.store.programmes().await?)
    }

    /// Appoints a lead by handle.
    pub async fn appoint_lead(&self, programme: &str, handle: &str) -> ServiceResult<()> {
        let p = self
            .by_name(programme)
            .await?
            .ok_or(ServiceError::NotFound)?;
        let account = self
            .0
            .store
            .account_by_handle(handle.trim())
            .await?
            .ok_or(ServiceError::NotFound)?;
        Ok(self.0.store.add_programme_lead(&p.id, &account.id).await?)
    }

    pub async fn is_server_admin(&self, account_id: &str) -> ServiceResult<bool> {
        Ok(self
            .0
            .store
            .has_server_role(account_id, crate::domain::circles::SERVER_ADMIN)
            .await?)
    }

    // ---------------------------------------------------------- student

    async fn membership(&self, who: &Unlocked) -> ServiceResult<Option<Membership>> {
        Ok(self
            .0
            .records(who)
            .slot::<Membership>(SLOT)
            .await?
            .map(|s| s.value))
    }

    async fn save(&self, who: &Unlocked, m: Membership, now: i64) -> ServiceResult<()> {
        self.0.records(who).put_slot(SLOT, None, m, now).await?;
        Ok(())
    }

    /// The student's programme and their own record of it, if they joined one.
    pub async fn mine(&self, who: &Unlocked) -> ServiceResult<Option<(Programme, Membership)>> {
        let Some(m) = self.membership(who).await? else {
            return Ok(None);
        };
        match self.0.store.programme(&m.programme_id).await? {
            Some(p) => Ok(Some((p, m))),
            None => Ok(None),
        }
    }

    /// Joins with a code. Joining never starts contributing. Joining another
    /// programme first takes any contributions back out of the old one.
    pub async fn join(&self, who: &Unlocked, code: &str, now: i64) -> ServiceResult<Programme> {
        let code = code.trim().to_ascii_uppercase();
        let Some(p) = self.0.store.programme_by_code(&code).await? else {
            return Err(Invalid::new(
                "code",
                "That code doesn't match a programme. Check it with whoever gave it to you.",
            )
            .into());
        };
        if let Some(m) = self.membership(who).await? {
            if m.programme_id == p.id {
                return Ok(p);
            }
            self.set_contributing(who, false, now).await?;
        }
        self.save(
            who,
            Membership {
                programme_id: p.id.clone(),
                ..Membership::default()
            },
            now,
        )
        .await?;
        Ok(p)
    }

    /// The student says yes (or no) on the consent page. Saying no takes
    /// everything they contributed back out of the totals.
    pub async fn set_contributing(&self, who: &Unlocked, yes: bool, now: i64) -> ServiceResult<()> {
        let changed = self
            .change(who, now, |m| {
                let mut next = m.clone();
                let changes = if yes {
                    Vec::new()
                } else {
                    take_back_changes(m)
                };
                if !yes {
                    next.contributions.clear();
                }
                next.contributing = yes;
                Some((next, changes))
            })
            .await?;
        if changed {
            Ok(())
        } else {
            Err(ServiceError::NotFound)
        }
    }

    /// Leaves the programme, taking contributions back out.
    pub async fn leave(&self, who: &Unlocked, now: i64) -> ServiceResult<()> {
        // First stop (checked against concurrent saves), then drop the record.
        if self.membership(who).await?.is_none() {
            return Ok(());
        }
        self.set_contributing(who, false, now).await?;
        let id = self
            .0
            .records(who)
            .slot::<Membership>(SLOT)
            .await?
            .map(|s| s.id);
        if let Some(id) = id {
            self.0.records(who).delete::<Membership>(&id).await?;
        }
        Ok(())
    }

    /// Called before an account is deleted: its contributions come out.
    pub async fn withdraw_for_deletion(&self, who: &Unlocked) -> ServiceResult<()> {
        if let Some(m) = self.membership(who).await? {
            self.take_back(&m).await?;
        }
        Ok(())
    }

    async fn take_back(&self, m: &Membership) -> ServiceResult<()> {
        for (programme_id, period, rows) in take_back_changes(m) {
            self.0
                .store
                .add_to_totals(&programme_id, &period, &rows)
                .await?;
        }
        Ok(())
    }

    /// Changes the student's record and the totals together. The totals are
    /// changed first; the record is then saved only if nobody saved it in
    /// between (another tab, another device), otherwise the totals change is
    /// undone and the whole step runs again on the fresh record. So the
    /// record always says exactly what is in the totals. Returns false when
    /// the student has no programme record.
    async fn change<F>(&self, who: &Unlocked, now: i64, f: F) -> ServiceResult<bool>
    where
        F: Fn(&Membership) -> Option<(Membership, Vec<Change>)>,
    {
        let records = self.0.records(who);
        for _attempt in 0..5 {
            let Some(stored) = records.slot::<Membership>(SLOT).await? else {
                return Ok(false);
            };
            let Some((next, changes)) = f(&stored.value) else {
                return Ok(true);
            };
            for (programme_id, period, rows) in &changes {
                self.0
                    .store
                    .add_to_totals(programme_id, period, rows)
                    .await?;
            }
            match records.update(&stored.id, stored.version, next, now).await {
                Ok(_) => return Ok(true),
                Err(e) => {
                    for (programme_id, period, rows) in &changes {
                        let undo: Vec<TotalsRow> = rows.iter().map(negate).collect();
                        self.0
                            .store
                            .add_to_totals(programme_id, period, &undo)
                            .await?;
                    }
                    if !matches!(e, ServiceError::Stale) {
                        return Err(e);
                    }
                }
            }
        }
        Err(ServiceError::Stale)
    }

    /// Adds answers to this month's contribution, if the student contributes;
    /// a newer answer replaces the older one of the same measure.
    pub async fn contribute(
        &self,
        who: &Unlocked,
        day: Date,
        values: &[(Measure, i64)],
        now: i64,
    ) -> ServiceResult<()> {
        if values.is_empty() {
            return Ok(());
        }
        let period = programmes::period_of(day);
        self.change(who, now, |m| {
            if !m.contributing {
                return None;
            }
            let old = m.contributions.get(&period).cloned().unwrap_or_default();
            let mut new = old.clone();
            for &(measure, v) in values {
                new = new.with(measure, v);
            }
            let rows: Vec<TotalsRow> = programmes::delta(&old, &new).iter().map(to_row).collect();
            if rows.is_empty() {
                return None;
            }
            let mut next = m.clone();
            next.contributions.insert(period.clone(), new);
            Some((next, vec![(m.programme_id.clone(), period.clone(), rows)]))
        })
        .await?;
        Ok(())
    }

    /// Runs a contribution hook after the student's own record was saved: a
    /// failure here is logged (without any answer) and does not undo or fail
    /// what the student saved.
    async fn hook(&self, who: &Unlocked, day: Date, values: &[(Measure, i64)], now: i64) {
        if let Err(e) = self.contribute(who, day, values, now).await {
            tracing::warn!(error = %e, "could not add to programme totals");
        }
    }

    /// Hook: a check-in was saved for `day`.
    pub async fn after_checkin(&self, who: &Unlocked, day: Date, c: &Checkin, now: i64) {
        self.hook(
            who,
            day,
            &programmes::checkin_values(c.mood, c.sleep_hours),
            now,
        )
        .await;
    }

    /// Hook: a questionnaire was completed on `day` with this headline score.
    pub async fn after_questionnaire(
        &self,
        who: &Unlocked,
        day: Date,
        instrument: &str,
        score: Option<f64>,
        now: i64,
    ) {
        if let Some(v) = score.and_then(|s| programmes::questionnaire_value(instrument, s)) {
            self.hook(who, day, &[v], now).await;
        }
    }

    /// Hook: the weekly commitments of the goals step were saved on `day`.
    pub async fn after_commitments(
        &self,
        who: &Unlocked,
        day: Date,
        rotations_per_week: f32,
        call_per_week: f32,
        now: i64,
    ) {
        let v = programmes::hours_value(rotations_per_week, call_per_week);
        self.hook(who, day, &[v], now).await;
    }

    /// Hook: one use of a guide step (practice session, thought, debrief).
    pub async fn after_use(&self, who: &Unlocked, day: Date, step: Measure, now: i64) {
        if step.is_usage() {
            self.hook(who, day, &[(step, 1)], now).await;
        }
    }

    // -------------------------------------------------- timetable (staff)

    /// The programme, if this person leads it or is a server admin (who may
    /// mark periods for any programme); `NotFound` otherwise.
    async fn markable(&self, who: &Unlocked, id: &str) -> ServiceResult<Programme> {
        let allowed = self.0.store.is_programme_lead(id, &who.account_id).await?
            || self.is_server_admin(&who.account_id).await?;
        if !allowed {
            return Err(ServiceError::NotFound);
        }
        self.0
            .store
            .programme(id)
            .await?
            .ok_or(ServiceError::NotFound)
    }

    /// The exam and rotation periods marked for a programme, earliest first.
    pub async fn timetable(&self, p: &Programme) -> ServiceResult<Vec<MarkedPeriod>> {
        Ok(self.0.store.timetable(&p.id).await?)
    }

    /// A lead (or a server admin) marks an exam or rotation period.
    pub async fn mark_period(
        &self,
        who: &Unlocked,
        id: &str,
        form: PeriodFields<'_>,
        now: i64,
    ) -> ServiceResult<Programme> {
        let p = self.markable(who, id).await?;
        let period =
            programmes::TimetablePeriod::new(form.kind, form.label, form.starts, form.ends)
                .map_err(ServiceError::Invalid)?;
        if self.0.store.timetable(&p.id).await?.len() >= programmes::PERIODS_MAX {
            return Err(Invalid::new(
                "label",
                format!(
                    "This programme already has {} marked periods; remove old ones first.",
                    programmes::PERIODS_MAX
                ),
            )
            .into());
        }
        self.0
            .store
            .add_timetable_period(&TimetableRow {
                id: uuid::Uuid::new_v4().to_string(),
                programme_id: p.id.clone(),
                kind: period.kind.key().to_owned(),
                label: period.label,
                starts: period.starts.to_string(),
                ends: period.ends.to_string(),
                created_at: now,
            })
            .await?;
        Ok(p)
    }

    /// Removes a marked period; `NotFound` if there is none by that id.
    pub async fn unmark_period(
        &self,
        who: &Unlocked,
        id: &str,
        period_id: &str,
    ) -> ServiceResult<Programme> {
        let p = self.markable(who, id).await?;
        if !self
            .0
            .store
            .remove_timetable_period(&p.id, period_id)
            .await?
        {
            return Err(ServiceError::NotFound);
        }
        Ok(p)
    }

    /// Whether this person leads the programme (a server admin who marks
    /// periods is sent back to the admin page instead of the dashboard).
    pub async fn leads(&self, who: &Unlocked, id: &str) -> ServiceResult<bool> {
        Ok(self.0.store.is_programme_lead(id, &who.account_id).await?)
    }

    // ------------------------------------------------------------- lead

    pub async fn led_by(&self, who: &Unlocked) -> ServiceResult<Vec<Programme>> {
        Ok(self.0.store.programmes_led_by(&who.account_id).await?)
    }

    /// The programme, if this person leads it; `NotFound` otherwise, so a
    /// student cannot tell a programme exists by its id.
    pub async fn led(&self, who: &Unlocked, id: &str) -> ServiceResult<Programme> {
        if !self.0.store.is_programme_lead(id, &who.account_id).await? {
            return Err(ServiceError::NotFound);
        }
        self.0
            .store
            .programme(id)
            .await?
            .ok_or(ServiceError::NotFound)
    }

    /// Every month's figures, oldest first. A finished month is released once
    /// (final); the running month once it first has k contributors (so far).
    /// Stored releases are returned as they were.
    pub async fn figures(&self, p: &Programme, now: i64) -> ServiceResult<Vec<PeriodFigures>> {
        let current = programmes::period_of(utc_today(now));
        let mut out = Vec::new();
        for period in self.0.store.programme_periods(&p.id).await? {
            let stage = if period < current {
                Stage::Final
            } else {
                Stage::SoFar
            };
            let release = self.release(p, &period, stage).await?;
            out.push(PeriodFigures { period, release });
        }
        Ok(out)
    }

    async fn release(
        &self,
        p: &Programme,
        period: &str,
        stage: Stage,
    ) -> ServiceResult<Option<Release>> {
        let stage_key = match stage {
            Stage::SoFar => "so_far",
            Stage::Final => "final",
        };
        if let Some(body) = self.0.store.release(&p.id, period, stage_key).await? {
            return Ok(serde_json::from_str(&body).ok());
        }
        let totals: Totals = self
            .0
            .store
            .totals(&p.id, period)
            .await?
            .into_iter()
            .map(from_row)
            .collect();
        // A fresh generator seeded by the operating system for each release;
        // the seed is never stored, so nobody can replay the noise.
        let mut rng = StdRng::from_entropy();
        let r = programmes::release(period, stage, &totals, p.k, EPSILON_PER_FIGURE, &mut rng);
        if !r.enough && stage == Stage::SoFar {
            // Nothing released: the month can still reach k.
            return Ok(None);
        }
        let body = serde_json::to_string(&r).map_err(|_| crate::vault::VaultError::Malformed)?;
        let kept = self
            .0
            .store
            .keep_release(&p.id, period, stage_key, &body)
            .await?;
        let r: Option<Release> = serde_json::from_str(&kept).ok();
        Ok(r.filter(|r| r.enough))
    }
}
