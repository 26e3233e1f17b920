//! The canonical fields of each kind of table Lens reads, with the header names that mean them.
//!
//! Header names are compared after [`normalize`] (lower case, letters and digits only, a custom
//! field's `__c` suffix dropped), so "Opportunity Owner", "opportunity_owner" and
//! "OpportunityOwner" are the same name. A synonym list covers the labels and API names of
//! Salesforce, HubSpot and Dynamics 365, common snake_case exports, and a few localised
//! Salesforce labels; anything else is named in a mapping file.

use serde::{Deserialize, Serialize};

/// The kinds of table an import can hold.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum TableKind {
    Opportunities,
    /// Salesforce OpportunityHistory: one row per change, holding the new values of all tracked fields.
    OpportunityHistory,
    /// Salesforce OpportunityFieldHistory: one row per changed field, with old and new value.
    FieldHistory,
    Accounts,
    Users,
    Roles,
    Subscriptions,
    Usage,
    Tickets,
    ChurnEvents,
    ProgramMilestones,
    ExperimentAssignments,
}

impl TableKind {
    pub const ALL: [TableKind; 12] = [
        TableKind::Opportunities,
        TableKind::OpportunityHistory,
        TableKind::FieldHistory,
        TableKind::Accounts,
        TableKind::Users,
        TableKind::Roles,
        TableKind::Subscriptions,
        TableKind::Usage,
        TableKind::Tickets,
        TableKind::ChurnEvents,
        TableKind::ProgramMilestones,
        TableKind::ExperimentAssignments,
    ];

    pub fn label(self) -> &'static str {
        match self {
            TableKind::Opportunities => "opportunities",
            TableKind::OpportunityHistory => "opportunity history",
            TableKind::FieldHistory => "opportunity field history",
            TableKind::Accounts => "accounts",
            TableKind::Users => "users",
            TableKind::Roles => "roles",
            TableKind::Subscriptions => "subscriptions",
            TableKind::Usage => "usage series",
            TableKind::Tickets => "support tickets",
            TableKind::ChurnEvents => "churn events",
            TableKind::ProgramMilestones => "program milestones",
            TableKind::ExperimentAssignments => "experiment assignments",
        }
    }

    /// The name used in mapping files (`kind = "opportunities"`).
    pub fn key(self) -> &'static str {
        match self {
            TableKind::Opportunities => "opportunities",
            TableKind::OpportunityHistory => "opportunity_history",
            TableKind::FieldHistory => "field_history",
            TableKind::Accounts => "accounts",
            TableKind::Users => "users",
            TableKind::Roles => "roles",
            TableKind::Subscriptions => "subscriptions",
            TableKind::Usage => "usage",
            TableKind::Tickets => "tickets",
            TableKind::ChurnEvents => "churn_events",
            TableKind::ProgramMilestones => "program_milestones",
            TableKind::ExperimentAssignments => "experiment_assignments",
        }
    }

    pub fn from_key(key: &str) -> Option<TableKind> {
        TableKind::ALL.into_iter().find(|kind| kind.key() == key)
    }

    /// The fields without which no row of this kind can be stored; each entry lists
    /// alternatives, one of which must have a column.
    pub fn required_fields(self) -> &'static [&'static [&'static str]] {
        match self {
            TableKind::Opportunities => &[&["id", "name"]],
            TableKind::OpportunityHistory => &[&["opportunity_id"], &["at"]],
            TableKind::FieldHistory => &[&["opportunity_id"], &["field"], &["at"]],
            TableKind::Accounts | TableKind::Users | TableKind::Roles => &[&["id"]],
            TableKind::Subscriptions => &[&["id"], &["account_id"]],
            TableKind::Usage => &[&["subscription_id", "account_id"], &["date"], &["count"]],
            TableKind::Tickets => &[&["id"], &["account_id"], &["opened"]],
            TableKind::ChurnEvents => &[&["account_id"], &["date"]],
            TableKind::ProgramMilestones => &[&["account_id"]],
            TableKind::ExperimentAssignments => &[&["account_id"], &["experiment_id"], &["arm"]],
        }
    }

    /// The canonical fields of this kind of table.
    pub fn fields(self) -> &'static [FieldSpec] {
        match self {
            TableKind::Opportunities => OPPORTUNITY_FIELDS,
            TableKind::OpportunityHistory => HISTORY_FIELDS,
            TableKind::FieldHistory => FIELD_HISTORY_FIELDS,
            TableKind::Accounts => ACCOUNT_FIELDS,
            TableKind::Users => USER_FIELDS,
            TableKind::Roles => ROLE_FIELDS,
            TableKind::Subscriptions => SUBSCRIPTION_FIELDS,
            TableKind::Usage => USAGE_FIELDS,
            TableKind::Tickets => TICKET_FIELDS,
            TableKind::ChurnEvents => CHURN_FIELDS,
            TableKind::ProgramMilestones => MILESTONE_FIELDS,
            TableKind::ExperimentAssignments => ASSIGNMENT_FIELDS,
        }
    }
}

