//! Loading and hard validation of instrument data files.

use std::collections::BTreeSet;
use std::path::Path;

use crate::model::{Instrument, LicenceStatus, ScaleMethod};

/// The data files compiled into the binary, in catalogue order.
const EMBEDDED: &[(&str, &str)] = &[
    ("who5.toml", include_str!("../instruments/who5.toml")),
    ("scs-sf.toml", include_str!("../instruments/scs-sf.toml")),
    ("scs.toml", include_str!("../instruments/scs.toml")),
    ("phq2.toml", include_str!("../instruments/phq2.toml")),
    ("phq4.toml", include_str!("../instruments/phq4.toml")),
    ("phq9.toml", include_str!("../instruments/phq9.toml")),
    ("gad2.toml", include_str!("../instruments/gad2.toml")),
    ("gad7.toml", include_str!("../instruments/gad7.toml")),
    ("brs.toml", include_str!("../instruments/brs.toml")),
    ("pss10.toml", include_str!("../instruments/pss10.toml")),
    ("pss4.toml", include_str!("../instruments/pss4.toml")),
    ("cbi.toml", include_str!("../instruments/cbi.toml")),
    (
        "burnout-single.toml",
        include_str!("../instruments/burnout-single.toml"),
    ),
    ("gq6.toml", include_str!("../instruments/gq6.toml")),
];

/// A data file that could not be loaded. Display gives one line naming the file
/// and the problem, e.g. `instruments/phq9.toml: item 9 has no text`.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{file}: {problem}")]
pub struct LoadError {
    pub file: String,
    pub problem: String,
}

/// A validated set of instruments.
#[derive(Debug, Clone, PartialEq)]
pub struct Catalog {
    instruments: Vec<Instrument>,
}

impl Catalog {
    /// The instruments shipped in the binary.
    pub fn embedded() -> Result<Catalog, LoadError> {
        let files = EMBEDDED
            .iter()
            .map(|(name, text)| (format!("instruments/{name}"), (*text).to_owned()));
        Self::from_sources(files)
    }

    /// Every `*.toml` in a folder, sorted by file name (for tests and for
    /// developing new data files).
    pub fn load_dir(dir: &Path) -> Result<Catalog, LoadError> {
        let io_err = |e: std::io::Error| LoadError {
            file: dir.display().to_string(),
            problem: e.to_string(),
        };
        let mut paths: Vec<_> = std::fs::read_dir(dir)
            .map_err(io_err)?
            .filter_map(|e| e.ok().map(|e| e.path()))
            .filter(|p| p.extension().is_some_and(|x| x == "toml"))
            .collect();
        paths.sort();
        let mut files = Vec::new();
        for path in paths {
            let text = std::fs::read_to_string(&path).map_err(|e| LoadError {
                file: path.display().to_string(),
                problem: e.to_string(),
            })?;
            files.push((path.display().to_string(), text));
        }
        if files.is_empty() {
            return Err(LoadError {
                file: dir.display().to_string(),
                problem: "no instrument files (*.toml) found".into(),
            });
        }
        Self::from_sources(files)
    }

    /// Parses and validates `(file name, TOML text)` pairs.
    pub fn from_sources(
        files: impl IntoIterator<Item = (String, String)>,
    ) -> Result<Catalog, LoadError> {
        let mut instruments: Vec<Instrument> = Vec::new();
        for (file, text) in files {
            let instrument = parse(&file, &text)?;
            if instruments.iter().any(|i| i.id == instrument.id) {
                return Err(LoadError {
                    file,
                    problem: format!("duplicate instrument id \"{}\"", instrument.id),
                });
            }
            instruments.push(instrument);
        }
        Ok(Catalog { instruments })
    }

    pub fn get(&self, id: &str) -> Option<&Instrument> {
        self.instruments.iter().find(|i| i.id == id)
    }

    pub fn instruments(&self) -> &[Instrument] {
        &self.instruments
    }

    pub fn ids(&self) -> Vec<&str> {
        self.instruments.iter().map(|i| i.id.as_str()).collect()
    }
}

/// Parses one file and validates it; the file stem must equal the id.
pub fn parse(file: &str, text: &str) -> Result<Instrument, LoadError> {
    let err = |problem: String| LoadError {
        file: file.to_owned(),
        problem,
    };
    let instrument: Instrument = toml::from_str(text).map_err(|e| {
        let at = e
            .span()
            .map(|s| {
                let line = text.get(..s.start).map_or(0, |t| t.matches('\n').count()) + 1;
                format!(" (line {line})")
            })
            .unwrap_or_default();
        err(format!("{}{at}", e.message().trim().replace('\n', " ")))
    })?;
    let stem = Path::new(file)
        .file_stem()
        .and_then(|s| s.to_str())
        .unwrap_or_default();
    if instrument.id != stem {
        return Err(err(format!(
            "id \"{}\" does not match the file name (expected \"{stem}\")",
            instrument.id
        )));
    }
    validate(&instrument).map_err(err)?;
    Ok(instrument)
}

