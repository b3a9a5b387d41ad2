//! Exact scoring. Every scale is computed as one integer fraction and divided once,
//! so boundary values such as 2.5, 3.0 or 50 come out exactly and band look-ups
//! never suffer from accumulated rounding.

use std::collections::BTreeSet;

use serde::{Serialize, Serializer, ser::SerializeMap};

use crate::model::{Band, FlagKind, Instrument, Scale, ScaleMethod};

/// Why a set of answers could not be scored at all.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ScoreError {
    #[error("{instrument} has {expected} items, but {got} answers were given")]
    WrongCount {
        instrument: String,
        expected: usize,
        got: usize,
    },
    #[error("answer {item} is {code}, but {instrument} item {item} takes codes {min}–{max}")]
    OutOfRange {
        instrument: String,
        item: usize,
        code: u8,
        min: u8,
        max: u8,
    },
}

/// Reported subscales, in the order the data file declares them; serialises as a
/// JSON object `{name: number|null}`.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct Subscales(pub Vec<(String, Option<f64>)>);

impl Subscales {
    /// The value of one subscale: `None` if it is not reported, `Some(None)` if it
    /// could not be scored.
    pub fn get(&self, name: &str) -> Option<Option<f64>> {
        self.0.iter().find(|(n, _)| n == name).map(|(_, v)| *v)
    }
}

impl Serialize for Subscales {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        let mut map = serializer.serialize_map(Some(self.0.len()))?;
        for (name, value) in &self.0 {
            map.serialize_entry(name, &Number(*value))?;
        }
        map.end()
    }
}

/// A number that prints as an integer when it is one (`52`, not `52.0`).
struct Number(Option<f64>);

impl Serialize for Number {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        match self.0 {
            None => serializer.serialize_none(),
            Some(v) if v.fract() == 0.0 && v.abs() < 1e15 => serializer.serialize_i64(v as i64),
            Some(v) => serializer.serialize_f64(v),
        }
    }
}

fn number<S: Serializer>(value: &Option<f64>, serializer: S) -> Result<S::Ok, S::Error> {
    Number(*value).serialize(serializer)
}

/// The result of scoring one set of answers. Serialises to exactly
/// `{"instrument", "score", "band", "subscales", "flags"}`.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ScoreResult {
    pub instrument: String,
    /// The headline score, or `None` when too few items were answered.
    #[serde(serialize_with = "number")]
    pub score: Option<f64>,
    /// The kind label of the band the headline score falls in.
    pub band: Option<String>,
    pub subscales: Subscales,
    /// Names of the safety flags that fired, in the data file's order.
    pub flags: Vec<String>,
    #[serde(skip)]
    band_id: Option<String>,
    #[serde(skip)]
    crisis: bool,
    #[serde(skip)]
    support: bool,
}

impl ScoreResult {
    /// The stable id of the band (e.g. `moderate`), for styling and storage.
    pub fn band_id(&self) -> Option<&str> {
        self.band_id.as_deref()
    }

    /// True when crisis help must be shown at once, before the score
    /// (PHQ-9 item 9 answered above 0, whatever the total).
    pub fn needs_crisis_help(&self) -> bool {
        self.crisis
    }

    /// True when the support page should be shown prominently (any flag,
    /// including a crisis flag).
    pub fn needs_support(&self) -> bool {
        self.support || self.crisis
    }

    /// The result as one line of JSON.
    pub fn to_json(&self) -> String {
        serde_json::to_string(self).unwrap_or_else(|_| String::from("{}"))
    }
}

/// An exact fraction `num / den` times an integer multiplier.
#[derive(Debug, Clone, Copy)]
struct Exact {
    num: i64,
    den: i64,
}

impl Exact {
    fn value(self, multiplier: u32) -> f64 {
        (self.num * i64::from(multiplier)) as f64 / self.den as f64
    }
}

impl Instrument {
    /// The response range `(min, max)` of item `n` (1-based).
    pub fn item_range(&self, n: usize) -> Option<(u8, u8)> {
        let item = self.items.get(n.checked_sub(1)?)?;
        let set = match &item.response_set {
            Some(name) => self.response_sets.iter().find(|s| &s.name == name)?,
            None => self.response_sets.first()?,
        };
        Some((set.min_code(), set.max_code()))
    }

    pub fn scale(&self, name: &str) -> Option<&Scale> {
        self.scales.iter().find(|s| s.name == name)
    }

    /// The band a headline score falls in.
    pub fn band_for(&self, score: f64) -> Option<&Band> {
        self.bands.iter().find(|b| b.contains(score))
    }

    /// Lowest and highest possible headline score.
    pub fn score_range(&self) -> (f64, f64) {
        self.scale(&self.headline)
            .and_then(|s| self.scale_range(s))
            .unwrap_or((0.0, 1.0))
    }

    pub(crate) fn scale_range(&self, scale: &Scale) -> Option<(f64, f64)> {
        let values = self.reachable_values(scale)?;
        Some((*values.first()?, *values.last()?))
    }

    fn item_value(&self, scale: &Scale, n: usize, code: u8) -> i64 {
        let code = i64::from(code);
        if scale.reverse && self.reverse_items.contains(&n) {
            let (min, max) = self.item_range(n).unwrap_or((0, 0));
            i64::from(min) + i64::from(max) - code
        } else {
            code
        }
    }

