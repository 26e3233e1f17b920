//! Tests of module 7, territory and coverage, and module 8, plays and partners, on small fixtures
//! whose expected values were worked out by hand (the arithmetic is in the comments): ramp weights
//! from the users export and from a rep's first deal, capacity split by segment (a segment read
//! from the accounts export), targets matched without case, a segment with no target, a target for
//! a segment without deals, coverage by segment and by lead source; partner-sourced and
//! partner-influenced mixes, win rates and cycles with and without a partner, and an export with no
//! partner field at all.

use chrono::NaiveDate;
use lens_core::import::{ImportOptions, TableKind, import_file};
use lens_core::insight::{
    Added, Analysis, Dataset, FileRows, Insight, Module, Reference, SegmentTarget, Settings,
    analyze, lexicon,
};
use lens_core::model::{Account, DealStatus, Opportunity, Snapshot, SourceRef, User};

fn date(text: &str) -> NaiveDate {
    text.parse().unwrap()
}

/// A deal of `owner` (none for "") in `segment` (none for ""), with an amount and a close date.
fn deal(
    id: &str,
    owner: &str,
    status: DealStatus,
    segment: &str,
    amount: f64,
    close: &str,
    line: u64,
) -> Opportunity {
    Opportunity {
        id: id.into(),
        name: format!("Deal {id}").into(),
        owner: (!owner.is_empty())
            .then(|| owner.to_string())
            .map(Into::into),
        segment: (!segment.is_empty())
            .then(|| segment.to_string())
            .map(Into::into),
        status,
        amount: Some(amount),
        close_date: Some(date(close)),
        created_date: Some(date("2025-12-01")),
        source: SourceRef { line },
        ..Default::default()
    }
}

fn with_lead_source(opp: Opportunity, source: &str) -> Opportunity {
    Opportunity {
        lead_source: Some(source.into()),
        ..opp
    }
}

fn user(id: &str, name: &str, start: &str, line: u64) -> User {
    User {
        id: id.to_string(),
        name: Some(name.to_string()),
        manager_id: None,
        role_id: None,
        is_active: Some(true),
        start_date: Some(date(start)),
        source: SourceRef { line },
    }
}

fn dataset(opportunities: Vec<Opportunity>) -> Dataset {
    Dataset {
        snapshots: vec![Snapshot {
            as_of: date("2026-11-13"),
            source_file: "opportunities.csv".into(),
            opportunities,
        }],
        ..Default::default()
    }
}

fn run(dataset: &Dataset, settings: &Settings) -> Analysis {
    let analysis = analyze(dataset, settings).unwrap();
    let broken = lexicon::broken_rules(&analysis);
    assert!(broken.is_empty(), "{}", broken.join("\n"));
    analysis
}

fn find<'a>(analysis: &'a Analysis, key: &str) -> &'a Insight {
    analysis
        .insights()
        .find(|insight| insight.key == key)
        .unwrap_or_else(|| {
            let keys: Vec<&str> = analysis.insights().map(|i| i.key.as_str()).collect();
            panic!("no insight {key}; keys: {keys:#?}")
        })
}

fn keys(analysis: &Analysis, module: Module) -> Vec<&str> {
    analysis
        .insights()
        .filter(|insight| insight.module == module)
        .map(|insight| insight.key.as_str())
        .collect()
}

#[track_caller]
fn assert_value(insight: &Insight, expected: f64) {
    assert!(
        insight
            .value
            .is_some_and(|value| (value - expected).abs() < 1e-9),
        "{}: {:?}, expected {expected}",
        insight.key,
        insight.value
    );
}

// ---------------------------------------------------------------------------------------------
// Territory & coverage.