/// How a field's cells are read.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ValueType {
    Text,
    /// A date; a time part, if any, is dropped.
    Date,
    /// A date with an optional time.
    DateTime,
    Number,
    /// A number with an optional currency prefix or suffix ("USD 485,000.00", "$1,200", "1.200 €").
    Money,
    /// A number with an optional `%`.
    Percent,
    Bool,
}

/// One canonical field: its key (as used in mapping files), how it is read, and its synonyms
/// (already normalised).
#[derive(Debug)]
pub struct FieldSpec {
    pub key: &'static str,
    pub value_type: ValueType,
    pub synonyms: &'static [&'static str],
}

const fn field(
    key: &'static str,
    value_type: ValueType,
    synonyms: &'static [&'static str],
) -> FieldSpec {
    FieldSpec {
        key,
        value_type,
        synonyms,
    }
}

use ValueType::{Bool, Date, DateTime, Money, Number, Percent, Text};

/// Lower-cases a header and keeps letters and digits only; drops a Salesforce custom field's
/// `__c` suffix and a leading byte-order mark.
pub fn normalize(header: &str) -> String {
    normalized_chars(header).collect()
}

/// Whether [`normalize`] would turn `text` into `normalized`, without building the string (a
/// stage name is compared on every row of an export).
pub fn normalizes_to(text: &str, normalized: &str) -> bool {
    normalized_chars(text).eq(normalized.chars())
}

fn normalized_chars(header: &str) -> impl Iterator<Item = char> + '_ {
    let trimmed = header.trim().trim_start_matches('\u{feff}');
    let has_suffix = trimmed.len() > 3
        && trimmed
            .get(trimmed.len() - 3..)
            .is_some_and(|suffix| suffix.eq_ignore_ascii_case("__c"));
    let without_suffix = if has_suffix {
        &trimmed[..trimmed.len() - 3]
    } else {
        trimmed
    };
    without_suffix
        .chars()
        .filter(|c| c.is_alphanumeric())
        .flat_map(char::to_lowercase)
}

/// Finds the field of `kind` that a normalised header names.
pub fn field_for_header(kind: TableKind, normalized: &str) -> Option<&'static FieldSpec> {
    kind.fields()
        .iter()
        .find(|spec| spec.synonyms.contains(&normalized))
}

pub fn field_spec(kind: TableKind, key: &str) -> Option<&'static FieldSpec> {
    kind.fields().iter().find(|spec| spec.key == key)
}

/// Evidence fields Lens knows by name: MEDDPICC, paper process, security review, POC success
/// criteria. Each is (canonical name, normalised synonyms).
pub const EVIDENCE_FIELDS: &[(&str, &[&str])] = &[
    ("Metrics", &["metrics", "meddpiccmetrics"]),
    (
        "Economic Buyer",
        &["economicbuyer", "eb", "meddpicceconomicbuyer"],
    ),
    (
        "Decision Criteria",
        &["decisioncriteria", "meddpiccdecisioncriteria"],
    ),
    (
        "Decision Process",
        &["decisionprocess", "meddpiccdecisionprocess"],
    ),
    ("Paper Process", &["paperprocess", "meddpiccpaperprocess"]),
    (
        "Identify Pain",
        &["identifypain", "implicatepain", "pain", "meddpiccpain"],
    ),
    ("Champion", &["champion", "meddpiccchampion"]),
    (
        "Competition",
        &[
            "competition",
            "competitor",
            "competitors",
            "maincompetitors",
        ],
    ),
    (
        "Security Review",
        &["securityreview", "securityreviewstatus", "infosecreview"],
    ),
    (
        "POC Success Criteria",
        &[
            "pocsuccesscriteria",
            "successcriteria",
            "pilotsuccesscriteria",
        ],
    ),
];

pub fn evidence_for_header(normalized: &str) -> Option<&'static str> {
    EVIDENCE_FIELDS
        .iter()
        .find(|(_, synonyms)| synonyms.contains(&normalized))
        .map(|(name, _)| *name)
}