fn require(value: &str, what: &str) -> Result<(), String> {
    if value.trim().is_empty() {
        Err(format!("{what} is missing or empty"))
    } else {
        Ok(())
    }
}

/// Every structural rule a data file must meet. Returns the first problem found.
pub fn validate(ins: &Instrument) -> Result<(), String> {
    if ins.id.is_empty()
        || !ins
            .id
            .chars()
            .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-')
    {
        return Err(format!(
            "id \"{}\" must be lower-case letters, digits and hyphens",
            ins.id
        ));
    }
    require(&ins.name, "name")?;
    require(&ins.short_name, "short_name")?;
    require(&ins.measures, "measures")?;
    require(&ins.not_a, "not_a (what the measure is not)")?;
    require(&ins.instructions, "instructions")?;
    require(&ins.citation, "citation")?;
    require(&ins.licence.note, "licence note")?;
    require(&ins.missing_rule, "missing_rule")?;
    if ins.licence.status == LicenceStatus::NotPermitted {
        return Err("licence does not permit shipping this instrument".into());
    }
    // Every file names where its text comes from and how it differs from the
    // published form, so a reviewer can check it without guessing.
    require(
        &ins.text_source,
        "text_source (where the wording comes from)",
    )?;
    require(
        &ins.wording_note,
        "wording_note (how the wording compares with the published form)",
    )?;
    if ins.min_interval_days == 0 {
        return Err("min_interval_days must be at least 1".into());
    }
    if let Some(lookback) = ins.lookback_days
        && (lookback == 0 || ins.min_interval_days < lookback)
    {
        return Err(format!(
            "min_interval_days ({}) is shorter than the look-back period ({lookback} days)",
            ins.min_interval_days
        ));
    }
    if let Some(mic) = &ins.mic {
        if !(mic.points.is_finite() && mic.points > 0.0) {
            return Err("mic points must be a positive number".into());
        }
        require(&mic.source, "mic source")?;
    }

    // Response sets: named once, codes contiguous and ascending, labels present.
    if ins.response_sets.is_empty() {
        return Err("no response_sets".into());
    }
    let mut set_names = BTreeSet::new();
    for set in &ins.response_sets {
        if !set_names.insert(set.name.as_str()) {
            return Err(format!("duplicate response set \"{}\"", set.name));
        }
        if set.options.len() < 2 {
            return Err(format!(
                "response set \"{}\" needs at least two options",
                set.name
            ));
        }
        for (i, pair) in set.options.windows(2).enumerate() {
            if pair[1].code != pair[0].code.wrapping_add(1) {
                return Err(format!(
                    "response set \"{}\": codes must run up by one (option {} has code {} after {})",
                    set.name,
                    i + 2,
                    pair[1].code,
                    pair[0].code
                ));
            }
        }
        if let Some(o) = set.options.iter().find(|o| o.label.trim().is_empty()) {
            return Err(format!(
                "response set \"{}\": option {} has no label",
                set.name, o.code
            ));
        }
    }

    // Items.
    if ins.items.is_empty() {
        return Err("no items".into());
    }
    let n = ins.items.len();
    for (i, item) in ins.items.iter().enumerate() {
        if item.text.trim().is_empty() {
            return Err(format!("item {} has no text", i + 1));
        }
        if let Some(name) = &item.response_set
            && !set_names.contains(name.as_str())
        {
            return Err(format!(
                "item {} uses unknown response set \"{name}\"",
                i + 1
            ));
        }
    }
    if let Some(f) = &ins.followup
        && (f.text.trim().is_empty() || f.options.is_empty())
    {
        return Err("followup needs text and options".into());
    }

    let mut seen = BTreeSet::new();
    for &r in &ins.reverse_items {
        if r == 0 || r > n {
            return Err(format!(
                "reverse item {r} is out of range (the form has items 1–{n})"
            ));
        }
        if !seen.insert(r) {
            return Err(format!("reverse item {r} is listed twice"));
        }
    }

    // Scales.
    let mut scale_names = BTreeSet::new();
    for scale in &ins.scales {
        let name = &scale.name;
        if name.is_empty() || !scale_names.insert(name.as_str()) {
            return Err(format!("scale name \"{name}\" is empty or duplicated"));
        }
        require(&scale.label, &format!("scale \"{name}\" label"))?;
        if scale.multiplier == 0 {
            return Err(format!("scale \"{name}\": multiplier must be at least 1"));
        }
        match scale.method {
            ScaleMethod::Sum | ScaleMethod::Mean => {
                if scale.items.is_empty() || !scale.groups.is_empty() {
                    return Err(format!(
                        "scale \"{name}\": a sum or mean lists items, not groups"
                    ));
                }
            }
            ScaleMethod::MeanOfGroups => {
                if scale.groups.is_empty()
                    || scale.groups.iter().any(Vec::is_empty)
                    || !scale.items.is_empty()
                {
                    return Err(format!(
                        "scale \"{name}\": mean-of-groups lists non-empty groups, not items"
                    ));
                }
            }
        }
        let items = scale.all_items();
        let mut seen = BTreeSet::new();
        for &i in &items {
            if i == 0 || i > n {
                return Err(format!(
                    "scale \"{name}\": item {i} is out of range (the form has items 1–{n})"
                ));
            }
            if !seen.insert(i) {
                return Err(format!("scale \"{name}\": item {i} is listed twice"));
            }
        }
        let ranges: BTreeSet<_> = items.iter().filter_map(|&i| ins.item_range(i)).collect();
        if ranges.len() != 1 {
            return Err(format!(
                "scale \"{name}\": its items must share one response range"
            ));
        }
        if let Some(m) = scale.min_answered {
            if scale.method != ScaleMethod::Mean {
                return Err(format!(
                    "scale \"{name}\": min_answered only applies to a mean (sums are never prorated)"
                ));
            }
            if m == 0 || m > items.len() {
                return Err(format!(
                    "scale \"{name}\": min_answered {m} must be between 1 and {}",
                    items.len()
                ));
            }
        }
    }
    if ins.scale(&ins.headline).is_none() {
        return Err(format!(
            "headline scale \"{}\" is not defined",
            ins.headline
        ));
    }
    for s in &ins.subscales {
        if ins.scale(s).is_none() {
            return Err(format!("subscale \"{s}\" is not defined"));
        }
    }

    validate_bands(ins)?;

    // Flags.
    let mut flag_names = BTreeSet::new();
    for flag in &ins.flags {
        let name = &flag.name;
        if !flag_names.insert(name.as_str()) || name.is_empty() {
            return Err(format!("flag name \"{name}\" is empty or duplicated"));
        }
        require(&flag.description, &format!("flag \"{name}\" description"))?;
        require(&flag.source, &format!("flag \"{name}\" source"))?;
        if flag.at_least.is_none() && flag.at_most.is_none() {
            return Err(format!("flag \"{name}\" needs at_least or at_most"));
        }
        let (lo, hi) = match (flag.item, &flag.scale) {
            (Some(i), None) => {
                let (lo, hi) = ins.item_range(i).ok_or_else(|| {
                    format!("flag \"{name}\": item {i} is out of range (the form has items 1–{n})")
                })?;
                (f64::from(lo), f64::from(hi))
            }
            (None, Some(s)) => {
                let scale = ins
                    .scale(s)
                    .ok_or_else(|| format!("flag \"{name}\": scale \"{s}\" is not defined"))?;
                ins.scale_range(scale).unwrap_or((0.0, 0.0))
            }
            _ => {
                return Err(format!(
                    "flag \"{name}\" needs exactly one of item or scale"
                ));
            }
        };
        for t in [flag.at_least, flag.at_most].into_iter().flatten() {
            if !(lo..=hi).contains(&t) {
                return Err(format!(
                    "flag \"{name}\": threshold {t} is outside the possible range {lo}–{hi}"
                ));
            }
        }
    }
    Ok(())
}