/// As of 2026-11-13 (period Q4 2026, 2026-10-01 to 2026-12-31):
/// - Alice (users export: started 2026-08-13, 3 months): A1 open Enterprise 300 (in period, Web),
///   A2 open SMB 100 (after the period, Partner), A3 won Enterprise 400 (in period, Web).
/// - Bob (started 2020-01-01): B1 open Enterprise 500 (Partner), B2 open 50 whose account ACC1 is SMB
///   in the accounts export (Web), B3 won SMB 150 (no lead source).
/// - Carol (no user; first deal created 2026-10-20, 0 months): C1 open Mid-Market 80.
/// - N1, no owner: open Enterprise 70 (Web).
fn territory_fixture() -> Dataset {
    use DealStatus::{Open, Won};
    let mut carol = deal("C1", "Carol", Open, "Mid-Market", 80.0, "2026-12-20", 8);
    carol.created_date = Some(date("2026-10-20"));
    let mut b2 = with_lead_source(deal("B2", "Bob", Open, "", 50.0, "2026-12-15", 6), "Web");
    b2.account_id = Some("ACC1".into());
    let mut dataset = dataset(vec![
        with_lead_source(
            deal("A1", "Alice", Open, "Enterprise", 300.0, "2026-12-01", 2),
            "Web",
        ),
        with_lead_source(
            deal("A2", "Alice", Open, "SMB", 100.0, "2027-02-01", 3),
            "Partner",
        ),
        with_lead_source(
            deal("A3", "Alice", Won, "Enterprise", 400.0, "2026-10-15", 4),
            "Web",
        ),
        with_lead_source(
            deal("B1", "Bob", Open, "Enterprise", 500.0, "2026-11-30", 5),
            "Partner",
        ),
        b2,
        deal("B3", "Bob", Won, "SMB", 150.0, "2026-10-20", 7),
        carol,
        with_lead_source(
            deal("N1", "", Open, "Enterprise", 70.0, "2026-12-10", 9),
            "Web",
        ),
    ]);
    dataset.users = vec![
        user("U1", "Alice", "2026-08-13", 2),
        user("U2", "Bob", "2020-01-01", 3),
    ];
    dataset.accounts = vec![FileRows {
        source_file: "accounts.csv".into(),
        rows: vec![Account {
            id: "ACC1".into(),
            name: Some("Acme".into()),
            industry: None,
            segment: Some("SMB".into()),
            country: None,
            owner: None,
            account_type: None,
            parent_id: None,
            created_date: None,
            source: SourceRef { line: 2 },
        }],
    }];
    dataset
}

fn territory_settings() -> Settings {
    Settings {
        plan: Some(1000.0),
        ramp_months: 6,
        segment_targets: vec![
            SegmentTarget {
                segment: "Enterprise".into(),
                target: 1000.0,
            },
            // Matched without case.
            SegmentTarget {
                segment: "smb".into(),
                target: 200.0,
            },
            // No deal is in this segment.
            SegmentTarget {
                segment: "Public Sector".into(),
                target: 500.0,
            },
        ],
        ..Settings::new(date("2026-11-13"))
    }
}

#[test]
fn capacity_with_ramp_from_the_users_export_and_from_the_first_deal() {
    let analysis = run(&territory_fixture(), &territory_settings());
    // Weights: Alice 3 ÷ 6 = 0.5, Bob 1, Carol 0 ÷ 6 = 0 (2026-10-20 to 2026-11-13 is no whole month).
    let team = find(&analysis, "territory.capacity.team");
    assert_value(team, 1.5);
    assert_eq!(team.population.n, 3);
    assert_eq!(team.population.excluded[0].n, 1);
    assert_eq!(
        team.text,
        "3 reps own the open deals of the snapshot of 2026-11-13 and its deals closed (won or lost) with a close date in the 365 days to 2026-11-13 (2025-11-14 to 2026-11-13). 1 deal without an owner is left out. With a ramp of 6 months (setting ramp_months), 2 reps started less than 6 months before the as-of date; capacity is 1.5 rep-equivalents (a rep in ramp counts months since start ÷ 6)."
    );
    let alice = find(&analysis, "territory.months_since_start.Alice");
    assert_value(alice, 3.0);
    assert_eq!(
        alice.text,
        "Started 2026-08-13, 3 months before the as-of date 2026-11-13 (start date in the users export, line 2). Within the 6 months of ramp (setting ramp_months): counts as 3 ÷ 6 = 0.5 of a rep. Deals: 2 open, 1 closed in the window."
    );
    let carol = find(&analysis, "territory.months_since_start.Carol");
    assert_value(carol, 0.0);
    assert!(carol.text.starts_with("First deal created 2026-10-20, 0 months before the as-of date 2026-11-13 (the earliest created date among the rep's deals"));
    // Carol's row and the row that dates her first deal.
    assert_eq!(carol.evidence.len(), 2);
    assert_eq!(carol.evidence[1].field.as_deref(), Some("created_date"));
    assert_value(find(&analysis, "territory.months_since_start.Bob"), 82.0);
}

