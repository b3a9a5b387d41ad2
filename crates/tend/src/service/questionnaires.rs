//! Questionnaires (issue 3): what is due, answering with a resumable draft,
//! submitting, and the history behind results, charts and the weekly review.
//! The page, the JSON API, Today and the weekly review all ask here, so "due"
//! has one meaning.

use std::collections::BTreeMap;

use jiff::civil::Date;
use tend_instruments::{Catalog, DueStatus, Instrument, ScoreResult, schedule};

use crate::domain::Invalid;
use crate::domain::questionnaire::{
    Draft, Drafts, Preferences, Response, check_answers, step_for, to_time,
};

use super::records::list_of;
use super::{RecordFilter, ServiceError, ServiceResult, Services, Stored, Unlocked};
use crate::store::RecordRead;

/// Charts and "last result" look back this far. A person taking every
/// questionnaire as often as the schedule allows makes about 360 responses a
/// year, so the limit keeps pages fast whatever is stored.
const HISTORY_DAYS: i64 = 366;
const HISTORY_LIMIT: i64 = 400;
const PREFS_SLOT: &str = "questionnaire-preferences";
const DRAFTS_SLOT: &str = "questionnaire-drafts";

/// The responses charts and "last result" look at.
fn history_filter(today: Date) -> RecordFilter {
    RecordFilter {
        day_from: Some(today.saturating_sub(jiff::Span::new().days(HISTORY_DAYS))),
        day_to: None,
        limit: Some(HISTORY_LIMIT),
    }
}

/// Sorts responses in the order they were given.
pub fn order_key(r: &Stored<Response>) -> (Option<Date>, i64, i64) {
    Response::order_key(r.day, r.created_at, &r.value)
}

/// Where a person stands with their chosen check-ins today.
#[derive(Debug, Clone)]
pub struct Due {
    pub preferences: Preferences,
    /// Paused today: nothing is offered, though any can still be opened.
    pub paused: bool,
    /// Every chosen questionnaire, in the person's order, with whether it is
    /// due on the schedule (regardless of a pause) and when it comes back.
    pub statuses: Vec<DueStatus>,
    /// The newest response of each questionnaire, from the last year.
    pub latest: BTreeMap<String, Stored<Response>>,
}

impl Due {
    /// The questionnaires due on the schedule (the API shows these with the pause).
    pub fn scheduled(&self) -> impl Iterator<Item = &DueStatus> {
        self.statuses.iter().filter(|s| s.due)
    }

    /// What to offer now: the due questionnaires, or none while paused.
    pub fn offered(&self) -> Vec<&DueStatus> {
        if self.paused {
            Vec::new()
        } else {
            self.scheduled().collect()
        }
    }

    /// The day a questionnaire was last completed.
    pub fn last_completed(&self, id: &str) -> Option<Date> {
        self.latest.get(id).and_then(|r| r.day)
    }
}

/// One result in the weekly review.
#[derive(Debug, Clone, PartialEq)]
pub struct WeekResult {
    pub short_name: String,
    pub score: Option<f64>,
    pub band: Option<String>,
    /// The step of the guide that helps with a weaker area, if any.
    pub step: Option<&'static str>,
}

pub struct Questionnaires<'a> {
    services: &'a Services,
    who: &'a Unlocked,
    catalog: &'a Catalog,
}

impl<'a> Questionnaires<'a> {
    pub(super) fn new(services: &'a Services, who: &'a Unlocked, catalog: &'a Catalog) -> Self {
        Self {
            services,
            who,
            catalog,
        }
    }

