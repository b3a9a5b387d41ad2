//! The summaries that Today, the weekly review and the feature pages gather
//! from several kinds of record: the critic's week, practice minutes, good
//! things, a week's goals and the practice to suggest. Pages render them; the
//! reading and counting happen once, here.

use std::collections::HashMap;

use jiff::civil::Date;

use crate::content::Content;
use crate::domain::critic::{BreakNote, Debrief, Letter, Thought};
use crate::domain::goals::{Goal, IsoWeek};
use crate::domain::gratitude::Gratitude;
use crate::domain::practice::{PracticeLog, day_number, pick_suggestion, window_start};

use super::questionnaires::Due;
use super::records::{Overview, Records, list_of};
use super::{RecordFilter, ServiceResult, Services, Stored, Unlocked};
use crate::domain::Kind;
use crate::domain::checkin::Checkin;
use crate::domain::journal::JournalEntry;
use crate::domain::questionnaire::{Preferences, Response};
use crate::store::RecordRead;

/// Upper bound on practice logs read for a 30-day view: a dozen sittings a day
/// is already unusual, and the bound keeps pages fast whatever is stored.
pub const PRACTICE_LIMIT: i64 = 400;
/// Upper bound on records of one kind read for the critic's week.
const CRITIC_WEEK_LIMIT: i64 = 500;
/// One gratitude record a day: a week has at most 7, a long range one a day.
const GOOD_THINGS_LIMIT: i64 = 62;
/// Goals a person can set in one week.
pub const MAX_GOALS_PER_WEEK: usize = 50;

/// What the inner-critic tools saw in a stretch of days.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct CriticWeek {
    pub thoughts: usize,
    /// Thoughts answered as one would answer a friend.
    pub answered: usize,
    /// Pattern ids with how often they came up, most frequent first.
    pub patterns: Vec<(String, usize)>,
    pub debriefs: usize,
    pub letters: usize,
    pub breaks: usize,
}

impl CriticWeek {
    pub fn is_empty(&self) -> bool {
        self.thoughts + self.debriefs + self.letters + self.breaks == 0
    }
}

/// A practice to offer on Today and the practices page.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Suggestion {
    pub slug: String,
    pub title: String,
    pub reason: String,
}

/// Everything the Today page reads, from one store call.
#[derive(Debug, Clone)]
pub struct TodayData {
    /// With the titles of the newest journal entries, not their bodies.
    pub overview: Overview<String>,
    pub practice_month: Vec<Stored<PracticeLog>>,
    pub due: Due,
    /// The day of a debrief written yesterday or today, if any.
    pub debrief: Option<Date>,
}

pub struct Summaries<'a> {
    services: &'a Services,
    who: &'a Unlocked,
}

fn range(from: Date, to: Date, limit: i64) -> RecordFilter {
    RecordFilter {
        day_from: Some(from),
        day_to: Some(to),
        limit: Some(limit),
    }
}

impl<'a> Summaries<'a> {
    pub(super) fn new(services: &'a Services, who: &'a Unlocked) -> Self {
        Self { services, who }
    }

    /// Today's page: the week's check-ins, the newest journal titles, the
    /// month's practice, questionnaire preferences and history, and a debrief
    /// of yesterday or today: six reads in one store call, run as one
    /// statement (one snapshot, on both databases).
    pub async fn today(
        &self,
        catalog: &tend_instruments::Catalog,
        today: Date,
        recent: i64,
    ) -> ServiceResult<TodayData> {
        let records = self.services.records(self.who);
        let questionnaires = self.services.questionnaires(self.who, catalog);
        let [prefs, history] = questionnaires.due_reads(today);
        let reads = [
            Records::week_read(today),
            RecordRead::Titles {
                kind: JournalEntry::KIND.to_owned(),
                filter: RecordFilter {
                    limit: Some(recent),
                    ..RecordFilter::default()
                }
                .to_store(),
            },
            list_of::<PracticeLog>(&range(window_start(today, 30), today, PRACTICE_LIMIT)),
            prefs,
            history,
            list_of::<Debrief>(&range(today.yesterday().unwrap_or(today), today, 1)),
        ];
        // Kept between requests while the records are unchanged: nothing
        // is written before this read (`read_cache`).
        let sets = records.read_kept(&reads).await?;
        let mut sets = sets.iter();
        let week = records.open_set::<Checkin>(sets.next())?;
        // A few titles, opened from a copy: the backfill of missing ones
        // takes its rows.
        let titles = records
            .open_titles::<JournalEntry>(sets.next().cloned())
            .await?;
        let practice_month = records.open_set::<PracticeLog>(sets.next())?;
        let prefs = records.open_set::<Preferences>(sets.next())?;
        let history = records.open_set::<Response>(sets.next())?;
        let debrief = records
            .open_set::<Debrief>(sets.next())?
            .into_iter()
            .find_map(|d| d.day);
        let due =
            questionnaires.due_of(prefs.into_iter().next().map(|s| s.value), history, today)?;
        Ok(TodayData {
            overview: Records::overview_of(today, week, titles),
            practice_month,
            due,
            debrief,
        })
    }