#[test]
fn ramp_not_applied_counts_every_rep_in_full() {
    let settings = Settings {
        ramp_months: 0,
        ..territory_settings()
    };
    let analysis = run(&territory_fixture(), &settings);
    let team = find(&analysis, "territory.capacity.team");
    assert_value(team, 3.0);
    assert!(
        team.text
            .ends_with("Ramp is not applied (setting ramp_months = 0), so capacity is 3 reps.")
    );
    assert_eq!(team.reference, None);
}

#[test]
fn capacity_target_and_coverage_by_segment() {
    let analysis = run(&territory_fixture(), &territory_settings());
    // Alice's 3 deals: 2 Enterprise, 1 SMB → 0.5 × 2/3 and 0.5 × 1/3; Bob's: 1 Enterprise, 2 SMB
    // (B2 by its account) → 1/3 and 2/3; Carol's: Mid-Market × 0.
    let enterprise = find(&analysis, "territory.capacity.Enterprise");
    assert_value(enterprise, 2.0 / 3.0);
    assert_value(find(&analysis, "territory.capacity.SMB"), 5.0 / 6.0);
    assert_value(find(&analysis, "territory.capacity.Mid-Market"), 0.0);
    // Targets per rep-equivalent: 1000 ÷ 2/3 = 1500; 200 ÷ 5/6 = 240.
    assert_eq!(
        enterprise.reference,
        Some(Reference::Setting {
            name: "segment_targets".into(),
            value: 1000.0
        })
    );
    assert_eq!(
        enterprise.text,
        "Enterprise: capacity 0.67 rep-equivalents (2 of 3 reps own deals in Enterprise; each rep counts its ramp weight × its share of deals in Enterprise); target 1,000 ÷ 0.67 = 1,500 per rep-equivalent."
    );
    assert_eq!(enterprise.population.n, 3);
    assert!(
        find(&analysis, "territory.capacity.SMB")
            .text
            .ends_with("target 200 ÷ 0.83 = 240 per rep-equivalent.")
    );

    // Coverage: Enterprise (300 + 500 + 70) ÷ (1000 − 400) = 1.45; SMB 50 ÷ (200 − 150) = 1.
    let coverage = find(&analysis, "territory.pipeline_coverage.Enterprise");
    assert_value(coverage, 1.45);
    assert_eq!(coverage.population.n, 4);
    assert_eq!(
        coverage.text,
        "Enterprise: coverage 1.45×: open pipeline 870 ÷ (target 1,000 − closed won 400)."
    );
    assert_value(find(&analysis, "territory.pipeline_coverage.SMB"), 1.0);

    // A segment with no target: undefined, and the text says so.
    let mid = find(&analysis, "territory.pipeline_coverage.Mid-Market");
    assert_eq!(mid.value, None);
    assert_eq!(
        mid.text,
        "Mid-Market: coverage is undefined: no target is set for Mid-Market (setting segment_targets); open pipeline 80 and closed won 0 in the period."
    );
    let mid_capacity = find(&analysis, "territory.capacity.Mid-Market");
    assert_eq!(mid_capacity.reference, None);
    assert!(mid_capacity.text.ends_with(
        "no target is set for Mid-Market (setting segment_targets), so there is no target per rep-equivalent."
    ));

    // A target for a segment without deals: capacity 0, no target per rep-equivalent, coverage 0.
    let public = find(&analysis, "territory.capacity.Public Sector");
    assert_value(public, 0.0);
    assert!(
        public
            .text
            .ends_with("target 500; no target per rep-equivalent, as the capacity is 0.")
    );
    assert_value(
        find(&analysis, "territory.pipeline_coverage.Public Sector"),
        0.0,
    );

    // Segments by name.
    let segments: Vec<&str> = analysis
        .insights()
        .filter(|i| i.measure == "capacity" && i.subject.id != "all")
        .map(|i| i.subject.id.as_str())
        .collect();
    assert_eq!(
        segments,
        ["Enterprise", "Mid-Market", "Public Sector", "SMB"]
    );
}

