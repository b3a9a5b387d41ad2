//! Today's one next step, chosen from how the person is.
//!
//! Today used to show every tool at once; a tired student needs one kind
//! suggestion instead. The choice is made here, from plain facts the page
//! gathers (today's check-in, the newest questionnaire results, a recent
//! debrief, what is due, what they have not tried lately), so the rule can be
//! read and tested without a server. Safety comes first: after a worrying
//! result the step is support and rest, never another questionnaire.

use jiff::civil::Date;

/// How long a worrying questionnaire result keeps shaping Today. PHQ-9 and
/// WHO-5 ask about the last two weeks, so their answer stays relevant that long.
pub const RESULT_DAYS: i64 = 14;

/// How long a debrief of a hard day is followed up (the day itself and the next).
pub const DEBRIEF_DAYS: i64 = 1;

/// A mood or energy of this or less (on 1–5) is a hard day.
pub const LOW: u8 = 2;

/// What the page knows about the person today. Every field is optional
/// because any of it may not exist yet.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Signals {
    pub today: Option<Date>,
    /// Today's check-in: mood and energy, 1–5.
    pub mood: Option<u8>,
    pub energy: Option<u8>,
    /// The day of the newest result with a crisis answer (PHQ-9 item 9 above 0).
    pub crisis_result: Option<Date>,
    /// The day of the newest result that asks for support (e.g. PHQ-9 of 15 or
    /// more, WHO-5 index of 28 or less).
    pub support_result: Option<Date>,
    /// The day of the newest low well-being result (WHO-5 index of 50 or less).
    pub low_wellbeing: Option<Date>,
    /// The day of the newest mistake debrief.
    pub debrief: Option<Date>,
    /// The questionnaires due now, by id and short name.
    pub due: Vec<(String, String)>,
    /// A practice they have not done lately, by slug and title.
    pub untried: Option<(String, String)>,
}

/// The one step Today leads with.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum NextStep {
    /// A recent answer about being better off dead or self-harm: help lines
    /// and the safety plan, first and plainly.
    Reach,
    /// A recent result that calls for support: talk to someone, and rest.
    Support,
    /// Today's check-in says mood or energy is low: something small and restful.
    Rest { mood_low: bool, energy_low: bool },
    /// A recent low well-being result: a gentle practice, and people to lean on.
    Gentle,
    /// A debrief of a hard day today or yesterday: be kind to yourself about it.
    AfterDebrief,
    /// Nothing known about today yet: the thirty-second check-in.
    CheckIn,
    /// A questionnaire is due, and nothing worrying stands in the way.
    Questionnaire { id: String, name: String },
    /// A practice they have not done lately.
    Try { slug: String, title: String },
    /// All is done: nothing more is asked of them.
    Enough,
}

impl NextStep {
    /// True when Today must not offer a questionnaire: after a worrying
    /// result or on a hard day the page offers support and rest instead.
    pub fn holds_questionnaires(&self) -> bool {
        matches!(
            self,
            NextStep::Reach | NextStep::Support | NextStep::Rest { .. } | NextStep::Gentle
        )
    }
}

fn within(day: Option<Date>, today: Option<Date>, days: i64) -> bool {
    match (day, today) {
        (Some(d), Some(t)) => d <= t && t.saturating_sub(jiff::Span::new().days(days)) <= d,
        _ => false,
    }
}

/// Chooses the next step, most pressing first.
pub fn choose(s: &Signals) -> NextStep {
    if within(s.crisis_result, s.today, RESULT_DAYS) {
        return NextStep::Reach;
    }
    if within(s.support_result, s.today, RESULT_DAYS) {
        return NextStep::Support;
    }
    let mood_low = s.mood.is_some_and(|m| m <= LOW);
    let energy_low = s.energy.is_some_and(|e| e <= LOW);
    if mood_low || energy_low {
        return NextStep::Rest {
            mood_low,
            energy_low,
        };
    }
    if within(s.low_wellbeing, s.today, RESULT_DAYS) {
        return NextStep::Gentle;
    }
    if within(s.debrief, s.today, DEBRIEF_DAYS) {
        return NextStep::AfterDebrief;
    }
    if s.mood.is_none() {
        return NextStep::CheckIn;
    }
    if let Some((id, name)) = s.due.first() {
        return NextStep::Questionnaire {
            id: id.clone(),
            name: name.clone(),
        };
    }
    if let Some((slug, title)) = &s.untried {
        return NextStep::Try {
            slug: slug.clone(),
            title: title.clone(),
        };
    }
    NextStep::Enough
}