    fn compute(&self, scale: &Scale, answers: &[Option<u8>]) -> Option<Exact> {
        let answer = |n: usize| answers.get(n.checked_sub(1)?).copied().flatten();
        match scale.method {
            ScaleMethod::Sum => {
                let mut sum = 0;
                for &n in &scale.items {
                    sum += self.item_value(scale, n, answer(n)?);
                }
                Some(Exact { num: sum, den: 1 })
            }
            ScaleMethod::Mean => {
                let (mut sum, mut count) = (0, 0);
                for &n in &scale.items {
                    if let Some(code) = answer(n) {
                        sum += self.item_value(scale, n, code);
                        count += 1;
                    }
                }
                let needed = scale.min_answered.unwrap_or(scale.items.len());
                (count > 0 && count as usize >= needed).then_some(Exact {
                    num: sum,
                    den: count,
                })
            }
            ScaleMethod::MeanOfGroups => {
                let lcm = groups_lcm(&scale.groups);
                let mut num = 0;
                for group in &scale.groups {
                    let mut sum = 0;
                    for &n in group {
                        sum += self.item_value(scale, n, answer(n)?);
                    }
                    num += sum * (lcm / group.len() as i64);
                }
                Some(Exact {
                    num,
                    den: lcm * scale.groups.len() as i64,
                })
            }
        }
    }

    /// The value of one scale for a set of answers (already range-checked).
    pub(crate) fn scale_value(&self, scale: &Scale, answers: &[Option<u8>]) -> Option<f64> {
        self.compute(scale, answers)
            .map(|e| e.value(scale.multiplier))
    }

    /// Every value a scale can take, ascending, computed exactly as scoring does.
    /// Used to prove at load time that the bands leave no gap and do not overlap.
    pub(crate) fn reachable_values(&self, scale: &Scale) -> Option<Vec<f64>> {
        let items = scale.all_items();
        let (lo, hi) = self.item_range(*items.first()?)?;
        let (lo, hi) = (i64::from(lo), i64::from(hi));
        let mut out: Vec<Exact> = Vec::new();
        match scale.method {
            ScaleMethod::Sum => {
                let n = items.len() as i64;
                out.extend((n * lo..=n * hi).map(|k| Exact { num: k, den: 1 }));
            }
            ScaleMethod::Mean => {
                let needed = scale.min_answered.unwrap_or(items.len()).max(1);
                for c in needed..=items.len() {
                    let c = c as i64;
                    out.extend((c * lo..=c * hi).map(|k| Exact { num: k, den: c }));
                }
            }
            ScaleMethod::MeanOfGroups => {
                let lcm = groups_lcm(&scale.groups);
                let mut sums: BTreeSet<i64> = BTreeSet::from([0]);
                for group in &scale.groups {
                    let g = group.len() as i64;
                    let step = lcm / g;
                    let mut next = BTreeSet::new();
                    for s in &sums {
                        for k in g * lo..=g * hi {
                            next.insert(s + k * step);
                        }
                    }
                    sums = next;
                }
                let den = lcm * scale.groups.len() as i64;
                out.extend(sums.into_iter().map(|num| Exact { num, den }));
            }
        }
        let mut values: Vec<f64> = out.into_iter().map(|e| e.value(scale.multiplier)).collect();
        values.sort_by(f64::total_cmp);
        values.dedup();
        Some(values)
    }

    /// Scores answers given as the published form's response codes, in item order;
    /// `None` marks an unanswered item.
    pub fn score(&self, answers: &[Option<u8>]) -> Result<ScoreResult, ScoreError> {
        if answers.len() != self.items.len() {
            return Err(ScoreError::WrongCount {
                instrument: self.id.clone(),
                expected: self.items.len(),
                got: answers.len(),
            });
        }
        for (i, answer) in answers.iter().enumerate() {
            let n = i + 1;
            let (min, max) = self.item_range(n).unwrap_or((0, 0));
            if let Some(code) = *answer
                && !(min..=max).contains(&code)
            {
                return Err(ScoreError::OutOfRange {
                    instrument: self.id.clone(),
                    item: n,
                    code,
                    min,
                    max,
                });
            }
        }

        let score = self
            .scale(&self.headline)
            .and_then(|s| self.scale_value(s, answers));
        let band = score.and_then(|s| self.band_for(s));
        let subscales = Subscales(
            self.subscales
                .iter()
                .map(|name| {
                    let value = self.scale(name).and_then(|s| self.scale_value(s, answers));
                    (name.clone(), value)
                })
                .collect(),
        );

        let (mut flags, mut crisis, mut support) = (Vec::new(), false, false);
        for flag in &self.flags {
            let value = match (flag.item, &flag.scale) {
                (Some(n), _) => answers
                    .get(n.wrapping_sub(1))
                    .copied()
                    .flatten()
                    .map(f64::from),
                (None, Some(name)) => self.scale(name).and_then(|s| self.scale_value(s, answers)),
                (None, None) => None,
            };
            if value.is_some_and(|v| flag.fires_on(v)) {
                flags.push(flag.name.clone());
                match flag.kind {
                    FlagKind::Crisis => crisis = true,
                    FlagKind::Support => support = true,
                }
            }
        }

        Ok(ScoreResult {
            instrument: self.id.clone(),
            score,
            band: band.map(|b| b.label.clone()),
            band_id: band.map(|b| b.id.clone()),
            subscales,
            flags,
            crisis,
            support,
        })
    }
}

fn groups_lcm(groups: &[Vec<usize>]) -> i64 {
    fn gcd(a: i64, b: i64) -> i64 {
        if b == 0 { a } else { gcd(b, a % b) }
    }
    groups.iter().fold(1, |acc, g| {
        let n = (g.len() as i64).max(1);
        acc / gcd(acc, n) * n
    })
}
