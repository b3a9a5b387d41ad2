//! Self-harm and suicide language.
//!
//! Policy (see docs/detector.md): tuned for recall on a student's own
//! writing. First-person phrases ("I want to die", "kill myself", "better off
//! without me") always match. Bare terms ("suicidal", "suicide", "overdose",
//! "self-harm") match unless the sentence reads as a clinical description of
//! someone else ("patient with suicidal ideation was admitted") and says
//! nothing that ties the term to the writer ("I've been having suicidal
//! thoughts" always matches).

use std::sync::LazyLock;

use regex::Regex;
use serde::Serialize;

use crate::detector::truncate_to_boundary;
use crate::model::{Model, RISK_CLASSES, RuleEvidence};
use crate::text;

/// Which kind of phrase matched.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum RiskKind {
    /// A first-person phrase about dying, suicide or self-harm.
    FirstPerson,
    /// A suicide or self-harm term, not clearly clinical talk about someone else.
    Term,
    /// No known phrase, but the risk model reads the writer's words as
    /// possibly about not wanting to be alive or about self-harm.
    Possible,
}

/// A match of risk language: show crisis help at once.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct RiskMatch {
    pub kind: RiskKind,
    /// Byte span in the original text.
    pub start: usize,
    pub end: usize,
    pub explanation: String,
}

const AP: &str = "[’'‘]?";

/// The risk model (see `data/risk-model.txt`, built by `tend-detector train`).
pub const RISK_MODEL_SOURCE: &str = include_str!("../data/risk-model.txt");

/// The risk model speaks at this probability. It is trained on the natural
/// mix (about one risk example in sixteen), and a crisis panel on ordinary
/// words costs trust, so it asks for more than even odds.
const RISK_MODEL_THRESHOLD: f32 = 0.6;

/// Words the risk model must point at before it speaks.
const RISK_CORE: &[&str] = &[
    "alive",
    "born",
    "burden",
    "cut",
    "cutting",
    "dead",
    "death",
    "die",
    "died",
    "dying",
    "disappear",
    "disappearing",
    "end",
    "ending",
    "escape",
    "exist",
    "existing",
    "existence",
    "forever",
    "funeral",
    "gone",
    "goodbye",
    "goodbyes",
    "harm",
    "harming",
    "hurt",
    "hurting",
    "kill",
    "killing",
    "pain",
    "vanish",
    "wake",
];

/// Everyday things whose "dying" is not a person's.
const THINGS_THAT_DIE: &[&str] = &[
    "phone",
    "battery",
    "laptop",
    "computer",
    "tablet",
    "ipad",
    "charger",
    "printer",
    "car",
    "plant",
    "plants",
    "bleep",
    "pager",
    "wifi",
    "headphones",
    "torch",
];

static RISK_MODEL: LazyLock<Option<Model>> =
    LazyLock::new(|| Model::parse(RISK_MODEL_SOURCE, &RISK_CLASSES).ok());

