//! Module 8, plays and partners: how much of the pipeline partners sourced or influenced, and the
//! win rates and cycle lengths of deals with and without a partner.
//!
//! No export has a field that says "sourced" or "influenced", so partner involvement is read from
//! two fields the exports do carry, the lead source and the partner:
//! - **Partner-sourced**: the lead source is a partner source: one of the values of the setting
//!   `partner_lead_sources` (compared without case), or, when that setting is empty, any lead source
//!   containing the word "partner" (Salesforce's picklist value "Partner", "Partner Referral").
//! - **Partner-influenced**: not partner-sourced, and the partner field is filled (Salesforce's
//!   `PrimaryPartnerAccountId`, a report's "Partner Account", a "Partner" column).
//! - **No partner**: neither.
//! - **With a partner** = partner-sourced or partner-influenced; **without a partner** = no partner.
//!   A partner-sourced deal is with a partner even where the export has no partner field: its lead
//!   source names the partner channel.
//! - When no deal of the current snapshot has the partner field filled, the export is read as having
//!   no partner field (the import keeps no trace of an empty column): no deal can be told to be
//!   partner-influenced, and the texts say so. Of the real exports in `shared/data`, the Salesforce
//!   Data Export has `PrimaryPartnerAccountId` empty on every deal and "Partner" as the lead source
//!   of some; the other two have no partner column. The generated demo data has a "Partner Account"
//!   column and a "Partner Referral" lead source.
//!
//! Measures (win rate and sales cycle as PRODUCT.md, "Metric definitions", gives them):
//! - **Mix**: per involvement (sourced, influenced, none), the count and amount of the open deals of
//!   the current snapshot, and of its won deals with a close date in the window (the
//!   `lookback_days` days up to the as-of date).
//! - **Win rate** by count = won ÷ (won + lost), by value = won amount ÷ closed amount, with and
//!   without a partner, over the deals of the current snapshot closed with a close date in the
//!   window. "No decision" counts as lost where the export or mapping marks it lost.
//! - **Sales cycle** = close date − created date over the won deals of the window (won only), with
//!   and without a partner: 25th, 50th and 75th percentiles and n.
//!
//! Money goes through [`Context::money`]. Cost: one pass over the current snapshot.

use super::coaching::quartile_words;
use super::context::{Context, Deal, Tally};
use super::hygiene::{
    ClosedDeals, Cycles, WinRates, Window, cycle_evidence, days_text, field_evidence, lead_source,
};
use super::render::{money, percent};
use super::stats::Quartiles;
use super::{EvidenceRef, Insight, Module, Population, Subject, SubjectKind, Unit};
use crate::model::Opportunity;

pub(super) fn insights(context: &Context) -> Vec<Insight> {
    let window = Window::new(context);
    let reader = PartnerReader::new(context);
    let closed = ClosedDeals::new(context, &window);
    let mut out = Vec::new();
    let open: Vec<&Deal> = context.current().open_deals().collect();
    out.extend(mix(
        context,
        &reader,
        &open,
        "mix_open",
        &format!("open deals of the snapshot of {}", context.current().as_of),
    ));
    out.extend(mix(
        context,
        &reader,
        &closed.won,
        "mix_won",
        &format!(
            "won deals of the snapshot of {} with a close date in {}",
            context.current().as_of,
            window.words()
        ),
    ));
    for with_partner in [true, false] {
        let group = Group {
            with_partner,
            won: partition(&reader, &closed.won, with_partner),
            lost: partition(&reader, &closed.lost, with_partner),
        };
        out.extend(win_rates(context, &reader, &window, &closed, &group));
        out.push(cycle(context, &reader, &window, &closed, &group));
    }
    out
}

/// How a deal involves a partner.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Involvement {
    Sourced,
    Influenced,
    None,
}

impl Involvement {
    const ALL: [Involvement; 3] = [
        Involvement::Sourced,
        Involvement::Influenced,
        Involvement::None,
    ];

