//! A personal safety plan, in the seven steps of Stanley and Brown's Safety
//! Planning Intervention: what the person notices, what they can do, who and
//! where helps, and why they keep going. Each step is a short list of lines.

use serde::{Deserialize, Serialize};

use super::Invalid;

/// Lines in one step: enough for a real plan, short enough to read in a crisis.
pub const LINES_MAX: usize = 12;
/// Characters in one line: a sentence, a name and a number.
pub const LINE_MAX: usize = 300;

/// The seven steps, in the order the plan is written and read.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Step {
    WarningSigns,
    OnMyOwn,
    Distractions,
    People,
    Professionals,
    Environment,
    Reasons,
}

impl Step {
    pub const ALL: [Step; 7] = [
        Step::WarningSigns,
        Step::OnMyOwn,
        Step::Distractions,
        Step::People,
        Step::Professionals,
        Step::Environment,
        Step::Reasons,
    ];

    /// The form field (and the anchor on the page).
    pub fn field(self) -> &'static str {
        match self {
            Step::WarningSigns => "warning_signs",
            Step::OnMyOwn => "on_my_own",
            Step::Distractions => "distractions",
            Step::People => "people",
            Step::Professionals => "professionals",
            Step::Environment => "environment",
            Step::Reasons => "reasons",
        }
    }

    pub fn title(self) -> &'static str {
        match self {
            Step::WarningSigns => "Warning signs",
            Step::OnMyOwn => "Things I can do on my own",
            Step::Distractions => "People and places that take my mind off things",
            Step::People => "People I can ask for help",
            Step::Professionals => "Professionals and help lines",
            Step::Environment => "Making where I am safer",
            Step::Reasons => "My reasons to keep going",
        }
    }

    /// The question the step answers, in the person's own voice.
    pub fn question(self) -> &'static str {
        match self {
            Step::WarningSigns => {
                "What tells me a hard time is starting? Thoughts, feelings, things I do or stop doing."
            }
            Step::OnMyOwn => {
                "What helps me feel a little better without anyone else? A walk, music, a shower, a breathing exercise."
            }
            Step::Distractions => {
                "Who or where can I go to be around others, even without talking about it? A friend's kitchen, the library, a café."
            }
            Step::People => {
                "Who could I tell that I'm struggling? A name and a number on each line."
            }
            Step::Professionals => {
                "My GP, a counsellor, student support, and the help lines I would call. A name and a number on each line."
            }
            Step::Environment => {
                "What can I put out of reach, or ask someone to keep for me, while things are hard?"
            }
            Step::Reasons => {
                "What matters to me and is worth staying for? People, animals, plans, small things."
            }
        }
    }
}

/// The plan as stored (sealed) and exported.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct SafetyPlan {
    #[serde(default)]
    pub warning_signs: Vec<String>,
    #[serde(default)]
    pub on_my_own: Vec<String>,
    #[serde(default)]
    pub distractions: Vec<String>,
    #[serde(default)]
    pub people: Vec<String>,
    #[serde(default)]
    pub professionals: Vec<String>,
    #[serde(default)]
    pub environment: Vec<String>,
    #[serde(default)]
    pub reasons: Vec<String>,
}

impl super::Kind for SafetyPlan {
    const KIND: &'static str = "safety_plan";
}

impl SafetyPlan {
    pub fn step(&self, step: Step) -> &[String] {
        match step {
            Step::WarningSigns => &self.warning_signs,
            Step::OnMyOwn => &self.on_my_own,
            Step::Distractions => &self.distractions,
            Step::People => &self.people,
            Step::Professionals => &self.professionals,
            Step::Environment => &self.environment,
            Step::Reasons => &self.reasons,
        }
    }

    fn step_mut(&mut self, step: Step) -> &mut Vec<String> {
        match step {
            Step::WarningSigns => &mut self.warning_signs,
            Step::OnMyOwn => &mut self.on_my_own,
            Step::Distractions => &mut self.distractions,
            Step::People => &mut self.people,
            Step::Professionals => &mut self.professionals,
            Step::Environment => &mut self.environment,
            Step::Reasons => &mut self.reasons,
        }
    }

    pub fn is_empty(&self) -> bool {
        Step::ALL.iter().all(|s| self.step(*s).is_empty())
    }