const OPPORTUNITY_FIELDS: &[FieldSpec] = &[
    field(
        "id",
        Text,
        &[
            "id",
            "opportunityid",
            "oppid",
            "recordid",
            "dealid",
            "donotmodifyopportunity",
            "opportunityid18",
        ],
    ),
    field(
        "name",
        Text,
        &[
            "name",
            "opportunityname",
            "opportunity",
            "dealname",
            "topic",
            "deal",
            "verkaufschancenname",
            "nomdelopportunité",
            "nombredelaoportunidad",
            "nomedaoportunidade",
        ],
    ),
    field("account_id", Text, &["accountid", "companyid"]),
    field(
        "account_name",
        Text,
        &[
            "accountname",
            "account",
            "company",
            "companyname",
            "potentialcustomer",
            "associatedcompany",
            "customer",
            "nomducompte",
            "nombredelacuenta",
            "firmenname",
        ],
    ),
    field(
        "owner",
        Text,
        &[
            "opportunityowner",
            "owner",
            "dealowner",
            "salesagent",
            "salesrep",
            "rep",
            "ownername",
            "ownerfullname",
            "ownerid",
            "hubspotowner",
            "hubspotownerid",
            "accountexecutive",
            "verkaufschancenverantwortlicher",
            "propriétairedelopportunité",
            "propietariodelaoportunidad",
        ],
    ),
    field(
        "owner_manager",
        Text,
        &["manager", "ownermanager", "salesmanager", "regionalmanager"],
    ),
    field(
        "team",
        Text,
        &["ownerrole", "team", "salesteam", "role", "district"],
    ),
    field(
        "region",
        Text,
        &["salesregion", "region", "territoryregion", "territory"],
    ),
    field(
        "segment",
        Text,
        &["segment", "marketsegment", "customersegment"],
    ),
    field(
        "stage",
        Text,
        &[
            "stage",
            "stagename",
            "dealstage",
            "salesstage",
            "pipelinephase",
            "processstage",
            "phase",
            "étape",
            "etapa",
            "fase",
        ],
    ),
    field("stage_order", Number, &["stagesortorder", "stageorder"]),
    field("is_closed", Bool, &["isclosed", "closed"]),
    field("is_won", Bool, &["iswon", "won"]),
    field("status", Text, &["status", "statecode", "dealstatus"]),
    field(
        "forecast_category",
        Text,
        &[
            "forecastcategory",
            "forecastcategoryname",
            "forecast",
            "msdynforecastcategory",
            "prognosekategorie",
            "catégoriedeprévision",
            "categoríadepronóstico",
        ],
    ),
    field(
        "amount",
        Money,
        &[
            "amount",
            "totalamount",
            "opportunityamount",
            "estrevenue",
            "estimatedrevenue",
            "estimatedvalue",
            "dealvalue",
            "dealamount",
            "value",
            "closevalue",
            "betrag",
            "montant",
            "importe",
            "valor",
        ],
    ),
    field(
        "currency",
        Text,
        &[
            "currency",
            "currencyisocode",
            "opportunitycurrency",
            "amountcurrency",
            "dealcurrencycode",
            "currencycode",
        ],
    ),
    field(
        "probability",
        Percent,
        &[
            "probability",
            "dealprobability",
            "closeprobability",
            "wahrscheinlichkeit",
            "probabilité",
            "probabilidad",
        ],
    ),
    field(
        "close_date",
        Date,
        &[
            "closedate",
            "expectedclosedate",
            "estclosedate",
            "estimatedclosedate",
            "abschlussdatum",
            "datedeclôture",
            "fechadecierre",
            "datadefechamento",
        ],
    ),
    field(
        "created_date",
        Date,
        &[
            "createddate",
            "createdate",
            "created",
            "createdon",
            "engagedate",
            "erstelltam",
            "datedecréation",
            "fechadecreación",
        ],
    ),
    field(
        "last_activity_date",
        Date,
        &["lastactivity", "lastactivitydate", "lastactivitydateet"],
    ),
    field(
        "stage_entered_date",
        Date,
        &[
            "laststagechangedate",
            "dateenteredcurrentstage",
            "stageentereddate",
        ],
    ),
    field(
        "next_step",
        Text,
        &[
            "nextstep",
            "nextsteps",
            "opportunitynextsteps",
            "dealnextstep",
        ],
    ),
    field(
        "opportunity_type",
        Text,
        &["type", "opportunitytype", "dealtype"],
    ),
    field(
        "lead_source",
        Text,
        &[
            "leadsource",
            "source",
            "originalsource",
            "dealsource",
            "opportunitysource",
        ],
    ),
    field(
        "partner",
        Text,
        &[
            "partner",
            "partneraccount",
            "primarypartneraccount",
            "primarypartneraccountid",
            "partnername",
        ],
    ),
    field("is_deleted", Bool, &["isdeleted"]),
];