    /// The critic log, debriefs, letters and breaks of `from..=to`.
    pub async fn critic_week(&self, from: Date, to: Date) -> ServiceResult<CriticWeek> {
        let filter = range(from, to, CRITIC_WEEK_LIMIT);
        let records = self.services.records(self.who);
        let thoughts = records.list::<Thought>(&filter).await?;
        let debriefs = records.list::<Debrief>(&filter).await?.len();
        let letters = records.list::<Letter>(&filter).await?.len();
        let breaks = records.list::<BreakNote>(&filter).await?.len();
        let answered = thoughts
            .iter()
            .filter(|t| !t.value.reframe.is_empty())
            .count();
        let mut by_pattern: HashMap<&str, usize> = HashMap::new();
        for t in &thoughts {
            for p in &t.value.patterns {
                *by_pattern.entry(p.as_str()).or_default() += 1;
            }
        }
        let mut patterns: Vec<(String, usize)> = by_pattern
            .into_iter()
            .map(|(id, n)| (id.to_owned(), n))
            .collect();
        patterns.sort_by(|a, b| b.1.cmp(&a.1).then(a.0.cmp(&b.0)));
        Ok(CriticWeek {
            thoughts: thoughts.len(),
            answered,
            patterns,
            debriefs,
            letters,
            breaks,
        })
    }

    /// Practice logs of `from..=to`, newest first.
    pub async fn practice(&self, from: Date, to: Date) -> ServiceResult<Vec<Stored<PracticeLog>>> {
        self.services
            .records(self.who)
            .list::<PracticeLog>(&range(from, to, PRACTICE_LIMIT))
            .await
    }

    /// Practice logs of the last 30 days (today included), newest first.
    pub async fn practice_month(&self, today: Date) -> ServiceResult<Vec<Stored<PracticeLog>>> {
        self.practice(window_start(today, 30), today).await
    }

    /// The good things written in `from..=to`, newest first.
    pub async fn good_things(&self, from: Date, to: Date) -> ServiceResult<Vec<Stored<Gratitude>>> {
        self.services
            .records(self.who)
            .list::<Gratitude>(&range(from, to, GOOD_THINGS_LIMIT))
            .await
    }

    /// The goals of one week, in the order they were added.
    pub async fn week_goals(&self, week: IsoWeek) -> ServiceResult<Vec<Stored<Goal>>> {
        let mut goals = self
            .services
            .records(self.who)
            .list::<Goal>(&range(
                week.monday(),
                week.sunday(),
                MAX_GOALS_PER_WEEK as i64 + 1,
            ))
            .await?;
        goals.sort_by(|a, b| {
            a.created_at
                .cmp(&b.created_at)
                .then_with(|| a.id.cmp(&b.id))
        });
        Ok(goals)
    }
}

/// A practice not done lately, offered as an option, never as a reproach;
/// `None` only when no practices are configured.
pub fn suggest_practice(
    content: &Content,
    month: &[Stored<PracticeLog>],
    today: Date,
) -> Option<Suggestion> {
    let practices = &content.practices;
    let slugs: Vec<&str> = practices.iter().map(|p| p.slug.as_str()).collect();
    let recent: Vec<(Date, &str)> = month
        .iter()
        .filter_map(|s| s.day.map(|d| (d, s.value.slug.as_str())))
        .collect();
    let p = practices.get(pick_suggestion(&slugs, &recent, today)?)?;
    let reasons = &content.prompts.suggested_practice_reasons;
    let reason = if reasons.is_empty() {
        format!("If you have a few minutes: {}.", p.title)
    } else {
        reasons[day_number(today) % reasons.len()].replace("{practice}", &p.title)
    };
    Some(Suggestion {
        slug: p.slug.clone(),
        title: p.title.clone(),
        reason,
    })
}
