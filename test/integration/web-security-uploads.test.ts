import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ATTACHMENT_MAX_BYTES } from '../../src/crm/notes.js';
import { UPLOAD_MAX_BYTES } from '../../src/http/middleware/body-limit.js';
import { saveTabs, tabForm, tabOptions } from '../../src/portals/tabs.js';
import { type BrowserClient, browserClient, startTestApp, type TestApp } from '../support/app.js';
import { acme } from '../support/fixtures.js';
import { localeText } from '../support/locale-strings.js';
import { decodeEntities } from '../support/portal-crawl.js';
import { addPortalUser, carla, HELP, type PortalWorld, seedPortalWorld } from '../support/portal-world.js';
import { contentDispositionProblems, downloadName, downloadProblems, securityHeaderProblems, signedIn } from '../support/web-security.js';

// Files sent to Porta, by customers in a portal and by staff: too large is
// refused in the sender's language and nothing is kept; a portal file must be
// what its name says (by its bytes, never the browser's word); a name can
// carry no path, no header, no control or bidirectional character; and every
// download is a download — never a page of ours, whatever the file holds.

let t: TestApp;
let w: PortalWorld;
let ana: BrowserClient;
let carlaClient: BrowserClient;
const ES = { 'Accept-Language': 'es' };
const bytes = (s: string) => new TextEncoder().encode(s);
const PDF = bytes('%PDF-1.7\n1 0 obj <<>> endobj\n');
const HTML = bytes('<!DOCTYPE html><html><body><script>alert(document.cookie)</script></body></html>');
const SVG = bytes('<svg xmlns="http://www.w3.org/2000/svg" onload="alert(1)"><script>alert(2)</script></svg>');
const EXE = bytes('MZ\x90\x00\x03\x00\x00\x00 This program cannot be run in DOS mode.');

/** Hostile names a browser can send for a file, as they arrive. */
const HOSTILE_NAMES = [
  '../../etc/passwd',
  '..\\..\\win.ini',
  'a"\r\nSet-Cookie: x=1.txt',
  'invoice\u202Etxt.exe',
  'report\u2066\u2069\u200f.txt',
  "O'Brien (copy) *final*.txt",
  'résumé – año 2027.txt',
  'con<>:|?.txt',
  '\u0000\u0007bell.txt',
];

beforeAll(async () => {
  t = await startTestApp();
  w = await seedPortalWorld(t);
  const tabs = tabForm((await tabOptions(t.db, w.helpTypeId)) ?? [], { contacts: {}, cases: { attachments: 'add' } });
  expect(await saveTabs(t.db, w.staff, w.helpTypeId, tabs)).toEqual({ ok: true });
  await addPortalUser(t, w, { email: carla.email, recordId: w.records.carla, status: 'active', password: carla.password });
  ana = await signedIn(browserClient(t.app), '/admin/login', acme.admin);
  carlaClient = await signedIn(browserClient(t.app), `${HELP}/login`, carla);
});
afterAll(() => t.close());

const portalUpload = `${HELP}/m/cases/${'{id}'}/attachments`;
const staffUpload = `/admin/m/cases/${'{id}'}/attachments`;

function upload(client: BrowserClient, path: string, file: { name: string; body: Uint8Array; type?: string }, fields: Record<string, string> = {}) {
  const form = new FormData();
  form.append('file', new File([file.body as BlobPart], file.name, { type: file.type ?? 'application/octet-stream' }));
  for (const [k, v] of Object.entries(fields)) form.append(k, v);
  return client.request(path.replace('{id}', w.records.carlaCase1), { method: 'POST', body: form, headers: ES });
}

const stored = () => t.db.selectFrom('attachments').select(['id', 'filename', 'content_type', 'size', 'author_kind']).orderBy('created_at').execute();
const textOf = async (res: Response) => decodeEntities(await res.text());

