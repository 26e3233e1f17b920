//! The phrases Lens's generated text never contains: judgments (good, bad, healthy, at risk) and
//! advice (should, recommend, consider). One list, grown as new phrasings turn up; the lexicon test
//! checks every template in `src/insight/` and every text rendered for the demo district and the
//! real exports against it.

/// Evaluative or prescriptive words and phrases, lower case. Matched as whole words.
pub const BANNED: &[&str] = &[
    // Advice.
    "should",
    "must",
    "recommend",
    "recommended",
    "recommendation",
    "consider",
    "need to",
    "needs to",
    "needs attention",
    "requires attention",
    "action required",
    "escalate",
    "follow up",
    "best practice",
    "make sure",
    "ought",
    "urgent",
    // Judgments of deals and pipelines.
    "at risk",
    "risk",
    "risky",
    "healthy",
    "unhealthy",
    "health",
    "good",
    "bad",
    "strong",
    "weak",
    "poor",
    "concerning",
    "alarming",
    "worrying",
    "worse",
    "better",
    "red flag",
    "warning",
    "critical",
    "stalled",
    "stuck",
    "likely to close",
    "unlikely",
    "excellent",
    "great",
    "terrible",
    // Judgments of people.
    "top performer",
    "bottom performer",
    "underperform",
    "underperforming",
    "underperformer",
    "outperform",
    "outperforming",
    "overperform",
    "low performer",
    "high performer",
    "needs coaching",
    "lagging",
    "laggard",
    "behind plan",
    "ahead of plan",
    "on track",
    "off track",
    "slipping",
];

/// Every rule of an analysis that does not hold, in words (empty when all hold): unique keys,
/// and [`broken_insight_rules`] for each insight.
pub fn broken_rules(analysis: &super::Analysis) -> Vec<String> {
    let mut broken = Vec::new();
    let mut keys = std::collections::HashSet::new();
    for insight in analysis.insights() {
        if !keys.insert(insight.key.as_str()) {
            broken.push(format!("{}: key used twice", insight.key));
        }
        broken.extend(broken_insight_rules(insight));
    }
    broken
}

/// The rules one insight keeps, as a list of those it breaks: a formula and a population
/// description, evidence rows whenever the population counts any record, and no banned phrase in
/// any text Lens wrote for it (sentence, formula, population, exclusion reasons, the method or
/// description of its reference).
pub fn broken_insight_rules(insight: &super::Insight) -> Vec<String> {
    let mut broken = Vec::new();
    if insight.formula.trim().is_empty() {
        broken.push(format!("{}: no formula", insight.key));
    }
    if insight.population.description.trim().is_empty() {
        broken.push(format!("{}: no population description", insight.key));
    }
    if insight.population.n > 0 && insight.evidence.is_empty() {
        broken.push(format!(
            "{}: counts {} records but lists no evidence",
            insight.key, insight.population.n
        ));
    }
    let mut texts = vec![
        ("text", insight.text.as_str()),
        ("formula", insight.formula.as_str()),
        ("population", insight.population.description.as_str()),
    ];
    texts.extend(
        insight
            .population
            .excluded
            .iter()
            .map(|e| ("exclusion", e.reason.as_str())),
    );
    match &insight.reference {
        Some(super::Reference::OwnHistory { method, .. }) => texts.push(("reference", method)),
        Some(super::Reference::Distribution { description, .. }) => {
            texts.push(("reference", description))
        }
        Some(super::Reference::Experiment {
            difference_method,
            relative_lift_method,
            ..
        }) => {
            texts.push(("reference", difference_method));
            texts.push(("reference", relative_lift_method));
        }
        Some(super::Reference::Condition { condition, .. }) => texts.push(("reference", condition)),
        _ => {}
    }
    for (what, text) in texts {
        for phrase in violations(text) {
            broken.push(format!(
                "{}: {what} contains \"{phrase}\": {text}",
                insight.key
            ));
        }
    }
    broken
}

/// The banned phrases `text` contains, matched case-insensitively on word boundaries.
pub fn violations(text: &str) -> Vec<&'static str> {
    let lower = text.to_lowercase();
    BANNED
        .iter()
        .copied()
        .filter(|phrase| contains_phrase(&lower, phrase))
        .collect()
}

fn contains_phrase(haystack: &str, phrase: &str) -> bool {
    let is_word = |c: char| c.is_alphanumeric() || c == '_';
    haystack.match_indices(phrase).any(|(start, _)| {
        let before = haystack[..start].chars().next_back();
        let after = haystack[start + phrase.len()..].chars().next();
        !before.is_some_and(is_word) && !after.is_some_and(is_word)
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn matches_whole_words_only() {
        assert_eq!(violations("This deal is at risk."), ["at risk", "risk"]);
        assert_eq!(violations("You SHOULD call"), ["should"]);
        assert!(violations("Goodwin Partners, 12 goods shipped").is_empty());
        assert!(violations("Closed won: 12 deals; strongest month").is_empty());
        assert_eq!(violations("a good-looking quarter"), ["good"]);
    }
}