#[test]
fn coverage_by_lead_source_adds_up_to_the_cockpits() {
    let analysis = run(&territory_fixture(), &territory_settings());
    // Plan 1000 − closed won in period (400 + 150) = 450. Web 300 + 50 + 70 = 420; Partner 500
    // (A2 closes after the period); no lead source: C1 80.
    let web = find(&analysis, "territory.pipeline_coverage_lead_source.Web");
    assert_value(web, 420.0 / 450.0);
    assert_eq!(
        web.text,
        "Web: coverage 0.93×: open pipeline 420 ÷ (plan 1,000 − closed won 550), the part of the coverage from Web."
    );
    assert_value(
        find(&analysis, "territory.pipeline_coverage_lead_source.Partner"),
        500.0 / 450.0,
    );
    let none = find(
        &analysis,
        "territory.pipeline_coverage_lead_source.(no lead source)",
    );
    assert_value(none, 80.0 / 450.0);
    let sources: Vec<&str> = analysis
        .insights()
        .filter(|i| i.measure == "pipeline_coverage_lead_source")
        .map(|i| i.subject.id.as_str())
        .collect();
    assert_eq!(sources, ["Partner", "Web", "(no lead source)"]);
    let sum: f64 = analysis
        .insights()
        .filter(|i| i.measure == "pipeline_coverage_lead_source")
        .filter_map(|i| i.value)
        .sum();
    assert_value(find(&analysis, "cockpit.pipeline_coverage.pipeline"), sum);

    // The cockpit's sentence, from the same shared arithmetic: 1000 ÷ (1000 − 550).
    assert_eq!(
        find(&analysis, "cockpit.pipeline_coverage.pipeline").text,
        "Coverage 2.22×: open pipeline 1,000 ÷ (plan 1,000 − closed won 550)."
    );
    let settings = Settings {
        plan: Some(500.0),
        ..territory_settings()
    };
    let analysis = run(&territory_fixture(), &settings);
    assert_eq!(
        find(&analysis, "cockpit.pipeline_coverage.pipeline").text,
        "Coverage is undefined: closed won 550 is at or above the plan of 500, so plan − closed won is −50."
    );
    assert_eq!(
        find(&analysis, "territory.pipeline_coverage_lead_source.Web").text,
        "Web: coverage is undefined: closed won 550 is at or above the plan of 500, so plan − closed won is −50; open pipeline from Web in the period is 420."
    );

    // Without a plan: undefined, and the text says so.
    let settings = Settings {
        plan: None,
        ..territory_settings()
    };
    let analysis = run(&territory_fixture(), &settings);
    let web = find(&analysis, "territory.pipeline_coverage_lead_source.Web");
    assert_eq!(web.value, None);
    assert_eq!(
        web.text,
        "Web: coverage is undefined: no plan is set; open pipeline from Web in the period is 420."
    );
}

#[test]
fn a_target_that_is_not_an_amount_is_refused() {
    let settings = Settings {
        segment_targets: vec![SegmentTarget {
            segment: "SMB".into(),
            target: f64::NAN,
        }],
        ..Settings::new(date("2026-11-13"))
    };
    let error = analyze(&territory_fixture(), &settings).unwrap_err();
    assert_eq!(
        error.to_string(),
        "setting segment_targets: the target of SMB (NaN) is not an amount"
    );
}

#[test]
fn no_segment_and_no_target_gives_one_insight() {
    use DealStatus::Open;
    let analysis = run(
        &dataset(vec![deal("A1", "Alice", Open, "", 100.0, "2026-12-01", 2)]),
        &Settings::new(date("2026-11-13")),
    );
    let territory = keys(&analysis, Module::Territory);
    assert_eq!(
        territory,
        [
            "territory.capacity.team",
            "territory.months_since_start.Alice",
            "territory.segments.pipeline",
            "territory.pipeline_coverage_lead_source.(no lead source)",
        ]
    );
    assert_eq!(find(&analysis, "territory.segments.pipeline").value, None);
}