describe('files too large', () => {
  it('from a portal: refused in the customer’s language, nothing kept', async () => {
    const before = await stored();
    const big = new Uint8Array(ATTACHMENT_MAX_BYTES + 1);
    big.set(PDF);
    const res = await upload(carlaClient, portalUpload, { name: 'big.pdf', body: big, type: 'application/pdf' });
    expect(res.status).toBe(413);
    expect(securityHeaderProblems(res)).toEqual([]);
    expect(await textOf(res)).toContain(localeText('es', 'portal:upload.too_large', { size: ATTACHMENT_MAX_BYTES / 1024 / 1024 }));
    // Beyond what any upload may be, the request is refused before it is read, still in the portal's frame.
    const huge = await upload(carlaClient, portalUpload, { name: 'huge.pdf', body: new Uint8Array(UPLOAD_MAX_BYTES + 1) });
    expect(huge.status).toBe(413);
    expect(await textOf(huge)).toContain(localeText('es', 'errors:tooLarge.title'));
    expect(await stored()).toEqual(before);
  });

  it('from staff: refused in their language, nothing kept', async () => {
    const before = await stored();
    const res = await upload(ana, staffUpload, { name: 'big.pdf', body: new Uint8Array(ATTACHMENT_MAX_BYTES + 1) });
    expect(res.status).toBe(413);
    expect(await textOf(res)).toContain(localeText('es', 'crm:attachments.limit'));
    const huge = await upload(ana, staffUpload, { name: 'huge.pdf', body: new Uint8Array(UPLOAD_MAX_BYTES + 1) });
    expect(huge.status).toBe(413);
    expect(await textOf(huge)).toContain(localeText('es', 'errors:tooLarge.title'));
    expect(await stored()).toEqual(before);
  });
});

describe('what a file says it is', () => {
  it('a portal file must hold what its name says, whatever the browser claims; nothing else is kept', async () => {
    const before = await stored();
    const refused = [
      { name: 'invoice.pdf', body: EXE, type: 'application/pdf', problem: 'content_mismatch' },
      { name: 'photo.png', body: HTML, type: 'image/png', problem: 'content_mismatch' },
      { name: 'scan.pdf', body: HTML, type: 'application/pdf', problem: 'content_mismatch' },
      { name: 'page.html', body: HTML, type: 'text/html', problem: 'type_not_allowed' },
      { name: 'logo.svg', body: SVG, type: 'image/svg+xml', problem: 'type_not_allowed' },
      { name: 'setup.exe', body: EXE, type: 'application/x-msdownload', problem: 'type_not_allowed' },
      { name: 'page.html.', body: HTML, type: 'text/plain', problem: 'type_not_allowed' },
    ];
    const answers: string[] = [];
    for (const file of refused) {
      const res = await upload(carlaClient, portalUpload, file);
      const text = await textOf(res);
      answers.push(`${file.name} ${res.status} ${text.includes(localeText('es', `portal:upload.${file.problem}`))}`);
    }
    expect(answers).toEqual(refused.map((f) => `${f.name} 422 true`));
    expect(await stored()).toEqual(before);
  });

  it('a genuine file is kept under the type its bytes show, not the one the browser sent', async () => {
    const res = await upload(carlaClient, portalUpload, { name: 'contract.pdf', body: PDF, type: 'text/html' });
    expect(res.status).toBe(303);
    const row = (await stored()).at(-1);
    expect([row?.filename, row?.content_type, row?.author_kind]).toEqual(['contract.pdf', 'application/pdf', 'portal']);
  });

  it('a staff user may attach a page or an image that scripts, but it is only ever downloaded', async () => {
    for (const file of [
      { name: 'page.html', body: HTML, type: 'text/html' },
      { name: 'logo.svg', body: SVG, type: 'image/svg+xml' },
      { name: 'notes.xhtml', body: HTML, type: 'application/xhtml+xml' },
    ]) {
      expect((await upload(ana, staffUpload, file, { visibility: 'customer' })).status, file.name).toBe(303);
      const row = await t.db.selectFrom('attachments').select('id').where('filename', '=', file.name).executeTakeFirstOrThrow();
      for (const [who, path] of [
        ['staff', `/admin/m/cases/${w.records.carlaCase1}/attachments/${row.id}`],
        ['customer', `${HELP}/m/cases/${w.records.carlaCase1}/files/${row.id}`],
      ] as const) {
        const res = await (who === 'staff' ? ana : carlaClient).get(path);
        expect(res.status, `${who} ${file.name}`).toBe(200);
        expect(downloadProblems(res), `${who} ${file.name}`).toEqual([]);
        expect(securityHeaderProblems(res), `${who} ${file.name}`).toEqual([]);
        expect(new Uint8Array(await res.arrayBuffer())).toEqual(file.body);
      }
    }
  });
});