    pub fn instrument(&self, id: &str) -> ServiceResult<&'a Instrument> {
        self.catalog.get(id).ok_or(ServiceError::NotFound)
    }

    pub async fn preferences(&self) -> ServiceResult<Preferences> {
        Ok(self
            .services
            .records(self.who)
            .slot::<Preferences>(PREFS_SLOT)
            .await?
            .map(|s| s.value)
            .unwrap_or_default())
    }

    pub async fn save_preferences(&self, prefs: Preferences, now: i64) -> ServiceResult<()> {
        self.services
            .records(self.who)
            .put_slot(PREFS_SLOT, None, prefs, now)
            .await?;
        Ok(())
    }

    /// The draft for one questionnaire: the saved one if it still fits the
    /// form, else a fresh one; with all drafts, to save it back into.
    pub async fn draft(&self, inst: &Instrument) -> ServiceResult<(Drafts, Draft)> {
        let all = self
            .services
            .records(self.who)
            .slot::<Drafts>(DRAFTS_SLOT)
            .await?
            .map(|s| s.value)
            .unwrap_or_default();
        let d = match all.drafts.get(&inst.id) {
            Some(d) if d.fits(inst) => d.clone(),
            _ => Draft::new(inst),
        };
        Ok((all, d))
    }

    /// Saves (or with `None`, forgets) the draft of one questionnaire.
    pub async fn save_draft(
        &self,
        mut all: Drafts,
        id: &str,
        d: Option<Draft>,
        now: i64,
    ) -> ServiceResult<()> {
        match d {
            Some(d) => {
                all.drafts.insert(id.to_owned(), d);
            }
            None => {
                all.drafts.remove(id);
            }
        }
        self.services
            .records(self.who)
            .put_slot(DRAFTS_SLOT, None, all, now)
            .await?;
        Ok(())
    }

    /// Responses of the last year, newest first.
    pub async fn history(&self, today: Date) -> ServiceResult<Vec<Stored<Response>>> {
        self.services
            .records(self.who)
            .list::<Response>(&history_filter(today))
            .await
    }

    /// One response of this person's to this questionnaire.
    pub async fn response(
        &self,
        inst: &Instrument,
        id: &str,
    ) -> ServiceResult<Option<Stored<Response>>> {
        Ok(self
            .services
            .records(self.who)
            .get::<Response>(id)
            .await?
            .filter(|r| r.value.instrument == inst.id))
    }

    /// What is due today, by the person's choice, pause and history (both
    /// read in one store call).
    pub async fn due(&self, today: Date) -> ServiceResult<Due> {
        let records = self.services.records(self.who);
        let sets = records.read(&self.due_reads(today)).await?;
        let mut sets = sets.iter();
        let prefs = records.open_set::<Preferences>(sets.next())?;
        let history = records.open_set::<Response>(sets.next())?;
        self.due_of(prefs.into_iter().next().map(|s| s.value), history, today)
    }

    /// The reads behind [`Self::due`]: preferences, then history.
    pub(super) fn due_reads(&self, today: Date) -> [RecordRead; 2] {
        [
            self.services
                .records(self.who)
                .slot_of::<Preferences>(PREFS_SLOT),
            list_of::<Response>(&history_filter(today)),
        ]
    }

    /// [`Self::due`] from what it reads.
    pub(super) fn due_of(
        &self,
        preferences: Option<Preferences>,
        history: Vec<Stored<Response>>,
        today: Date,
    ) -> ServiceResult<Due> {
        let preferences = preferences.unwrap_or_default();
        let mut latest: BTreeMap<String, Stored<Response>> = BTreeMap::new();
        for r in history {
            match latest.get(&r.value.instrument) {
                Some(have) if order_key(have) >= order_key(&r) => {}
                _ => {
                    latest.insert(r.value.instrument.clone(), r);
                }
            }
        }
        let last_done: BTreeMap<String, tend_instruments::time::Date> = latest
            .iter()
            .filter_map(|(id, r)| Some((id.clone(), to_time(r.day?)?)))
            .collect();
        let today_t = to_time(today)
            .ok_or_else(|| ServiceError::from(Invalid::new("day", "That date is out of range.")))?;
        let statuses = schedule(self.catalog, &preferences.choice(), &last_done, today_t);
        Ok(Due {
            paused: preferences.paused_on(today),
            preferences,
            statuses,
            latest,
        })
    }

    /// Saves a complete response for `today`. Answers that don't fit the
    /// questionnaire are refused with the reasons.
    pub async fn submit(
        &self,
        inst: &Instrument,
        answers: Vec<Option<u8>>,
        followup: Option<u8>,
        today: Date,
        now: jiff::Timestamp,
    ) -> ServiceResult<Stored<Response>> {
        check_answers(inst, &answers, followup).map_err(ServiceError::Invalid)?;
        let saved = self
            .services
            .records(self.who)
            .create(
                Some(today),
                Response {
                    instrument: inst.id.clone(),
                    answers,
                    followup,
                    submitted_ms: now.as_millisecond(),
                },
                now.as_second(),
            )
            .await?;
        // A contributing student's score joins their programme's group totals
        // (never fails the save; see service/programmes.rs).
        self.services
            .programmes()
            .after_questionnaire(
                self.who,
                today,
                &inst.id,
                score_of(inst, &saved.value).and_then(|s| s.score),
                now.as_second(),
            )
            .await;
        // The calendar feed's questionnaire reminder moves to the next due day
        // (never fails the save: the settings page refreshes it too).
        if let Err(e) = self.refresh_reminder_day(today, now.as_second()).await {
            tracing::warn!(error = %e, "could not refresh the questionnaire reminder day");
        }
        Ok(saved)
    }

    /// The next day a questionnaire the person chose is due, as `YYYY-MM-DD`;
    /// a day already past is given as today. `None` when nothing is scheduled.
    pub async fn next_due_day(&self, today: Date) -> ServiceResult<Option<String>> {
        let due = self.due(today).await?;
        let today_text = today.to_string();
        Ok(due
            .statuses
            .iter()
            .filter_map(|s| s.next_due)
            .min()
            .map(|d| {
                let t = d.to_string();
                if t < today_text {
                    today_text.clone()
                } else {
                    t
                }
            }))
    }

    /// Moves the questionnaire reminder (calendar feed) to the next due day,
    /// when the person has that reminder on.
    pub async fn refresh_reminder_day(&self, today: Date, now: i64) -> ServiceResult<()> {
        let notifications = self.services.notifications(self.who);
        if !notifications.settings().await?.reminders.questionnaires {
            return Ok(());
        }
        let day = self.next_due_day(today).await?;
        notifications.refresh_questionnaire_day(day, now).await
    }

    /// The check-ins completed between `from` and `to` (inclusive), oldest
    /// first, with their result and the step of the guide for a weaker area.
    pub async fn week_results(&self, from: Date, to: Date) -> ServiceResult<Vec<WeekResult>> {
        let mut responses = self
            .services
            .records(self.who)
            .list::<Response>(&RecordFilter {
                day_from: Some(from),
                day_to: Some(to),
                limit: Some(HISTORY_LIMIT),
            })
            .await?;
        responses.sort_by_key(order_key);
        Ok(responses
            .iter()
            .filter_map(|r| {
                let inst = self.catalog.get(&r.value.instrument)?;
                let res = score_of(inst, &r.value)?;
                Some(WeekResult {
                    short_name: inst.short_name.clone(),
                    score: res.score,
                    band: res.band.clone(),
                    step: step_for(inst, &res),
                })
            })
            .collect())
    }
}

/// The engine's score of a response; `None` when the form changed since.
pub fn score_of(inst: &Instrument, r: &Response) -> Option<ScoreResult> {
    inst.score(&r.answers).ok()
}