#[test]
fn user_start_dates_are_read_from_the_users_export() {
    let csv = "\"Id\",\"Name\",\"ManagerId\",\"UserRoleId\",\"IsActive\",\"StartDate__c\"\n\
               \"005A\",\"Karen Nguyen\",\"005M\",\"00E1\",\"1\",\"2024-05-05 00:00:00\"\n";
    let report = import_file("User.csv", csv.as_bytes(), &ImportOptions::default()).unwrap();
    assert_eq!(report.format.kind, TableKind::Users);
    let mut dataset = Dataset::default();
    assert_eq!(dataset.add(report, date("2026-11-13")), Added::Users);
    assert_eq!(dataset.users[0].start_date, Some(date("2024-05-05")));
}

// ---------------------------------------------------------------------------------------------
// Plays & partners.

/// Closed in the window (won W, lost L), with lead source and partner:
/// - P1 W 100 "Partner Referral" + Acme (sourced), 60 days; P4 L 100 "Partner" (sourced);
/// - P2 L 50 Web + Acme (influenced); P6 W 300 Web + Beta (influenced), 30 days;
/// - P3 W 200 Web (none), 30 days; P5 L 100 Event (none).
///
/// Open: O1 1000 "Partner Referral" (sourced), O2 500 Web + Acme (influenced), O3 250 Web (none).
fn plays_fixture() -> Dataset {
    use DealStatus::{Lost, Open, Won};
    let closed = |id: &str,
                  status,
                  amount,
                  source: &str,
                  partner: &str,
                  created: &str,
                  close: &str,
                  line| {
        Opportunity {
            partner: (!partner.is_empty())
                .then(|| partner.to_string())
                .map(Into::into),
            created_date: Some(date(created)),
            ..with_lead_source(deal(id, "Alice", status, "", amount, close, line), source)
        }
    };
    dataset(vec![
        closed(
            "P1",
            Won,
            100.0,
            "Partner Referral",
            "Acme",
            "2026-01-01",
            "2026-03-02",
            2,
        ),
        closed(
            "P2",
            Lost,
            50.0,
            "Web",
            "Acme",
            "2026-01-01",
            "2026-03-02",
            3,
        ),
        closed("P3", Won, 200.0, "Web", "", "2026-01-01", "2026-01-31", 4),
        closed(
            "P4",
            Lost,
            100.0,
            "Partner",
            "",
            "2026-01-01",
            "2026-03-02",
            5,
        ),
        closed(
            "P5",
            Lost,
            100.0,
            "Event",
            "",
            "2026-01-01",
            "2026-03-02",
            6,
        ),
        closed(
            "P6",
            Won,
            300.0,
            "Web",
            "Beta",
            "2026-02-01",
            "2026-03-03",
            7,
        ),
        closed(
            "O1",
            Open,
            1000.0,
            "Partner Referral",
            "",
            "2026-09-01",
            "2026-12-01",
            8,
        ),
        closed(
            "O2",
            Open,
            500.0,
            "Web",
            "Acme",
            "2026-09-01",
            "2026-12-01",
            9,
        ),
        closed("O3", Open, 250.0, "Web", "", "2026-09-01", "2026-12-01", 10),
    ])
}

#[test]
fn sourced_and_influenced_mix() {
    let analysis = run(&plays_fixture(), &Settings::new(date("2026-11-13")));
    let sourced = find(&analysis, "plays.mix_open.partner_sourced");
    assert_value(sourced, 1000.0);
    assert_eq!(
        sourced.text,
        "Partner-sourced: 1 of the 3 open deals of the snapshot of 2026-11-13 (33.3%), 1,000 (57.1% of the 1,750 counted)."
    );
    assert_eq!(sourced.evidence[0].field.as_deref(), Some("lead_source"));
    let influenced = find(&analysis, "plays.mix_open.partner_influenced");
    assert_value(influenced, 500.0);
    assert_eq!(influenced.evidence[0].field.as_deref(), Some("partner"));
    assert_eq!(influenced.evidence[0].new_value.as_deref(), Some("Acme"));
    assert_value(find(&analysis, "plays.mix_open.no_partner"), 250.0);
    // Won in the window: P1 sourced 100, P6 influenced 300, P3 none 200.
    assert_value(find(&analysis, "plays.mix_won.partner_sourced"), 100.0);
    assert_value(find(&analysis, "plays.mix_won.partner_influenced"), 300.0);
    assert_value(find(&analysis, "plays.mix_won.no_partner"), 200.0);
}