    fn key(self) -> &'static str {
        match self {
            Involvement::Sourced => "partner_sourced",
            Involvement::Influenced => "partner_influenced",
            Involvement::None => "no_partner",
        }
    }

    fn label(self) -> &'static str {
        match self {
            Involvement::Sourced => "Partner-sourced",
            Involvement::Influenced => "Partner-influenced",
            Involvement::None => "No partner",
        }
    }

    /// The field whose row shows the involvement.
    fn field(self) -> &'static str {
        match self {
            Involvement::Sourced | Involvement::None => "lead_source",
            Involvement::Influenced => "partner",
        }
    }
}

/// Reads partner involvement with the settings and what the snapshot carries.
struct PartnerReader<'s> {
    partner_sources: &'s [String],
    /// Whether any deal of the current snapshot has its partner field filled.
    has_partner_field: bool,
}

impl<'s> PartnerReader<'s> {
    fn new(context: &'s Context) -> PartnerReader<'s> {
        PartnerReader {
            partner_sources: &context.settings.partner_lead_sources,
            has_partner_field: context
                .current()
                .deals
                .iter()
                .any(|deal| partner(deal.opp).is_some()),
        }
    }

    fn is_partner_source(&self, source: &str) -> bool {
        if self.partner_sources.is_empty() {
            return source
                .split(|c: char| !c.is_alphanumeric())
                .any(|word| word.eq_ignore_ascii_case("partner"));
        }
        let source = source.to_lowercase();
        self.partner_sources
            .iter()
            .any(|wanted| wanted.trim().to_lowercase() == source)
    }

    fn of(&self, opp: &Opportunity) -> Involvement {
        if lead_source(opp).is_some_and(|source| self.is_partner_source(source)) {
            Involvement::Sourced
        } else if partner(opp).is_some() {
            Involvement::Influenced
        } else {
            Involvement::None
        }
    }

    /// The sourced rule, in words.
    fn sourced_words(&self) -> String {
        if self.partner_sources.is_empty() {
            "partner-sourced = lead source containing the word \"partner\"".to_string()
        } else {
            format!(
                "partner-sourced = lead source one of {} (setting partner_lead_sources)",
                self.partner_sources.join(", ")
            )
        }
    }

    /// What the population descriptions say about how involvement was read.
    fn rule_words(&self) -> String {
        format!(
            "{}; partner-influenced = partner field filled and not partner-sourced; with a partner = either",
            self.sourced_words()
        )
    }

    /// Said when the snapshot has no partner field.
    fn no_field_words(&self) -> &'static str {
        if self.has_partner_field {
            ""
        } else {
            " No deal of the snapshot has the partner field filled (the export has no partner column, or it is empty on every deal), so no deal is read as partner-influenced."
        }
    }
}

fn partner(opp: &Opportunity) -> Option<&str> {
    opp.partner
        .as_deref()
        .map(str::trim)
        .filter(|partner| !partner.is_empty())
}

fn pipeline_subject(id: &str, label: String) -> Subject {
    Subject {
        kind: SubjectKind::Pipeline,
        id: id.to_string(),
        label,
    }
}

