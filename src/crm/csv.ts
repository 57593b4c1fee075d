import { Readable } from 'node:stream';
import { CsvError, parse } from 'csv-parse';

export type Delimiter = ',' | ';';
export type CsvText = { text: string; delimiter: Delimiter };
/** A record of the file and the line it starts on (the row number a spreadsheet shows when no cell spans lines). */
export type CsvRow = { row: number; cells: string[] };

const BOM = Buffer.from([0xef, 0xbb, 0xbf]);
// Spreadsheets, archives, PDFs and images: files people pick by mistake instead of the CSV export.
const NOT_CSV_EXTENSIONS = /\.(xlsx?|xlsm|ods|numbers|docx?|odt|pdf|zip|gz|png|jpe?g|gif|webp|json|xml)$/i;

/** Problems with the file as a whole, as locale keys (with the line, for a malformed file). */
export class CsvFileError extends Error {
  constructor(
    readonly key: string,
    readonly line?: number,
  ) {
    super(key);
  }
}

/**
 * The file's text and delimiter. UTF-8 (with or without the BOM Excel writes)
 * is read as such; anything else is read as Windows-1252, the encoding of the
 * plain "CSV" export of spreadsheets on Western-European systems.
 */
export function decodeCsv(filename: string, content: Buffer): CsvText {
  if (NOT_CSV_EXTENSIONS.test(filename)) throw new CsvFileError('import:errors.notCsv');
  // Text files never hold NUL bytes; spreadsheets, archives and images always do.
  if (content.includes(0)) throw new CsvFileError('import:errors.notCsv');
  const body = content.subarray(0, 3).equals(BOM) ? content.subarray(3) : content;
  let text: string;
  try {
    text = new TextDecoder('utf-8', { fatal: true }).decode(body);
  } catch {
    text = new TextDecoder('windows-1252').decode(body);
  }
  if (text.trim() === '') throw new CsvFileError('import:errors.empty');
  return { text, delimiter: detectDelimiter(text) };
}

/** Semicolons when the header line has more of them than commas (the CSV of languages with a decimal comma). */
export function detectDelimiter(text: string): Delimiter {
  let semicolons = 0;
  let commas = 0;
  let quoted = false;
  for (const ch of text) {
    if (ch === '"') quoted = !quoted;
    else if (!quoted && (ch === '\n' || ch === '\r')) break;
    else if (!quoted && ch === ';') semicolons++;
    else if (!quoted && ch === ',') commas++;
  }
  return semicolons > commas ? ';' : ',';
}

const CHUNK = 64 * 1024;

function* chunks(text: string) {
  for (let i = 0; i < text.length; i += CHUNK) yield text.slice(i, i + CHUNK);
}

/** Every non-blank record of the file, the header included, parsed as the text streams through. */
export async function* csvRows({ text, delimiter }: CsvText): AsyncGenerator<CsvRow> {
  const parser = Readable.from(chunks(text)).pipe(parse({ delimiter, relax_column_count: true, skip_empty_lines: true, info: true }));
  let lastLine = 0;
  let lastEmpty = 0;
  try {
    for await (const { record, info } of parser as AsyncIterable<{ record: string[]; info: { lines: number; empty_lines: number } }>) {
      const row = lastLine + 1 + (info.empty_lines - lastEmpty);
      lastLine = info.lines;
      lastEmpty = info.empty_lines;
      // Rows of empty cells (";;;") are what spreadsheets write for blank rows.
      if (record.every((cell) => cell.trim() === '')) continue;
      yield { row, cells: record };
    }
  } catch (err) {
    if (err instanceof CsvError) throw new CsvFileError('import:errors.malformed', (err as CsvError & { lines?: number }).lines ?? lastLine + 1);
    throw err;
  }
}

/** Column names as the mapping stores them: blank ones get their position, repeated ones a number. */
export function columnNames(header: string[]): string[] {
  const taken = new Set<string>();
  return header.map((cell, i) => {
    const base = cell.trim() || `(${i + 1})`;
    let name = base;
    for (let n = 2; taken.has(name); n++) name = `${base} (${n})`;
    taken.add(name);
    return name;
  });
}