#[test]
fn win_rates_and_cycles_with_and_without_a_partner() {
    let analysis = run(&plays_fixture(), &Settings::new(date("2026-11-13")));
    // With a partner: P1 W, P6 W, P2 L, P4 L → 2 of 4; value (100 + 300) ÷ 550.
    let with = find(&analysis, "plays.win_rate_count.with_partner");
    assert_value(with, 0.5);
    assert_eq!(with.population.n, 4);
    assert_value(
        find(&analysis, "plays.win_rate_value.with_partner"),
        400.0 / 550.0,
    );
    // Without: P3 W, P5 L → 1 of 2; value 200 ÷ 300.
    assert_value(find(&analysis, "plays.win_rate_count.without_partner"), 0.5);
    assert_value(
        find(&analysis, "plays.win_rate_value.without_partner"),
        200.0 / 300.0,
    );
    // Cycles of won deals: with [30, 60] → p25 37.5, p50 45, p75 52.5; without [30].
    let cycle = find(&analysis, "plays.cycle_length_won.with_partner");
    assert_value(cycle, 45.0);
    assert_eq!(
        cycle.text,
        "Sales cycle of won deals with a partner closed in the 365 days to 2026-11-13 (2025-11-14 to 2026-11-13): median 45 days (p25 37.5 days, p75 52.5 days; n = 2)."
    );
    assert_value(
        find(&analysis, "plays.cycle_length_won.without_partner"),
        30.0,
    );

    // A setting naming the partner sources: "Event" only, so P1 and P4 are no longer sourced (P1
    // stays with a partner through its partner field) and P5 is.
    let settings = Settings {
        partner_lead_sources: vec!["event".into()],
        ..Settings::new(date("2026-11-13"))
    };
    let analysis = run(&plays_fixture(), &settings);
    // With a partner: P1 W (influenced), P2 L, P5 L (sourced), P6 W → 2 of 4; without: P3 W, P4 L.
    assert_value(find(&analysis, "plays.win_rate_count.with_partner"), 0.5);
    assert_value(find(&analysis, "plays.mix_won.partner_sourced"), 0.0);
    assert_value(find(&analysis, "plays.mix_won.partner_influenced"), 400.0);
}

#[test]
fn no_partner_field_at_all_leaves_the_partner_group_undefined() {
    use DealStatus::{Lost, Open, Won};
    let analysis = run(
        &dataset(vec![
            with_lead_source(deal("W1", "Alice", Won, "", 100.0, "2026-03-01", 2), "Web"),
            with_lead_source(
                deal("L1", "Alice", Lost, "", 100.0, "2026-03-01", 3),
                "Event",
            ),
            deal("O1", "Alice", Open, "", 100.0, "2026-12-01", 4),
        ]),
        &Settings::new(date("2026-11-13")),
    );
    let with = find(&analysis, "plays.win_rate_count.with_partner");
    assert_eq!(with.value, None);
    assert_eq!(with.population.n, 0);
    assert_eq!(
        with.text,
        "Win rate by count for deals with a partner is undefined: no deal with a partner closed won or lost in the 365 days to 2026-11-13 (2025-11-14 to 2026-11-13). No deal of the snapshot has the partner field filled (the export has no partner column, or it is empty on every deal), so no deal is read as partner-influenced."
    );
    assert_eq!(
        find(&analysis, "plays.win_rate_value.with_partner").value,
        None
    );
    assert_eq!(
        find(&analysis, "plays.cycle_length_won.with_partner").value,
        None
    );
    let without = find(&analysis, "plays.win_rate_count.without_partner");
    assert_value(without, 0.5);
    assert!(!without.text.contains("partner field"));
    let influenced = find(&analysis, "plays.mix_open.partner_influenced");
    assert_value(influenced, 0.0);
    assert!(
        influenced
            .text
            .contains("no deal is read as partner-influenced")
    );
    assert_value(find(&analysis, "plays.mix_open.no_partner"), 100.0);
}
