// Exports the end-to-end tests write for themselves, and a watch on what the panel fetches.

/**
 * A Salesforce-style opportunity export of `rows` deals in one stage, closing in `month`; every
 * 1,000th amount is not a number, so those rows are rejected and the others stored.
 */
export function dealsCsv(rows, { stage, month, reps = 12 }) {
  const lines = ['Opportunity Name,Account Name,Stage,Amount,Close Date,Opportunity Owner'];
  for (let row = 0; row < rows; row += 1) {
    const amount = row % 1000 === 999 ? 'n/a' : String(1000 + row);
    lines.push(`Deal ${row},Account ${row % 500},${stage},${amount},${month}-${String((row % 28) + 1).padStart(2, '0')},Rep ${row % reps}`);
  }
  return lines.join('\n');
}

/**
 * Records what the panel's own window fetches from now on (a module is loaded with fetch; a
 * worker's fetches go through the worker's own fetch and are not seen here).
 */
export function watchPanelFetches(frame) {
  return frame.evaluate(() => {
    if (window.lensFetched) return;
    window.lensFetched = [];
    const fetch = window.fetch.bind(window);
    window.fetch = (input, init) => {
      window.lensFetched.push(String(input instanceof Request ? input.url : input));
      return fetch(input, init);
    };
  });
}

export function fetchedByPanel(frame) {
  return frame.evaluate(() => window.lensFetched);
}