const HISTORY_FIELDS: &[FieldSpec] = &[
    field(
        "opportunity_id",
        Text,
        &["opportunityid", "oppid", "dealid"],
    ),
    field(
        "at",
        DateTime,
        &[
            "createddate",
            "lastmodified",
            "editdate",
            "changedat",
            "fivetranstart",
        ],
    ),
    field(
        "by",
        Text,
        &[
            "createdbyid",
            "createdby",
            "lastmodifiedby",
            "editedby",
            "changedby",
        ],
    ),
    field("stage", Text, &["stagename", "stage", "tostage"]),
    field("amount", Money, &["amount"]),
    field("close_date", Date, &["closedate"]),
    field("probability", Percent, &["probability"]),
    field(
        "forecast_category",
        Text,
        &[
            "forecastcategory",
            "forecastcategoryname",
            "toforecastcategory",
        ],
    ),
    field(
        "from_stage",
        Text,
        &["fromopportunitystagename", "fromstage"],
    ),
    field("from_forecast_category", Text, &["fromforecastcategory"]),
    field("prev_amount", Money, &["prevamount"]),
    field("prev_close_date", Date, &["prevclosedate"]),
    field("is_deleted", Bool, &["isdeleted"]),
];

const FIELD_HISTORY_FIELDS: &[FieldSpec] = &[
    field(
        "opportunity_id",
        Text,
        &["opportunityid", "recordid", "parentid"],
    ),
    field("field", Text, &["field", "fieldevent", "fieldname"]),
    field("old_value", Text, &["oldvalue"]),
    field("new_value", Text, &["newvalue"]),
    field("at", DateTime, &["createddate", "editdate", "changedat"]),
    field("by", Text, &["createdbyid", "createdby", "editedby"]),
    field("is_deleted", Bool, &["isdeleted"]),
];

const ACCOUNT_FIELDS: &[FieldSpec] = &[
    field("id", Text, &["accountid", "id", "companyid", "recordid"]),
    field(
        "name",
        Text,
        &["accountname", "name", "companyname", "company"],
    ),
    field("industry", Text, &["industry"]),
    field(
        "segment",
        Text,
        &["segment", "customersegment", "marketsegment"],
    ),
    field("country", Text, &["country", "billingcountry"]),
    field(
        "owner",
        Text,
        &["owner", "ownerid", "accountowner", "companyowner"],
    ),
    field("account_type", Text, &["type", "accounttype"]),
    field("parent_id", Text, &["parentid", "parentaccountid"]),
    field(
        "created_date",
        Date,
        &["createddate", "signupdate", "createdate"],
    ),
    field("is_deleted", Bool, &["isdeleted"]),
];

const USER_FIELDS: &[FieldSpec] = &[
    field("id", Text, &["id", "userid"]),
    field("name", Text, &["name", "fullname"]),
    field("manager_id", Text, &["managerid"]),
    field("role_id", Text, &["userroleid", "roleid"]),
    field("is_active", Bool, &["isactive", "active"]),
    field("start_date", Date, &["startdate", "hiredate"]),
];

const ROLE_FIELDS: &[FieldSpec] = &[
    field("id", Text, &["id", "roleid"]),
    field("name", Text, &["name", "rolename"]),
    field("parent_role_id", Text, &["parentroleid"]),
];

const SUBSCRIPTION_FIELDS: &[FieldSpec] = &[
    field("id", Text, &["subscriptionid", "id"]),
    field("account_id", Text, &["accountid"]),
    field(
        "start_date",
        Date,
        &["startdate", "termstart", "termstartdate"],
    ),
    field(
        "end_date",
        Date,
        &["enddate", "termend", "termenddate", "renewaldate"],
    ),
    field("plan", Text, &["plantier", "plan", "product"]),
    field("seats", Number, &["seats", "quantity"]),
    field("mrr", Money, &["mrramount", "mrr"]),
    field("arr", Money, &["arramount", "arr"]),
    field("billing_frequency", Text, &["billingfrequency"]),
    field("auto_renew", Bool, &["autorenewflag", "autorenew"]),
    field("is_trial", Bool, &["istrial", "trial"]),
    field("upgrade", Bool, &["upgradeflag"]),
    field("downgrade", Bool, &["downgradeflag"]),
    field("churned", Bool, &["churnflag", "churned"]),
];