    /// The plan as the form shows it: one line per item.
    pub fn to_input(&self) -> SafetyPlanInput {
        let join = |s: Step| self.step(s).join("\n");
        SafetyPlanInput {
            warning_signs: join(Step::WarningSigns),
            on_my_own: join(Step::OnMyOwn),
            distractions: join(Step::Distractions),
            people: join(Step::People),
            professionals: join(Step::Professionals),
            environment: join(Step::Environment),
            reasons: join(Step::Reasons),
        }
    }
}

/// The form as typed: each step one text box, one item per line.
#[derive(Debug, Clone, Default, PartialEq, Eq, Deserialize, Serialize)]
pub struct SafetyPlanInput {
    #[serde(default)]
    pub warning_signs: String,
    #[serde(default)]
    pub on_my_own: String,
    #[serde(default)]
    pub distractions: String,
    #[serde(default)]
    pub people: String,
    #[serde(default)]
    pub professionals: String,
    #[serde(default)]
    pub environment: String,
    #[serde(default)]
    pub reasons: String,
}

impl SafetyPlanInput {
    pub fn text(&self, step: Step) -> &str {
        match step {
            Step::WarningSigns => &self.warning_signs,
            Step::OnMyOwn => &self.on_my_own,
            Step::Distractions => &self.distractions,
            Step::People => &self.people,
            Step::Professionals => &self.professionals,
            Step::Environment => &self.environment,
            Step::Reasons => &self.reasons,
        }
    }

    /// Splits each step into trimmed, non-empty lines and checks the limits.
    /// Any step may be empty: a plan written a little at a time still counts.
    pub fn validate(&self) -> Result<SafetyPlan, Vec<Invalid>> {
        let mut plan = SafetyPlan::default();
        let mut errors = Vec::new();
        for step in Step::ALL {
            let lines: Vec<String> = self
                .text(step)
                .lines()
                .map(str::trim)
                .filter(|l| !l.is_empty())
                .map(str::to_owned)
                .collect();
            let title = step.title();
            if lines.len() > LINES_MAX {
                errors.push(Invalid::new(
                    step.field(),
                    format!(
                        "“{title}” has {} lines; it can hold {LINES_MAX}. Keeping the ones that matter most makes the plan easier to use when things are hard.",
                        lines.len()
                    ),
                ));
                continue;
            }
            if let Some((n, long)) = lines
                .iter()
                .enumerate()
                .find(|(_, l)| l.chars().count() > LINE_MAX)
            {
                errors.push(Invalid::new(
                    step.field(),
                    format!(
                        "Line {} of “{title}” is {} characters long; a line can hold {LINE_MAX}. Try splitting it over two lines.",
                        n + 1,
                        long.chars().count()
                    ),
                ));
                continue;
            }
            *plan.step_mut(step) = lines;
        }
        if errors.is_empty() {
            Ok(plan)
        } else {
            Err(errors)
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lines_are_trimmed_and_blank_ones_dropped() {
        let plan = SafetyPlanInput {
            warning_signs: "  Not sleeping \r\n\n\nSkipping meals\n".into(),
            reasons: "My sister".into(),
            ..SafetyPlanInput::default()
        }
        .validate()
        .unwrap();
        assert_eq!(plan.warning_signs, ["Not sleeping", "Skipping meals"]);
        assert_eq!(plan.reasons, ["My sister"]);
        assert!(plan.people.is_empty());
        assert_eq!(
            plan.to_input().warning_signs,
            "Not sleeping\nSkipping meals"
        );
    }

    #[test]
    fn too_many_or_too_long_lines_name_the_step() {
        let errors = SafetyPlanInput {
            people: "a\n".repeat(LINES_MAX + 1),
            reasons: format!("ok\n{}", "x".repeat(LINE_MAX + 1)),
            ..SafetyPlanInput::default()
        }
        .validate()
        .unwrap_err();
        assert_eq!(errors.len(), 2);
        assert_eq!(errors[0].field, "people");
        assert!(
            errors[1].message.contains("Line 2"),
            "{}",
            errors[1].message
        );
        // Exactly at the limits is fine.
        assert!(
            SafetyPlanInput {
                people: "a\n".repeat(LINES_MAX),
                reasons: "é".repeat(LINE_MAX),
                ..SafetyPlanInput::default()
            }
            .validate()
            .is_ok()
        );
    }

    #[test]
    fn an_empty_plan_is_empty() {
        assert!(SafetyPlanInput::default().validate().unwrap().is_empty());
    }
}