/// Count and amount of `deals` per involvement.
fn mix(
    context: &Context,
    reader: &PartnerReader,
    deals: &[&Deal],
    measure: &str,
    deals_words: &str,
) -> Vec<Insight> {
    let mut groups: [(Vec<&Deal>, Tally, f64); 3] = Default::default();
    for deal in deals {
        let slot = match reader.of(deal.opp) {
            Involvement::Sourced => 0,
            Involvement::Influenced => 1,
            Involvement::None => 2,
        };
        let (list, tally, amount) = &mut groups[slot];
        list.push(deal);
        tally.add_money(context.money(deal.opp), amount);
    }
    let total: f64 = groups.iter().map(|(_, _, amount)| amount).sum();
    let currency = context.currency.as_deref();
    Involvement::ALL
        .into_iter()
        .zip(groups)
        .map(|(involvement, (list, tally, amount))| {
            let n = list.len();
            let share_of_deals = if deals.is_empty() {
                String::new()
            } else {
                format!(" ({})", percent(n as f64 / deals.len() as f64))
            };
            let share_of_amount = if total > 0.0 {
                format!(
                    " ({} of the {} counted)",
                    percent(amount / total),
                    money(total, currency)
                )
            } else {
                String::new()
            };
            let note = if involvement == Involvement::Influenced {
                reader.no_field_words()
            } else {
                ""
            };
            Insight {
                key: format!("plays.{measure}.{}", involvement.key()),
                module: Module::Plays,
                measure: measure.to_string(),
                subject: pipeline_subject(involvement.key(), involvement.label().to_string()),
                value: Some(amount),
                unit: context.money_unit(),
                reference: None,
                period: None,
                population: tally.population(format!(
                    "{} of the {deals_words} ({})",
                    involvement.label().to_lowercase(),
                    reader.rule_words()
                )),
                formula: "count of the deals with this partner involvement, and the sum of their amounts; shares of all the deals and of the amount counted over all of them".into(),
                text: format!(
                    "{}: {} of the {} {deals_words}{share_of_deals}, {}{share_of_amount}.{note}",
                    involvement.label(),
                    n,
                    deals.len(),
                    money(amount, currency)
                ),
                evidence: list
                    .iter()
                    .map(|deal| field_evidence(context, deal, involvement.field()))
                    .collect(),
            }
        })
        .collect()
}

/// The closed deals of the window with or without a partner.
struct Group<'c, 'a> {
    with_partner: bool,
    won: Vec<&'c Deal<'a>>,
    lost: Vec<&'c Deal<'a>>,
}

impl Group<'_, '_> {
    fn key(&self) -> &'static str {
        if self.with_partner {
            "with_partner"
        } else {
            "without_partner"
        }
    }

    fn words(&self) -> &'static str {
        if self.with_partner {
            "with a partner"
        } else {
            "without a partner"
        }
    }

    /// The note on a missing partner field, for the group with a partner (the one it affects).
    fn no_field_words(&self, reader: &PartnerReader) -> &'static str {
        if self.with_partner {
            reader.no_field_words()
        } else {
            ""
        }
    }

    fn subject(&self) -> Subject {
        let label = if self.with_partner {
            "Deals with a partner"
        } else {
            "Deals without a partner"
        };
        pipeline_subject(self.key(), label.to_string())
    }
}

fn partition<'c, 'a>(
    reader: &PartnerReader,
    deals: &[&'c Deal<'a>],
    with_partner: bool,
) -> Vec<&'c Deal<'a>> {
    deals
        .iter()
        .copied()
        .filter(|deal| (reader.of(deal.opp) != Involvement::None) == with_partner)
        .collect()
}