const USAGE_FIELDS: &[FieldSpec] = &[
    field("id", Text, &["usageid"]),
    field("subscription_id", Text, &["subscriptionid"]),
    field("account_id", Text, &["accountid"]),
    field("date", Date, &["usagedate", "date", "day"]),
    field("metric", Text, &["featurename", "feature", "metric"]),
    field("count", Number, &["usagecount", "count", "value"]),
    field(
        "duration_seconds",
        Number,
        &["usagedurationsecs", "durationseconds"],
    ),
    field("errors", Number, &["errorcount", "errors"]),
];

const TICKET_FIELDS: &[FieldSpec] = &[
    field("id", Text, &["ticketid", "id"]),
    field("account_id", Text, &["accountid"]),
    field(
        "opened",
        DateTime,
        &[
            "submittedat",
            "openedat",
            "createdat",
            "opened",
            "createddate",
        ],
    ),
    field("closed", DateTime, &["closedat", "closed", "closeddate"]),
    field("priority", Text, &["priority"]),
    field(
        "resolution_hours",
        Number,
        &["resolutiontimehours", "resolutionhours"],
    ),
    field(
        "first_response_minutes",
        Number,
        &["firstresponsetimeminutes", "firstresponseminutes"],
    ),
    field(
        "satisfaction",
        Number,
        &["satisfactionscore", "satisfaction", "csat"],
    ),
    field("escalated", Bool, &["escalationflag", "escalated"]),
];

const CHURN_FIELDS: &[FieldSpec] = &[
    field("id", Text, &["churneventid", "id"]),
    field("account_id", Text, &["accountid"]),
    field("date", Date, &["churndate", "date"]),
    field("reason", Text, &["reasoncode", "reason"]),
    field("refund_amount", Money, &["refundamountusd", "refundamount"]),
    field("is_reactivation", Bool, &["isreactivation"]),
];

const MILESTONE_FIELDS: &[FieldSpec] = &[
    field("account_id", Text, &["accountid"]),
    field("account_name", Text, &["accountname"]),
    field("program", Text, &["program", "programid"]),
    field("segment", Text, &["segment"]),
    field("eligible_date", Date, &["eligibledate", "eligibleon"]),
    field("pilot_start", Date, &["pilotstart", "pilotstartdate"]),
    field("pilot_end", Date, &["pilotend", "pilotenddate"]),
    field(
        "security_review_start",
        Date,
        &["securityreviewstart", "securityreviewstartdate"],
    ),
    field(
        "security_review_end",
        Date,
        &["securityreviewend", "securityreviewenddate"],
    ),
    field(
        "contract_date",
        Date,
        &["contractdate", "productiondate", "contractsigned"],
    ),
    field("activation_date", Date, &["activationdate", "activatedon"]),
    field("churn_date", Date, &["churndate"]),
];

const ASSIGNMENT_FIELDS: &[FieldSpec] = &[
    field("account_id", Text, &["accountid"]),
    field("experiment_id", Text, &["experimentid", "experiment"]),
    field("arm", Text, &["arm", "variant", "group"]),
    field(
        "assigned_on",
        Date,
        &["assignedon", "assigneddate", "assignmentdate"],
    ),
];

#[cfg(test)]
mod tests {

    #[test]
    fn normalizes_to_agrees_with_normalize() {
        for text in [
            "Closed Won",
            "closed_won",
            " CLOSED-WON ",
            "Closed Won__c",
            "\u{feff}Won",
            "Clôturée gagnée",
            "Closed Won.",
            "__c",
            "Clo__C",
            "",
        ] {
            let normalized = normalize(text);
            assert!(
                normalizes_to(text, &normalized),
                "{text:?} → {normalized:?}"
            );
            assert!(!normalizes_to(text, &format!("{normalized}x")), "{text:?}");
        }
    }

    use super::*;

    #[test]
    fn normalize_matches_labels_api_names_and_snake_case() {
        assert_eq!(normalize("Opportunity Owner"), "opportunityowner");
        assert_eq!(normalize("opportunity_owner"), "opportunityowner");
        assert_eq!(normalize("\u{feff}Probability (%)"), "probability");
        assert_eq!(normalize("MainCompetitors__c"), "maincompetitors");
        assert_eq!(normalize("Étape"), "étape");
    }

    #[test]
    fn synonyms_are_normalized_and_unique_within_a_kind() {
        for kind in TableKind::ALL {
            let mut seen = std::collections::HashSet::new();
            for spec in kind.fields() {
                for synonym in spec.synonyms {
                    assert_eq!(
                        &normalize(synonym),
                        synonym,
                        "{kind:?}.{}: {synonym}",
                        spec.key
                    );
                    assert!(
                        seen.insert(*synonym),
                        "{kind:?}: {synonym} names two fields"
                    );
                }
            }
        }
    }
}
