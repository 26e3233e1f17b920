// The injection corpus (tests/fixtures/xss/payloads.txt) and CRM exports that carry it: a
// Salesforce-report-shaped opportunity list in four weekly snapshots, its OpportunityHistory,
// program milestones, experiment assignments, subscriptions, usage, tickets and churn events, a
// file whose header cells are payloads (it fails to import), and file names that are payloads.
import { readFile, writeFile } from 'node:fs/promises';
import { basename, join } from 'node:path';

import { repoRoot } from './environment.mjs';

export const PAYLOADS_FILE = join(repoRoot, 'tests/fixtures/xss/payloads.txt');

/** The record the demo Lightning page shows; the exports carry a deal with this id. */
export const DEMO_RECORD_ID = '006Hp000015Yh7mIAC';

/** Payloads longer than this go into a few chosen cells only, not into every rotation. */
const LONG_PAYLOAD_CHARS = 1000;

/**
 * The payloads, one per non-comment line, with `\u{HEX}`, `{N}`, `{SINK}` and
 * `{repeat:COUNT:TEXT}` expanded (see the file's header).
 * @param {string} sinkOrigin e.g. http://127.0.0.1:41234
 */
export async function loadPayloads(sinkOrigin) {
  const text = await readFile(PAYLOADS_FILE, 'utf8');
  const lines = text.split('\n').filter((line) => line !== '' && line !== '#' && !line.startsWith('# '));
  return lines.map((line, index) =>
    line
      .replace(/\\u\{([0-9A-Fa-f]{1,6})\}/g, (_, hex) => String.fromCodePoint(parseInt(hex, 16)))
      .replaceAll('{N}', String(index + 1))
      .replaceAll('{SINK}', sinkOrigin)
      .replace(/\{repeat:(\d+):([^}]*)\}/g, (_, count, unit) => unit.repeat(Number(count))),
  );
}

/** One RFC 4180 line, every cell quoted as Salesforce writes its reports. */
function csvLine(cells) {
  return cells.map((cell) => `"${String(cell ?? '').replaceAll('"', '""')}"`).join(',');
}

function csv(header, rows) {
  return [header, ...rows].map(csvLine).join('\n') + '\n';
}