/// Win rate by count and by value of one group.
fn win_rates(
    context: &Context,
    reader: &PartnerReader,
    window: &Window,
    closed: &ClosedDeals,
    group: &Group,
) -> [Insight; 2] {
    let currency = context.currency.as_deref();
    let rates = WinRates::of(context, &group.won, &group.lost);
    let (won, lost) = (rates.won, rates.lost);
    let description = format!(
        "won and lost deals {} of the snapshot of {} with a close date in {} ({}); \"no decision\" counts as lost where the export or mapping marks it lost",
        group.words(),
        context.current().as_of,
        window.words(),
        reader.rule_words()
    );
    let count_text = match rates.count_rate() {
        Some(rate) => format!(
            "Win rate {} by count for deals {}: {won} won of {} closed in {}.",
            percent(rate),
            group.words(),
            won + lost,
            window.words()
        ),
        None => format!(
            "Win rate by count for deals {} is undefined: no deal {} closed won or lost in {}.{}",
            group.words(),
            group.words(),
            window.words(),
            group.no_field_words(reader)
        ),
    };
    let value_text = match rates.value_rate() {
        Some(rate) => format!(
            "Win rate {} by value for deals {}: {} won of {} closed in {}.",
            percent(rate),
            group.words(),
            money(rates.won_amount, currency),
            money(rates.closed_amount(), currency),
            window.words()
        ),
        None => format!(
            "Win rate by value for deals {} is undefined: the closed amount in {} is {} (no won or lost deal {} with an amount in the reporting currency).{}",
            group.words(),
            window.words(),
            money(rates.closed_amount(), currency),
            group.words(),
            group.no_field_words(reader)
        ),
    };
    let mut value_population = Population {
        description: description.clone(),
        n: rates.n_amounts(),
        excluded: closed.excluded(),
    };
    value_population.add_excluded(rates.amount_exclusions());
    let closed_rows = |field: &str| -> Vec<EvidenceRef> {
        group
            .won
            .iter()
            .chain(&group.lost)
            .map(|deal| field_evidence(context, deal, field))
            .collect()
    };
    let insight = |measure: &str, value, population, formula: &str, text, evidence| Insight {
        key: format!("plays.{measure}.{}", group.key()),
        module: Module::Plays,
        measure: measure.to_string(),
        subject: group.subject(),
        value,
        unit: Unit::Ratio,
        reference: None,
        period: Some(window.period()),
        population,
        formula: formula.to_string(),
        text,
        evidence,
    };
    [
        insight(
            "win_rate_count",
            rates.count_rate(),
            Population {
                description,
                n: won + lost,
                excluded: closed.excluded(),
            },
            "won ÷ (won + lost) over the deals of the group",
            count_text,
            closed_rows("status"),
        ),
        insight(
            "win_rate_value",
            rates.value_rate(),
            value_population,
            "won amount ÷ closed (won + lost) amount over the deals of the group",
            value_text,
            closed_rows("amount"),
        ),
    ]
}

/// The sales cycle of the won deals of one group.
fn cycle(
    context: &Context,
    reader: &PartnerReader,
    window: &Window,
    closed: &ClosedDeals,
    group: &Group,
) -> Insight {
    let cycles = Cycles::of(group.won.iter().copied());
    let quartiles = Quartiles::of_sorted(&cycles.days);
    let mut population = cycles.tally.population(format!(
        "won deals {} of the snapshot of {} with a close date in {} ({})",
        group.words(),
        context.current().as_of,
        window.words(),
        reader.rule_words()
    ));
    population.add_excluded(closed.excluded());
    let text = match &quartiles {
        Some(quartiles) => format!(
            "Sales cycle of won deals {} closed in {}: {}.",
            group.words(),
            window.words(),
            quartile_words(quartiles, days_text)
        ),
        None => format!(
            "Sales cycle of won deals {} is undefined: no won deal {} with a created date closed in {}.{}",
            group.words(),
            group.words(),
            window.words(),
            group.no_field_words(reader)
        ),
    };
    Insight {
        key: format!("plays.cycle_length_won.{}", group.key()),
        module: Module::Plays,
        measure: "cycle_length_won".into(),
        subject: group.subject(),
        value: quartiles.map(|q| q.p50),
        unit: Unit::Days,
        reference: None,
        period: Some(window.period()),
        population,
        formula: "close date − created date in days, per won deal; 25th, 50th and 75th percentiles interpolated between order statistics (type 7)".into(),
        text,
        evidence: cycle_evidence(context, group.won.iter().copied()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn partner_sources_default_to_the_word_partner() {
        let reader = PartnerReader {
            partner_sources: &[],
            has_partner_field: true,
        };
        assert!(reader.is_partner_source("Partner"));
        assert!(reader.is_partner_source("Partner Referral"));
        assert!(reader.is_partner_source("channel-partner"));
        assert!(!reader.is_partner_source("Partnership event"));
        assert!(!reader.is_partner_source("Web"));
        let listed = ["Channel".to_string()];
        let reader = PartnerReader {
            partner_sources: &listed,
            has_partner_field: true,
        };
        assert!(reader.is_partner_source("channel"));
        assert!(!reader.is_partner_source("Partner"));
    }
}
