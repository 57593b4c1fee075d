import { describe, expect, it } from 'vitest';
import { CsvFileError, columnNames, csvRows, decodeCsv, detectDelimiter } from '../../src/crm/csv.js';

const rows = async (filename: string, content: Buffer) => {
  const out = [];
  for await (const r of csvRows(decodeCsv(filename, content))) out.push(r);
  return out;
};

const problem = (fn: () => unknown) => {
  try {
    fn();
  } catch (err) {
    return err instanceof CsvFileError ? err.key : String(err);
  }
  return undefined;
};

describe('reading CSV files', () => {
  it('detects the delimiter from the header line, ignoring quoted commas', () => {
    expect(detectDelimiter('a;b;c\n1,5;2;3')).toBe(';');
    expect(detectDelimiter('a,b,c\n1;2;3')).toBe(',');
    expect(detectDelimiter('"Smith; John",email\nx,y')).toBe(',');
    expect(detectDelimiter('"Doe, Jane";email;phone')).toBe(';');
  });

  it('drops the UTF-8 BOM and reads Windows-1252 files saved by spreadsheets', async () => {
    const utf8 = await rows('a.csv', Buffer.concat([Buffer.from([0xef, 0xbb, 0xbf]), Buffer.from('Nombre;Teléfono\nJosé;1\n')]));
    expect(utf8.map((r) => r.cells)).toEqual([
      ['Nombre', 'Teléfono'],
      ['José', '1'],
    ]);
    const latin = await rows('a.csv', Buffer.from([0x4e, 0x6f, 0x6d, 0x0a, 0x5a, 0x6f, 0xeb, 0x0a])); // "Nom\nZoë\n" in Windows-1252
    expect(latin.map((r) => r.cells)).toEqual([['Nom'], ['Zoë']]);
  });

  it('numbers rows by the line they start on, skipping blank ones', async () => {
    const found = await rows('a.csv', Buffer.from('name,notes\n\nAna,"two\nlines"\n,\nBea,x\n'));
    expect(found.map((r) => [r.row, r.cells[0]])).toEqual([
      [1, 'name'],
      [3, 'Ana'],
      [6, 'Bea'],
    ]);
  });

  it('refuses binaries, spreadsheets, empty files and unclosed quotes', async () => {
    expect(problem(() => decodeCsv('a.csv', Buffer.from([0x50, 0x4b, 0x03, 0x04, 0x00])))).toBe('import:errors.notCsv');
    expect(problem(() => decodeCsv('contacts.xlsx', Buffer.from('a,b\n')))).toBe('import:errors.notCsv');
    expect(problem(() => decodeCsv('a.csv', Buffer.from(' \n\n')))).toBe('import:errors.empty');
    await expect(rows('a.csv', Buffer.from('a,b\n"x,1\n'))).rejects.toMatchObject({ key: 'import:errors.malformed', line: 2 });
  });

  it('names blank and repeated columns so each has its own mapping', () => {
    expect(columnNames(['Email', '', 'Email', ' Phone '])).toEqual(['Email', '(2)', 'Email (2)', 'Phone']);
  });
});