/** Unquoted CSV as Lens's own table exports are written (quoted only where a cell needs it). */
function plainCsv(header, rows) {
  const cell = (value) => {
    const text = String(value ?? '');
    return /[",\r\n]/.test(text) ? `"${text.replaceAll('"', '""')}"` : text;
  };
  return [header, ...rows].map((row) => row.map(cell).join(',')).join('\n') + '\n';
}

const DAY_MS = 86_400_000;

function addDays(iso, days) {
  return new Date(Date.parse(`${iso}T00:00:00Z`) + days * DAY_MS).toISOString().slice(0, 10);
}

/** 2026-01-09 → 1/9/2026, as a US-locale Salesforce report writes dates. */
function usDate(iso) {
  const [year, month, day] = iso.split('-').map(Number);
  return `${month}/${day}/${year}`;
}

/** The as-of dates of the four weekly snapshots. */
export const SNAPSHOT_DATES = ['2026-01-09', '2026-01-16', '2026-01-23', '2026-01-30'];

const N_DEALS = 40;
const N_ACCOUNTS = 20;
const EVIDENCE_COLUMNS = [
  'Metrics',
  'Economic Buyer',
  'Decision Criteria',
  'Decision Process',
  'Paper Process',
  'Identify Pain',
  'Champion',
  'Competition',
  'Security Review',
  'POC Success Criteria',
];
const REPORT_HEADER = [
  'Opportunity ID',
  'Opportunity Name',
  'Account ID',
  'Account Name',
  'Opportunity Owner',
  'Owner Role',
  'Sales Region',
  'Stage',
  'Forecast Category',
  'Amount Currency',
  'Amount',
  'Probability (%)',
  'Close Date',
  'Created Date',
  'Last Activity',
  'Next Step',
  'Type',
  'Lead Source',
  'Partner Account',
  ...EVIDENCE_COLUMNS,
];

function dealId(index) {
  return index === 0 ? DEMO_RECORD_ID : `006Lq00000XSS${String(index).padStart(2, '0')}AAA`;
}

function accountId(index) {
  return `001Lq00000XSA${String(index % N_ACCOUNTS).padStart(2, '0')}AAA`;
}

/**
 * Writes the exports into `dir` and returns their paths with the payloads placed where the test
 * looks for them.
 * @param {string} dir
 * @param {string[]} payloads from {@link loadPayloads}
 */
export async function writeXssExports(dir, payloads) {
  const short = payloads.filter((payload) => payload.length <= LONG_PAYLOAD_CHARS);
  const long = payloads.filter((payload) => payload.length > LONG_PAYLOAD_CHARS);
  /** The first payload starting with `prefix` (fails loudly when the corpus loses it). */
  const pick = (prefix) => {
    const found = payloads.find((payload) => payload.startsWith(prefix));
    if (found === undefined) throw new Error(`no payload starts with ${JSON.stringify(prefix)}`);
    return found;
  };

  const owners = ['Riley Jensen', pick('<img src=x onerror='), pick('<svg onload='), pick('"><script>'), pick('\u202E<img')];
  const stagePayload = pick('</text><script>');
  const stages = ['Prospecting', 'Qualification', stagePayload, 'Proposal/Price Quote', 'Negotiation/Review', 'Closed Won', 'Closed Lost'];
  const probabilities = [10, 20, 40, 60, 80, 100, 0];
  const categories = ['Pipeline', 'Pipeline', 'Best Case', 'Best Case', 'Commit', 'Closed', 'Omitted'];
  const roles = ['AE - District 1', pick('</title><svg onload=')];
  const regions = ['West', pick('<math><mtext><table>')];
  const types = ['New Customer', pick('" onmouseover="'), 'Existing Customer - Upgrade'];
  const leadSources = ['Web', pick('javascript:'), 'Partner'];
  const accountNames = Array.from({ length: N_ACCOUNTS }, (_, a) => short[(a * 7 + 3) % short.length]);

  // Free-text cells take the short payloads in turn, so the last snapshot carries every one of them.
  const FREE_FIELDS = ['name', 'nextStep', 'partner', ...EVIDENCE_COLUMNS];
  const free = (deal, field, shift = 0) => short[(deal * FREE_FIELDS.length + FREE_FIELDS.indexOf(field) + shift) % short.length];
  // The record on the demo page gets chosen payloads, so the Record screen shows known text.
  const record = {
    name: pick('<script>__lensXss('),
    nextStep: pick('=HYPERLINK('),
    economicBuyer: pick('<svg><script>'),
    champion: pick('deal\u202E'),
    partner: pick('<a href="javascript:'),
  };

  function dealRow(deal, snapshot, asOf) {
    const base = deal % 8 === 7 ? 5 : deal % 8 === 6 ? 6 : deal % 5;
    const progresses = base < 5 && deal % 4 === 0 && snapshot >= 1 + (deal % 3);
    const stageIndex = Math.min(base + (progresses ? 1 : 0), 4);
    const finalStage = base >= 5 ? base : stageIndex;
    const pushes = deal % 6 === 1 ? snapshot : 0;
    const closeDate = addDays('2025-12-20', deal * 4 + pushes * 14);
    const amount = 10_000 + deal * 2_500 + (deal % 5 === 2 && snapshot >= 2 ? 5_000 : 0);
    const evidence = EVIDENCE_COLUMNS.map((column, c) => {
      if (deal === 0 && column === 'Economic Buyer') return record.economicBuyer;
      if (deal === 0 && column === 'Champion') return record.champion;
      if (deal === 4 && column === 'Economic Buyer' && long[2]) return long[2];
      // Filled from a snapshot that depends on the deal and the column, so "first filled" varies.
      return snapshot >= (deal + c) % 4 ? free(deal, column) : '';
    });
    let name = deal === 0 ? record.name : free(deal, 'name');
    if (deal === 2 && long[0]) name = long[0];
    let nextStep = deal === 0 ? record.nextStep : free(deal, 'nextStep', deal % 3 === 0 ? snapshot : 0);
    if (deal === 3 && long[1]) nextStep = long[1];
    let accountName = accountNames[deal % N_ACCOUNTS];
    if (deal === 5 && long[3]) accountName = long[3];
    return [
      dealId(deal),
      name,
      accountId(deal),
      accountName,
      owners[deal % owners.length],
      roles[deal % roles.length],
      regions[deal % regions.length],
      stages[finalStage],
      categories[finalStage],
      'USD',
      `USD ${amount.toLocaleString('en-US')}.00`,
      `${probabilities[finalStage]}%`,
      usDate(closeDate),
      usDate(addDays('2025-09-01', deal * 3)),
      usDate(addDays(asOf, -((deal * 7) % 60))),
      nextStep,
      types[deal % types.length],
      leadSources[deal % leadSources.length],
      deal === 0 ? record.partner : deal % 4 === 0 ? free(deal, 'partner') : '',
      ...evidence,
    ];
  }

  // Rows the importer rejects: payloads where an amount and a date belong; the reasons quote them.
  const rejectedAmount = pick('=cmd|');
  const rejectedDate = pick('<img src=x onerror=__lensXss(');
  const rejectedRows = (asOf) => {
    const amountRow = dealRow(31, 0, asOf);
    amountRow[0] = '006Lq00000XSSR1AAA';
    amountRow[10] = rejectedAmount;
    const dateRow = dealRow(32, 0, asOf);
    dateRow[0] = '006Lq00000XSSR2AAA';
    dateRow[12] = rejectedDate;
    return [amountRow, dateRow];
  };

  const reportTitle = pick('<iframe srcdoc=');
  const files = { snapshots: [] };
  // File names that are payloads, as far as a file system allows (no "/" and no NUL).
  const snapshotNames = [
    `=cmd|' -C calc'!A0 <img src=x onerror=__lensXss(9001)> 2026-01-09.csv`,
    `"><svg onload=alert(9002)> 2026-01-16.csv`,
    `opportunities \u202Evsc.exe 2026-01-23.csv`,
    `@SUM(1+1)*cmd|' -C calc'!A0 <script>__lensXss(9004)<\u2215script> 2026-01-30.csv`,
  ];
  for (const [snapshot, asOf] of SNAPSHOT_DATES.entries()) {
    const rows = Array.from({ length: N_DEALS }, (_, deal) => dealRow(deal, snapshot, asOf));
    if (snapshot === 0) rows.push(...rejectedRows(asOf));
    let text = csv(REPORT_HEADER, rows);
    // Snapshots 1 and 3 carry the report footer with its date; 2 and 4 are undated lists,
    // imported with the Import screen's as-of date.
    if (snapshot % 2 === 0) {
      text += [
        '',
        `"${reportTitle.replaceAll('"', '""')}"`,
        '"Copyright (c) 2000-2026 salesforce.com, inc. All rights reserved."',
        '"Confidential Information - Do Not Distribute"',
        `"Generated By:  Morgan Ellis  ${usDate(asOf)} 6:57 PM"`,
        '"Lens Demo Co"',
      ].join('\n') + '\n';
    }
    const path = join(dir, snapshotNames[snapshot]);
    await writeFile(path, text);
    files.snapshots.push({ path, name: snapshotNames[snapshot], asOf, dated: snapshot % 2 === 0 });
  }

  // OpportunityHistory: each deal's creation, then a row per stage change, close-date push or
  // amount change between snapshots; the "created by" cells are payloads for some rows.
  const historyHeader = ['Id', 'OpportunityId', 'CreatedById', 'CreatedDate', 'StageName', 'Amount', 'CloseDate',
    'Probability', 'FromForecastCategory', 'ForecastCategory', 'FromOpportunityStageName', 'PrevAmount',
    'PrevCloseDate', 'IsDeleted'];
  const historyRows = [];
  for (let deal = 0; deal < N_DEALS; deal++) {
    let previous = null;
    const created = addDays('2025-09-01', deal * 3);
    const points = [{ at: `${created} 09:00:00`, row: dealRow(deal, 0, SNAPSHOT_DATES[0]) }];
    for (let snapshot = 1; snapshot < SNAPSHOT_DATES.length; snapshot++) {
      points.push({ at: `${addDays(SNAPSHOT_DATES[snapshot], -2)} 15:30:00`, row: dealRow(deal, snapshot, SNAPSHOT_DATES[snapshot]) });
    }
    for (const { at, row } of points) {
      const [stage, category, amountText, probability, closeDate] = [row[7], row[8], row[10], row[11], row[12]];
      const amount = amountText.replace(/[^0-9.]/g, '');
      const [m, d, y] = closeDate.split('/');
      const isoClose = `${y}-${m.padStart(2, '0')}-${d.padStart(2, '0')} 00:00:00`;
      if (previous && previous.stage === stage && previous.amount === amount && previous.close === isoClose) continue;
      historyRows.push([
        `008Lq00000XSH${String(historyRows.length).padStart(3, '0')}AA`,
        dealId(deal),
        deal % 3 === 0 ? short[(deal * 5) % short.length] : '005Lq000000Z8aTIAS',
        at,
        stage,
        amount,
        isoClose,
        probability.replace('%', ''),
        previous?.category ?? '',
        category,
        previous?.stage ?? '',
        previous?.amount ?? '',
        previous?.close ?? '',
        '0',
      ]);
      previous = { stage, category, amount, close: isoClose };
    }
  }
  files.history = join(dir, 'OpportunityHistory <script>__lensXss(9005)<\u2215script>.csv');
  await writeFile(files.history, csv(historyHeader, historyRows));

  // Program milestones and experiment assignments for the accounts of the deals.
  const programName = pick('<math><annotation-xml');
  const segmentPayload = pick('<details open ontoggle=');
  const milestoneRows = Array.from({ length: N_ACCOUNTS }, (_, a) => {
    const eligible = addDays('2025-10-01', a * 3);
    const piloted = a % 3 !== 2;
    return [
      accountId(a),
      accountNames[a],
      programName,
      a % 2 === 0 ? 'Enterprise' : segmentPayload,
      eligible,
      piloted ? addDays(eligible, 10) : '',
      piloted && a % 2 === 0 ? addDays(eligible, 40) : '',
      a % 4 === 0 ? addDays(eligible, 20) : '',
      a % 8 === 0 ? addDays(eligible, 50) : '',
      a % 4 === 0 ? addDays(eligible, 60) : '',
      a % 8 === 0 ? addDays(eligible, 70) : '',
      '',
    ];
  });
  files.milestones = join(dir, 'program_milestones.csv');
  await writeFile(files.milestones, plainCsv(['account_id', 'account_name', 'program', 'segment', 'eligible_date',
    'pilot_start', 'pilot_end', 'security_review_start', 'security_review_end', 'contract_date', 'activation_date',
    'churn_date'], milestoneRows));

  const experimentId = pick('{{constructor');
  const treatmentArm = pick('<svg><animate');
  const controlArm = pick("'-__lensXss(");
  files.assignments = join(dir, 'experiment_assignments.csv');
  await writeFile(files.assignments, plainCsv(['account_id', 'experiment_id', 'arm', 'assigned_on'],
    Array.from({ length: N_ACCOUNTS }, (_, a) => [accountId(a), experimentId, a % 2 === 0 ? treatmentArm : controlArm,
      addDays('2025-10-01', a * 3)])));

  // Renewals: a subscription per account ending within the next months, weekly usage with a drop
  // for some accounts, tickets and a churn event, with payloads in the text columns.
  const planPayload = pick('<svg><foreignObject>');
  const featurePayload = pick('<object data=');
  const priorityPayload = pick('<marquee onstart=');
  const reasonPayload = pick('<embed src=');
  const subscriptionRows = [];
  const usageRows = [];
  const ticketRows = [];
  for (let a = 0; a < N_ACCOUNTS; a++) {
    const subscription = `S-xss${String(a).padStart(2, '0')}`;
    const end = addDays('2026-02-15', a * 9);
    subscriptionRows.push([subscription, accountId(a), addDays(end, -364), end, a % 2 ? planPayload : 'Pro',
      40 + a, 1600 + a * 40, (1600 + a * 40) * 12, 'False', 'False', 'False', 'False', 'annual', 'True']);
    for (let week = 0; week < 26; week++) {
      const date = addDays('2025-07-04', week * 7);
      const dropped = a % 4 === 0 && week >= 18;
      usageRows.push([`U-xss${a}-${week}`, subscription, accountId(a), date, week % 2 ? featurePayload : 'knowledge_search',
        dropped ? 3 + (week % 2) : 40 + ((a + week) % 5), 300, 0]);
    }
    for (let t = 0; t < 3 + (a % 4 === 0 ? 6 : 0); t++) {
      const opened = addDays('2025-11-01', t * 9 + a);
      ticketRows.push([`T-xss${a}-${t}`, accountId(a), `${opened} 10:00:00`, `${addDays(opened, 2)} 10:00:00`, 48,
        t % 2 ? priorityPayload : 'medium', 60, 4, 'False']);
    }
  }
  files.subscriptions = join(dir, 'subscriptions.csv');
  await writeFile(files.subscriptions, plainCsv(['subscription_id', 'account_id', 'start_date', 'end_date', 'plan_tier',
    'seats', 'mrr_amount', 'arr_amount', 'is_trial', 'upgrade_flag', 'downgrade_flag', 'churn_flag',
    'billing_frequency', 'auto_renew_flag'], subscriptionRows));
  files.usage = join(dir, 'usage.csv');
  await writeFile(files.usage, plainCsv(['usage_id', 'subscription_id', 'account_id', 'usage_date', 'feature_name',
    'usage_count', 'usage_duration_secs', 'error_count'], usageRows));
  files.tickets = join(dir, 'tickets.csv');
  await writeFile(files.tickets, plainCsv(['ticket_id', 'account_id', 'submitted_at', 'closed_at',
    'resolution_time_hours', 'priority', 'first_response_time_minutes', 'satisfaction_score', 'escalation_flag'],
  ticketRows));
  files.churn = join(dir, 'churn_events.csv');
  await writeFile(files.churn, plainCsv(['churn_event_id', 'account_id', 'churn_date', 'reason_code',
    'refund_amount_usd', 'is_reactivation'], [['C-xss01', accountId(7), '2025-12-30', reasonPayload, '0.00', 'False']]));

  // A file Lens cannot read: its header cells are payloads, which the error line quotes.
  const badHeaders = [pick('<img src="x" onerror='), pick('<svg/onload='), pick('<iframe src="http'), pick('"]"><img')];
  files.unreadable = join(dir, `unreadable <img src=x onerror=__lensXss(9006)>.csv`);
  await writeFile(files.unreadable, csv(badHeaders, [['1', '2', '3', '4'], ['5', '6', '7', '8']]));

  return {
    files,
    /** Payload text the test expects to find, literally, on the screen named. */
    expected: {
      recordName: record.name,
      recordFields: record,
      owners: owners.slice(1),
      stage: stagePayload,
      rejectedAmount,
      rejectedDate,
      badHeaders,
      controlArm,
      programName,
      experimentId,
      fileNames: [...snapshotNames, basename(files.history)],
    },
  };
}