static FIRST_PERSON: LazyLock<Option<Regex>> = LazyLock::new(|| {
    let p = [
        r"\b(kill|killing|hurt|hurting|harm|harming|end|ending|off|offing|hang|hanging|starve|starving|poison|poisoning|drown|drowning|shoot|shooting)\s+myself\b",
        r"\bend(ing)?\s+(it\s+all|my\s+(own\s+)?life|everything|things)\b",
        r"\btake\s+my\s+(own\s+)?life\b",
        r"\b(i|i\s*AP\s*m|i\s+am|i\s+just|i\s+really|i\s+kind\s+of|i\s+sometimes|part\s+of\s+me)\s+(\w+\s+)?(want|wanna|wish|wished|need)\s+(to\s+)?(die|be\s+dead|disappear\s+(forever|for\s+good)|not\s+(exist|be\s+alive|wake\s+up|be\s+here))\b",
        r"\bwish(ing|ed)?\s+i\s+(was|were|could\s+be)\s+dead\b",
        r"\bwish\s+i\s+(had\s+never\s+been\s+born|could\s+(just\s+)?(die|disappear|not\s+wake\s+up|fall\s+asleep\s+and\s+not))\b",
        r"\bbetter\s+off\s+(dead|without\s+me|if\s+i\s+(was|were)n?\s*AP\s*t?\s*(here|around|alive|gone|dead))\b",
        r"\b(no|nothing)\s+(reason|point)?\s*(left\s+)?to\s+live\s*(for)?\b",
        r"\bnothing\s+(left\s+)?to\s+live\s+for\b",
        r"\b(life|living|my\s+life)\s+(is\s*n?\s*AP\s*t?|isn\s*AP\s*t|is\s+not)\s+(worth|worth\s+living)\b",
        r"\bnot\s+worth\s+living\b",
        r"\bdon\s*AP\s*t\s+want\s+to\s+(be\s+alive|live|exist|be\s+here\s+any\s*more|wake\s+up|go\s+on)\b",
        r"\bdo\s+not\s+want\s+to\s+(be\s+alive|live|exist|be\s+here\s+any\s*more|wake\s+up|go\s+on)\b",
        r"\bcan\s*AP\s*(no)?t\s+(go\s+on|do\s+this\s+any\s*more|keep\s+going|take\s+it\s+any\s*more)\b",
        r"\bcannot\s+(go\s+on|do\s+this\s+any\s*more|keep\s+going|take\s+it\s+any\s*more)\b",
        r"\b(i\s*AP\s*ve|i\s+have|i)\s+(been\s+)?(thinking|thought)\s+(about|of)\s+(suicide|killing\s+myself|ending\s+it|dying|not\s+being\s+here|taking\s+my\s+life|overdos\w*|jumping)\b",
        r"\b(i\s*AP\s*m|i\s+am|i\s+feel|i\s*AP\s*ve\s+been|i\s+have\s+been|i\s+was|been|feeling|felt|get|getting)\s+(so\s+|really\s+|pretty\s+|kind\s+of\s+|a\s+bit\s+|quite\s+|very\s+)?(suicidal)\b",
        r"\b(my|having|have|had|been\s+having|get|getting)\s+(own\s+)?(suicidal\s+(thoughts|feelings|ideation|urges|plans?)|thoughts\s+of\s+(suicide|self[\s-]?harm|killing\s+myself|dying|ending\s+it|hurting\s+myself))\b",
        r"\b(my|i\s+have\s+a|i\s*AP\s*ve\s+got\s+a|made\s+a)\s+(suicide\s+)?plan\s+to\s+(die|kill|end)\b",
        r"\b(jump|jumping|step|stepping)\s+(off|in\s+front\s+of)\s+(a|the)\s+(bridge|roof|building|train|bus|car|platform|tracks|ledge)\b",
        r"\b(i|i\s*AP\s*ll|i\s+will|i\s+could|i\s+might|i\s+want\s+to)\s+(take|swallow)\s+(all\s+)?(my|the|those|these)\s+(pills|tablets|meds|medication)\b",
        r"\b(i|i\s*AP\s*ve|i\s+have)\s+(been\s+)?(self[\s-]?harm\w*|relaps\w+\s+(on|into)\s+self[\s-]?harm|cutting\s+again)\b",
        r"\bsay(ing)?\s+goodbye\s+forever\b",
        r"\bno\s+one\s+would\s+(miss|notice|care)\s+(if|when)\s+i\b",
        r"\bdisappear\s+forever\b",
        r"\b(suicide|dying|killing\s+myself|ending\s+it|ending\s+my\s+life)\s+(has\s+|keeps\s+|kept\s+)?(crossed|cross|crosses|crossing|is\s+on|was\s+on|been\s+on)\s+my\s+mind\b",
        // Indirect and passive phrasings (wishing not to wake, being a burden,
        // seeing no point in going on, saying goodbye). Written from how
        // people describe these thoughts and from the dev rows of
        // data/risk-language.csv; the held-out rows measure them.
        r"\brather\s+(be\s+dead|die|not\s+be\s+alive|not\s+exist)\s+than\s+(keep|go\s+on|live|feel|carry\s+on|continue|be\s+like\s+this)",
        r"\bwish(ing|ed)?\s+i\s*(AP\s*d|had)\s+never\s+been\s+born\b",
        r"\bwish(ing|ed)?\s+i\s+(was|were)\s+(dead|never\s+born|not\s+alive|gone)\b",
        r"\b(tired|sick|exhausted)\s+of\s+(being\s+alive|existing|life\s+itself|living\s*([.!?,;]|$|like\s+this))",
        r"\bpoint\s+(of|in)\s+(me\s+)?(being\s+alive|staying\s+alive|existing|((going|carrying)\s+on|living|being\s+here)\s*([.!?,;]|$|any\s*more|like\s+this))",
        r"\bwhether\s+i\s+live\s+or\s+die\b",
        r"\b(stop|stopped|stopping)\s+existing\b",
        r"\b(don\s*AP\s*t|do\s+not)\s+belong\s+in\s+this\s+world\b",
        r"\b(hope|pray|wish)\s+(that\s+)?i\s+(don\s*AP\s*t|do\s+not|won\s*AP\s*t|will\s+not|never)\s+(make\s+it\s+to|wake\s+up|see\s+(tomorrow|the\s+morning))\b",
        r"\b(fall|go)\s+(to\s+)?(asleep|sleep)\s+and\s+(never|not)\s+wake\s+up\b",
        r"\b(fall|go)\s+(to\s+)?(asleep|sleep)\s+and\s+stay\s+that\s+way\b",
        r"\bwon\s*AP\s*t\s+be\s+(here|around|alive)\s+(much\s+longer|for\s+long|any\s*more|to\s+see)\b",
        r"\bbecause\s+i\s+won\s*AP\s*t\s+be\s+(alive|(here|around)\s*([.!?,;]|$))",
        r"\bwon\s*AP\s*t\s+be\s+a\s+(problem|burden)\s+(to|for)\s+any(one|body)\s+(much\s+)?longer\b",
        r"\b(i\s*AP\s*m|i\s+am|i\s+feel\s+like)\s+(just\s+|such\s+)?a\s+burden\s+(to|on)\s+(everyone|everybody|my\s+family|my\s+parents|the\s+people)\b",
        r"\b(world|everyone|everybody|they|my\s+family|my\s+parents|people)\s+(would\s+be|will\s+be|is|are)\s+better\s+(off\s+)?without\s+me\b",
        r"\b(relieved|happier|better)\s+if\s+i\s+(was|were)(n\s*AP\s*t|\s+not|\s+no\s+longer)\s+(around|here|alive)\b",
        r"\b(when|after|once)\s+i\s*AP\s*m\s+(gone|dead|no\s+longer\s+here)\b",
        r"\b(no|any|single|out\s+of)\s+reasons?\s+(left\s+)?to\s+(stay\s+alive|live\b|((keep\s+going|stay|go\s+on|carry\s+on)\s*([.!?,;]|$|any\s*more)))",
        r"\bi\s*AP\s*m\s+(ready|just\s+waiting|waiting)\s+to\s+die\b",
        r"\bdeserve\s+(to\s+die|pain|to\s+suffer|to\s+be\s+hurt)\b",
        r"\btak(e|ing)\s+my\s+(own\s+)?life\b",
        r"\bharmed\s+myself\b",
        // "cut myself shaving", "burned myself on the kettle" are everyday.
        r"\b(cut|cutting|burn|burning|burned|burnt)\s+myself\s*([.!?,;]|$|again|on\s+purpose|deliberately|tonight|last\s+night|to\s+feel)",
        r"\bwhat\s+i\s*AP\s*ve\s+done\s+to\s+myself\b",
        r"\b(want|wanting|urges?|need|needing)\s+to\s+(cut|self[\s-]?harm)\b",
        r"\b(?-i:SH)[\s-]?(free|again|urges?|tonight)\b",
        r"\bcould\s+end\s+it\s*([.!?,]|$)",
        r"\bend\s+it\s+(all\s+)?(now|tonight|soon|for\s+good|forever)\b",
        r"\b(want|wanted|need)\s+(it\s+all|everything)\s+to\s+(be\s+over|stop|end)\b",
        r"\bif\s+i\s*AP\s*m\s+not\s+(alive|(here|around)\s+(this\s+time\s+next|next\s+year|by\s+(then|christmas|summer)))",
        r"\bget\s+(ill|sick)\s+and\s+(don\s*AP\s*t|not|never)\s+recover\b",
        r"\bmy\s+body\s+(should|would|could)\s+(just\s+)?give\s+up\b",
        r"\bgiv(e|ing)\s+(away\s+)?my\s+(things|stuff|belongings|possessions)\s+away\b",
        r"\bgiv(e|ing)\s+away\s+my\s+(things|stuff|belongings|possessions)\b",
        r"\bmy\s+affairs\s+(are\s+)?in\s+order\s*([.!?,;]|$|just\s+in\s+case)",
        r"\bsay(ing)?\s+goodbye\s+to\s+(people|everyone|everybody)\s+(without|for\s+good|forever)",
        r"\bwhoever\s+finds\s+(this|me)\b",
        r"\bthe\s+one\s+who\s+finds\s+me\b",
        r"\benvy\s+(the\s+)?(\w+\s+)?who\s+(get\s+to\s+)?die\b",
        r"\bpass(es|ed)?\s+away\b[^.]{0,80}\blucky\s+(them|him|her)\b",
        r"\bwhy\s+i\s*AP\s*m\s+still\s+(here|alive|around)\b",
        r"\bonly\s+still\s+(here|alive)\s+because\b",
        r"\b(see|make\s+it\s+to)\s+my\s+next\s+birthday\b",
        r"\b(done|finished)\s+with\s+(life|living|existing|being\s+alive|(everything|it\s+all)\s*([.!?,;]|$))",
        r"\bmy\s+(existence|life|being\s+alive)\s+is\s+a\s+mistake\b",
        r"\bnot\s+meant\s+to\s+be\s+(alive|here|born)\b",
        r"\bno\s+future\s+for\s+me\b",
        r"\bthe\s+last\s+(night|day|time)\s+i\s+(have\s+to|ever|will\s+ever)\s+(feel|be\s+alive|wake|see)",
        r"\b(can\s*AP\s*(no)?t|cannot|don\s*AP\s*t|do\s+not)\s+see\s+(a|any)\s+way\s+out\s*(any\s*more)?\s*([.!?,]|$)",
        r"\bno\s+way\s+out\s*([.!?,]|$)",
        r"\b(don\s*AP\s*t|do\s+not|can\s*AP\s*t|cannot)\s+see\s+the\s+point\s+(any\s*more|in\s+anything|of\s+anything|in\s+(living|going\s+on)|of\s+(living|going\s+on))\b",
        r"\bonly\s+(see\s+)?(one|a\s+single)\s+way\s+(out|for\s+that|to\s+(end|stop)\s+(it|this|the\s+pain))\b",
        r"\bexcept\s+out\s+completely\b",
        r"\b(be\s+around|be\s+here|put\s+up\s+with\s+me|deal\s+with\s+me)\s+(for\s+)?(much|very)\s+longer\b",
        r"\bnot\s+(planning|going|expecting)\s+to\s+be\s+(alive|(around|here)\s+(for\s+(graduation|christmas|my\s+birthday|much\s+longer)|next\s+year|any\s*more|much\s+longer))",
        r"\b(don\s*AP\s*t|can\s*AP\s*t|cannot|do\s+not)\s+see\s+myself\s+(still\s+)?(being\s+)?(here|around|alive)\b",
        r"\b(vanish|vanishing|disappear|disappearing)\s+(for\s+good|forever|permanently)\b",
        r"\bdecided\s+to\s+(leave|go|end\s+it)\s+(for\s+good|forever)\b",
        r"\b(my\s+self[\s-]?harm\s+urges|self[\s-]?harm\s+urges\s+(have|are|keep))\b",
        r"\b(no\s*one|no-one|nobody)\s+would\s+(even\s+)?(miss|notice|care)\s+(if|when|that)\s+i\b",
        r"\btired\s+of\s+being\s+(a\s+person|me|human)\b",
        r"\b(this|it)\s+(will\s+be|is)\s+my\s+last\s+(entry|post|message|note)\b",
        r"\bmy\s+last\s+words\b",
        r"\bmy\s+(own\s+)?funeral\b",
        r"\b(relieved|happier|better|easier)\s+(for\s+(everyone|everybody|them|my\s+family)\s+)?if\s+i\s+(just\s+)?(was|were)(n\s*AP\s*t|\s+not|\s+no\s+longer)\s+(around|here|alive)\b",
        r"\bcan\s*AP\s*(no)?t\s+(keep\s+)?(living|live)\s+like\s+this\b",
        r"\b(nice|peaceful|easier|better|a\s+relief)\s+to\s+(just\s+)?not\s+(be\s+alive|exist|(be\s+here|be\s+around|wake\s+up)\s*([.!?,;]|$|any\s*more))",
        r"\bpunish(ing)?\s+(myself\s+physically|my\s+body)\b",
        r"\blook\s+after\s+my\s+\w+\s+if\s+anything\s+(happens|should\s+happen)\s+to\s+me\b",
        r"\bplan(ning|ned)?\s+(how|when)\s+to\s+(end\s+it|die|kill\s+myself)\b",
        r"\bescape\s+(from\s+)?(being\s+alive|life|living|existing)\b",
        r"\bif\s+something\s+(happened|happens)\s+to\s+me\b[^.]{0,40}\b(grateful|relieved|glad|fine|okay|wouldn\s*AP\s*t\s+mind)\b",
    ]
    .join("|")
    .replace("AP", AP);
    Regex::new(&format!("(?i){p}")).ok()
});