describe('file names', () => {
  /** Each hostile name uploaded by staff and (with an allowed extension) by the customer, then downloaded by both. */
  async function roundTrips() {
    const out: { sent: string; stored: string; header: string | null; saved: string | undefined; setCookie: string[]; problems: string[] }[] = [];
    for (const name of HOSTILE_NAMES) {
      for (const [who, client, path, sent] of [
        ['staff', ana, staffUpload, name],
        ['customer', carlaClient, portalUpload, name.endsWith('.txt') ? name : `${name}.txt`],
      ] as const) {
        const before = new Set((await stored()).map((r) => r.id));
        const res = await upload(client, path, { name: sent, body: bytes('plain text'), type: 'text/plain' }, { visibility: 'customer' });
        expect(res.status, `${who} ${JSON.stringify(sent)}`).toBe(303);
        const row = (await stored()).find((r) => !before.has(r.id));
        if (!row) throw new Error(`${who} ${JSON.stringify(sent)} not stored`);
        for (const [reader, get] of [
          [ana, `/admin/m/cases/${w.records.carlaCase1}/attachments/${row.id}`],
          [carlaClient, `${HELP}/m/cases/${w.records.carlaCase1}/files/${row.id}`],
        ] as const) {
          const download = await reader.get(get);
          const header = download.headers.get('Content-Disposition');
          out.push({
            sent,
            stored: row.filename,
            header,
            saved: downloadName(header),
            setCookie: download.headers.getSetCookie(),
            problems: downloadProblems(download),
          });
        }
      }
    }
    return out;
  }

  it('are stored without paths, quotes, control or bidirectional characters, and downloaded under that name in a safe header', async () => {
    const trips = await roundTrips();
    expect(trips.flatMap((r) => r.problems.map((p) => `${JSON.stringify(r.sent)}: ${p}`))).toEqual([]);
    // No header was injected and the name saved is the one stored.
    expect(trips.filter((r) => r.setCookie.length > 0).map((r) => r.sent)).toEqual([]);
    expect(trips.filter((r) => r.saved !== r.stored).map((r) => [r.sent, r.stored, r.saved])).toEqual([]);
    // biome-ignore lint/suspicious/noControlCharactersInRegex: control characters are what must not be stored
    const unsafe = /[\u0000-\u001f\u007f"\\/<>:|?*\u061c\u200e\u200f\u202a-\u202e\u2066-\u2069]/;
    expect(trips.filter((r) => unsafe.test(r.stored) || r.stored.startsWith('.')).map((r) => [r.sent, r.stored])).toEqual([]);
    const names = new Map(trips.map((r) => [r.sent, r.stored]));
    expect(names.get('../../etc/passwd')).toBe('passwd');
    expect(names.get('..\\..\\win.ini')).toBe('win.ini');
    expect(names.get('invoice\u202Etxt.exe')).toBe('invoicetxt.exe');
    expect(names.get('résumé – año 2027.txt')).toBe('résumé – año 2027.txt');
  });

  it('a careless download header is reported (the checker can fail)', () => {
    expect(contentDispositionProblems(null)).toEqual(['no Content-Disposition']);
    expect(contentDispositionProblems('inline; filename="page.html"')).toEqual(['not an attachment', 'no filename*']);
    expect(contentDispositionProblems('attachment; filename="a"\r\nSet-Cookie: x=1.txt"; filename*=UTF-8\'\'a')).toContain(
      'control character in Content-Disposition',
    );
    expect(contentDispositionProblems('attachment; filename="../../etc/passwd"; filename*=UTF-8\'\'..%2F..%2Fetc%2Fpasswd')).toEqual([
      'filename holds an unsafe character: "../../etc/passwd"',
      'filename* holds an unsafe character: "../../etc/passwd"',
    ]);
    expect(contentDispositionProblems("attachment; filename=\"O'Brien.txt\"; filename*=UTF-8''O'Brien.txt")).toEqual([
      "filename* is not RFC 5987: UTF-8''O'Brien.txt",
    ]);
    expect(contentDispositionProblems('attachment; filename="evil.txt"; filename*=UTF-8\'\'evil%E2%80%AEtxt.exe')).toEqual([
      'filename* holds an unsafe character: "evil\u202etxt.exe"',
    ]);
    const rendered = new Response('<script>', { headers: { 'Content-Type': 'text/html', 'Content-Disposition': 'inline' } });
    expect(downloadProblems(rendered)).toEqual(['not an attachment', 'no quoted filename', 'no filename*', 'no nosniff', 'renderable Content-Type text/html']);
  });
});