/// Bands must be in ascending order, and every reachable headline score must fall
/// in exactly one band (no overlap, no gap). Reachable scores are enumerated exactly.
fn validate_bands(ins: &Instrument) -> Result<(), String> {
    if ins.bands.is_empty() {
        return Ok(());
    }
    require(&ins.band_source, "band_source")?;
    let mut ids = BTreeSet::new();
    for b in &ins.bands {
        if !ids.insert(b.id.as_str()) {
            return Err(format!("band \"{}\" is listed twice", b.id));
        }
        require(&b.label, &format!("band \"{}\" label", b.id))?;
        require(&b.explanation, &format!("band \"{}\" explanation", b.id))?;
        require(&b.published, &format!("band \"{}\" published term", b.id))?;
        match (b.max, b.below) {
            (Some(max), None) if max >= b.min => {}
            (None, Some(below)) if below > b.min => {}
            _ => {
                return Err(format!(
                    "band \"{}\" needs exactly one upper bound (max or below) above its min",
                    b.id
                ));
            }
        }
    }
    for pair in ins.bands.windows(2) {
        let (a, b) = (&pair[0], &pair[1]);
        let overlaps = match (a.max, a.below) {
            (Some(max), _) => b.min <= max,
            (None, Some(below)) => b.min < below,
            (None, None) => true,
        };
        if overlaps {
            return Err(format!(
                "bands \"{}\" and \"{}\" overlap or are out of order",
                a.id, b.id
            ));
        }
    }
    let headline = ins
        .scale(&ins.headline)
        .ok_or_else(|| "headline scale is not defined".to_owned())?;
    let values = ins
        .reachable_values(headline)
        .ok_or_else(|| "headline scale has no items".to_owned())?;
    for v in values {
        let hits: Vec<&str> = ins
            .bands
            .iter()
            .filter(|b| b.contains(v))
            .map(|b| b.id.as_str())
            .collect();
        match hits.len() {
            1 => {}
            0 => return Err(format!("bands leave a gap: score {v} falls in no band")),
            _ => {
                return Err(format!(
                    "bands overlap: score {v} falls in {}",
                    hits.join(" and ")
                ));
            }
        }
    }
    Ok(())
}