static TERM: LazyLock<Option<Regex>> = LazyLock::new(|| {
    Regex::new(
        r"(?i)\b((passive|active|having|had)\s+(?-i:SI)|suicid\w*|self[\s-]?harm\w*|overdos\w*|kill(ed|ing|s)?\s+(him|her|them)sel(f|ves)|want(s|ed)?\s+to\s+die|end(ed|s)?\s+(his|her|their)\s+life|took\s+(his|her|their)\s+(own\s+)?life)\b",
    )
    .ok()
});

static CLINICAL: LazyLock<Option<Regex>> = LazyLock::new(|| {
    Regex::new(
        r"(?i)\b(patients?|pts?|admitted|admission|admit|presented|presenting|presents|history|hx|h/o|denies|denied|deny|screen(ed|ing)?|assess(ed|ment)?|ideation|psych\w*|consult\w*|ward|ed|a&e|er|cssrs|c-ssrs|phq|risk\s+assessment|protocol|lecture|case|rates?|epidemiology|prevalence|guidelines?|study|studies|block|exam|question|mcq|osce|management|overdosed\s+on|poisoning|tox\w*|paracetamol|acetaminophen|sectioned|hold|5150|sitter|observation|obs|referral|referred|role[\s-]?play|communication\s+skills|session|grand\s+rounds|teaching|taught|told\s+us|camhs|documented|discharge|clerk\w*|inpatients?|leading\s+cause|journal\s+club|pbl|portfolio|liaison|crisis\s+team|triage|tutor|saq|statistics|stats|learn\w*|factors|mrs|mr|ms|wellbeing\s+talk)\b",
    )
    .ok()
});