#[cfg(test)]
mod tests {
    use super::*;
    use jiff::civil::date;

    const TODAY: Date = date(2026, 3, 18);

    fn base() -> Signals {
        Signals {
            today: Some(TODAY),
            ..Signals::default()
        }
    }

    fn checked_in(mood: u8, energy: u8) -> Signals {
        Signals {
            mood: Some(mood),
            energy: Some(energy),
            ..base()
        }
    }

    fn due() -> Vec<(String, String)> {
        vec![("who5".into(), "WHO-5".into())]
    }

    #[test]
    fn a_new_day_starts_with_the_check_in() {
        assert_eq!(choose(&base()), NextStep::CheckIn);
    }

    #[test]
    fn a_crisis_answer_leads_to_help_before_anything_else() {
        let s = Signals {
            crisis_result: Some(date(2026, 3, 10)),
            support_result: Some(date(2026, 3, 10)),
            due: due(),
            ..checked_in(1, 1)
        };
        let step = choose(&s);
        assert_eq!(step, NextStep::Reach);
        assert!(step.holds_questionnaires());
    }

    #[test]
    fn a_high_score_offers_support_and_no_questionnaire() {
        let s = Signals {
            support_result: Some(TODAY),
            due: due(),
            ..checked_in(4, 4)
        };
        let step = choose(&s);
        assert_eq!(step, NextStep::Support);
        assert!(step.holds_questionnaires());
    }

    #[test]
    fn worrying_results_fade_after_two_weeks() {
        let old = date(2026, 3, 3);
        let s = Signals {
            crisis_result: Some(old),
            support_result: Some(old),
            low_wellbeing: Some(old),
            due: due(),
            ..checked_in(4, 4)
        };
        assert!(matches!(choose(&s), NextStep::Questionnaire { .. }));
        let edge = Signals {
            crisis_result: Some(date(2026, 3, 4)),
            ..checked_in(4, 4)
        };
        assert_eq!(choose(&edge), NextStep::Reach);
    }

    #[test]
    fn a_result_dated_after_today_is_ignored() {
        let s = Signals {
            support_result: Some(date(2026, 3, 19)),
            ..checked_in(4, 4)
        };
        assert_eq!(choose(&s), NextStep::Enough);
    }

    #[test]
    fn low_mood_or_energy_offers_rest_instead_of_a_questionnaire() {
        let s = Signals {
            due: due(),
            ..checked_in(2, 4)
        };
        let step = choose(&s);
        assert_eq!(
            step,
            NextStep::Rest {
                mood_low: true,
                energy_low: false
            }
        );
        assert!(step.holds_questionnaires());
        assert_eq!(
            choose(&checked_in(3, 1)),
            NextStep::Rest {
                mood_low: false,
                energy_low: true
            }
        );
    }

    #[test]
    fn low_wellbeing_is_gentle() {
        let s = Signals {
            low_wellbeing: Some(date(2026, 3, 12)),
            due: due(),
            ..checked_in(3, 3)
        };
        assert_eq!(choose(&s), NextStep::Gentle);
    }

    #[test]
    fn a_debrief_from_yesterday_is_followed_up_but_not_last_week() {
        let s = Signals {
            debrief: Some(date(2026, 3, 17)),
            ..base()
        };
        assert_eq!(choose(&s), NextStep::AfterDebrief);
        let s = Signals {
            debrief: Some(date(2026, 3, 16)),
            ..base()
        };
        assert_eq!(choose(&s), NextStep::CheckIn);
    }

    #[test]
    fn after_the_check_in_a_due_questionnaire_then_something_untried() {
        let s = Signals {
            due: due(),
            untried: Some(("body-scan".into(), "Body scan".into())),
            ..checked_in(4, 3)
        };
        assert_eq!(
            choose(&s),
            NextStep::Questionnaire {
                id: "who5".into(),
                name: "WHO-5".into()
            }
        );
        let s = Signals {
            untried: Some(("body-scan".into(), "Body scan".into())),
            ..checked_in(4, 3)
        };
        let step = choose(&s);
        assert!(matches!(step, NextStep::Try { ref slug, .. } if slug == "body-scan"));
        assert!(!step.holds_questionnaires());
    }

    #[test]
    fn with_everything_done_nothing_more_is_asked() {
        assert_eq!(choose(&checked_in(5, 5)), NextStep::Enough);
    }
}
