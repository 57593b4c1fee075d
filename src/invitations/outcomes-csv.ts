import type { T } from '../i18n/i18n.js';
import type { BatchResultRow } from './batches.js';

// A batch's outcomes as a CSV file for spreadsheet apps: RFC 4180 quoting,
// CRLF line ends, and a UTF-8 byte order mark so Excel reads accents right.

const BOM = '\uFEFF';

/**
 * One quoted cell. A cell a spreadsheet would read as a formula (= + - @, or
 * a leading tab or carriage return) gets a leading apostrophe: record names
 * come from anyone who can edit a record, portal users included.
 */
export function csvCell(value: string): string {
  const safe = /^[=+\-@\t\r]/.test(value) ? `'${value}` : value;
  return `"${safe.replaceAll('"', '""')}"`;
}

export function csvLine(cells: string[]): string {
  return `${cells.map(csvCell).join(',')}\r\n`;
}

/** Name, address, outcome, reason code and reason in the reader's language, one line per record. */
export function outcomesCsv(t: T, rows: BatchResultRow[], dryRun: boolean): string {
  const header = csvLine([
    t('bulkinvite:csv.name'),
    t('bulkinvite:csv.email'),
    t('bulkinvite:csv.outcome'),
    t('bulkinvite:csv.reasonCode'),
    t('bulkinvite:csv.reason'),
  ]);
  const lines = rows.map((r) =>
    csvLine([
      r.name ?? t('bulkinvite:results.missingRecord'),
      r.email,
      t(`bulkinvite:outcomes.${outcomeLabel(r.outcome, dryRun)}`),
      r.reason ?? '',
      r.reason ? t(`invitations:reasons.${r.reason}`) : '',
    ]),
  );
  return BOM + header + lines.join('');
}

/** The outcome's label key: a failure predicted by a dry run "would fail". */
export const outcomeLabel = (outcome: BatchResultRow['outcome'], dryRun: boolean) => (outcome === 'failed' && dryRun ? 'would_fail' : outcome);