/// Words that tie a bare term to the writer even in a clinical sentence
/// ("my own suicidal thoughts on the psych block").
static FIRST_PERSON_TIE: LazyLock<Option<Regex>> = LazyLock::new(|| {
    Regex::new(
        r"(?i)\b(my\s+own|myself|about\s+me|crossed\s+my\s+mind|on\s+my\s+mind|in\s+my\s+head)\b",
    )
    .ok()
});

/// Find risk language in `text` (the first match, in text order).
pub fn risk_language(text: &str) -> Option<RiskMatch> {
    let text = truncate_to_boundary(text, crate::detector::MAX_INPUT_BYTES);
    let (Some(fp), Some(term), Some(clin), Some(fpw_tie)) = (
        FIRST_PERSON.as_ref(),
        TERM.as_ref(),
        CLINICAL.as_ref(),
        FIRST_PERSON_TIE.as_ref(),
    ) else {
        return None;
    };
    for (s, e) in text::sentences(text) {
        let sent = &text[s..e];
        let clinical = clin.is_match(sent);
        // Clinical or study talk with nothing tying it to the writer.
        let clinical_only = clinical && !fpw_tie.is_match(sent);
        // A patient's words quoted in a clinical note ("Pt said \"what's the
        // point of going on\"") are not the writer's.
        let quoted_in_clinical = |at: usize| {
            let quotes = sent[..at]
                .chars()
                .filter(|c| matches!(c, '"' | '“' | '”'))
                .count();
            quotes % 2 == 1 && clinical
        };
        if let Some(m) = fp.find_iter(sent).find(|m| !quoted_in_clinical(m.start())) {
            return Some(RiskMatch {
                kind: RiskKind::FirstPerson,
                start: s + m.start(),
                end: s + m.end(),
                explanation: "These words sound like thoughts of dying or of hurting yourself. \
                              You don't have to carry this alone: help is available right now."
                    .to_string(),
            });
        }
        if let Some(m) = term.find(sent) {
            // Clinical or study talk stays quiet; anything else errs towards
            // help. First-person ties were already caught by FIRST_PERSON.
            if clinical_only {
                continue;
            }
            return Some(RiskMatch {
                kind: RiskKind::Term,
                start: s + m.start(),
                end: s + m.end(),
                explanation: "This mentions suicide or self-harm. If any of this is about you, \
                              help is available right now."
                    .to_string(),
            });
        }
        // Veiled phrasings are endless: where no known phrase matched, the
        // risk model reads the sentence (not in clinical or study talk).
        if clinical_only {
            continue;
        }
        let toks = text::tokens(text, s, e);
        // Risk here means the writer's own thoughts: the model reads only
        // sentences in the first person.
        let first_person = toks
            .iter()
            .any(|t| matches!(t.norm.as_str(), "i" | "me" | "my" | "myself"));
        // Things "die" every day ("my phone is about to die"); the model
        // leaves such sentences to the phrase list.
        let about_a_thing = toks
            .iter()
            .any(|t| THINGS_THAT_DIE.contains(&t.norm.as_str()));
        if let (true, false, Some(model)) = (first_person, about_a_thing, RISK_MODEL.as_ref()) {
            let pred = model.predict(&toks, &RuleEvidence::default());
            // It must point at words about living, dying, leaving or being
            // hurt: a reading resting on "I keep" or "unwind" explains
            // nothing, and a crisis panel on such a sentence would be wrong.
            let span = pred
                .evidence_span(1, 8, |i| RISK_CORE.contains(&toks[i].norm.as_str()))
                .filter(|_| pred.something() >= RISK_MODEL_THRESHOLD)
                .and_then(|(a, b)| Some((toks.get(a)?.start, toks.get(b)?.end)));
            if let Some((start, end)) = span {
                return Some(RiskMatch {
                    kind: RiskKind::Possible,
                    start,
                    end,
                    explanation: "These words might be about not wanting to be alive, or about \
                                  hurting yourself. If they are, you don't have to carry this \
                                  alone: help is available right now."
                        .to_string(),
                });
            }
        }
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn fires_on_first_person_risk() {
        for t in [
            "I want to die.",
            "Honestly I just want to disappear forever",
            "everyone would be better off without me",
            "I've been having suicidal thoughts again since the exam",
            "I don't want to wake up tomorrow",
            "i keep thinking about killing myself",
            "There's no reason to live anymore",
            "I'm so suicidal tonight",
            "I can't go on like this",
            "I wish I was dead",
            "Thinking about suicide a lot lately.",
            "I'm a failure and I don't see the point anymore.",
        ] {
            assert!(risk_language(t).is_some(), "missed: {t}");
        }
    }

    #[test]
    fn quiet_on_clinical_talk_and_ordinary_text() {
        for t in [
            "Patient with suicidal ideation was admitted overnight.",
            "I admitted a patient with suicidal ideation and did the risk assessment.",
            "Pt denies SI/HI, no history of self-harm.",
            "We had a lecture on suicide prevention in psychiatry.",
            "The paracetamol overdose in bay 3 needs NAC.",
            "This exam is killing me but I will get through it.",
            "I'm dying to see the results.",
        ] {
            assert!(risk_language(t).is_none(), "false alarm: {t}");
        }
    }

    #[test]
    fn quiet_on_everyday_sentences_that_share_words_with_risk() {
        // Found by a review: each of these once showed the crisis panel.
        for t in [
            "In my last entry I wrote about the wards.",
            "Last day I have to do surgery, so happy!",
            "Exams are tomorrow, then it will all be over",
            "done with everything on my to-do list",
            "no reason to stay late",
            "handing over early because I won't be here tomorrow",
            "If I'm not here by 9, start without me",
            "not going to be around this weekend",
            "planning when to do it, probably Sunday",
            "nice to not wake up at 5am",
            "burned myself on the kettle",
            "the one who finds out last",
            "affairs in order before moving",
            "My phone is just waiting to die",
            "sick of living in halls",
            "point of going on the ward round",
            "Saying goodbye to everyone on my last day of placement",
            "My SI joint has been aching",
            "My life is going well, I love living here.",
            "I finally feel alive again",
            "I want to live abroad",
            "I can't wait to be here next year",
            "I want to stop studying for tonight",
            "I keep replaying a handover I fumbled.",
        ] {
            assert!(risk_language(t).is_none(), "false alarm: {t}");
        }
    }

    #[test]
    fn compiled_patterns_are_valid() {
        assert!(
            FIRST_PERSON.is_some()
                && TERM.is_some()
                && CLINICAL.is_some()
                && FIRST_PERSON_TIE.is_some()
                && RISK_MODEL.is_some()
        );
    }

    #[test]
    fn span_points_at_the_words() {
        let t = "Long day. Sometimes I think they'd be better off without me.";
        let m = risk_language(t).unwrap();
        assert_eq!(&t[m.start..m.end], "better off without me");
    }
}
