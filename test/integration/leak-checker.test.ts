import { strFromU8, unzipSync } from 'fflate';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { BrowserClient } from '../support/app.js';
import { changedTables, fingerprint } from '../support/fingerprint.js';
import {
  allowances,
  allowedNow,
  g,
  HAS_UUID,
  judge,
  known,
  ownRecordAllowance,
  SEED,
  setupLeakChecker,
  signIn,
  signInAll,
  subjectModule,
  t,
  UUID,
  w,
  walks,
} from '../support/leak-checker.js';
import { FRANCHISE_HOST, MARKER, refWorldOf } from '../support/leak-world.js';
import { crawlPortal, htmlForms, submitForm } from '../support/portal-crawl.js';
import { refMask, refScope } from '../unit/access-reference.js';

// The leak checker. Three portals over one organization's data (user types
// based on contacts, leads, vendors and a custom module; customers of one
// account side by side; a marker in every text a record holds; staff-only
// notes and files; records in the recycle bin and in a layout no type
// allows). Each portal user walks everything their pages offer, then sends
// what a curious customer would craft: other people's ids in every address
// the walks met, other portals' addresses and host, hidden fields in forms,
// sorts, filters and searches on them. Every record id, marker and file any
// answer carries must be one ACCESS.md's reference
// (test/unit/access-reference.ts) allows that user, and nothing refused may
// change a data table. Writes to public modules, the staff preview and
// explain pages, and the judge itself are in leak-checker-judge.test.ts.

beforeAll(setupLeakChecker, 120_000);
afterAll(() => t.close());

describe(`the leak checker (LEAK_SEED=${SEED})`, () => {
  it('finds the world it was given: seven portal users of four kinds over three portals', () => {
    expect(w.users.map((u) => u.label)).toHaveLength(7);
    expect(new Set(w.users.map((u) => u.slug))).toEqual(new Set(['demo', 'partners', 'franchise']));
    expect(w.markers.size).toBeGreaterThan(150);
  });

  it('walks every page, fragment and form of each user: everything received is theirs to see', { timeout: 300_000 }, async () => {
    const leaks: string[] = [];
    let counted = 0;
    for (const user of w.users) {
      const beforeWorld = await refWorldOf(t.db);
      const before = await allowedNow(user);
      const client = await signIn(user);
      const base = `/p/${user.slug}`;
      const report = await crawlPortal({ client, base, start: [base, `${base}/profile`], fragments: true });
      const after = await allowedNow(user);
      allowances.set(user.id, [before, after]);
      walks.set(user.id, report.visits);
      for (const v of report.visits) leaks.push(...judge(user.label, v.method, v.url, v, [before, after]));
      // Their own privacy export: everything about their own record (a data subject's right), and otherwise what their portal shows.
      const archives = [
        ...new Set(report.visits.filter((v) => v.status === 200 && /\/privacy\/requests\/[0-9a-f-]{36}\/archive$/.test(v.url)).map((v) => v.url)),
      ];
      const subject = ownRecordAllowance(await refWorldOf(t.db), user.id);
      // Privacy requests are for people: records of modules that hold consent (contacts, leads).
      const personal = [...w.metas.values()].some((m) => m.module.id === subjectModule(user.id) && m.byName.has('consent_status'));
      expect(archives, `${user.label}: exports downloaded`).toHaveLength(personal ? 1 : 0);
      const again = await signIn(user);
      for (const url of archives) {
        const res = await again.get(url);
        const files = unzipSync(new Uint8Array(await res.arrayBuffer()));
        expect(Object.keys(files).length).toBeGreaterThan(2);
        for (const [name, bytes] of Object.entries(files))
          leaks.push(...judge(user.label, 'GET', `${url} ${name}`, { body: strFromU8(bytes), headers: new Headers() }, [before, after, subject]));
      }
      // Counts on the home tiles and above each list are those of the row scope.
      const [worldBefore, worldAfter] = [beforeWorld, await refWorldOf(t.db)];
      for (const m of w.metas.values()) {
        const list = `${base}/m/${m.module.api_name}`;
        const expected = [worldBefore, worldAfter].map((rw) => refScope(rw, user.id, user.portalId, m.module.id).size);
        const shown: number[] = [];
        for (const v of report.visits.filter((x) => x.method === 'GET' && x.status === 200 && x.kind === 'page')) {
          if (v.url === list) shown.push(Number(/id="module-count">\D*(\d+)/.exec(v.body)?.[1] ?? Number.NaN));
          const tile = new RegExp(`<a class="tile" href="${list}">[\\s\\S]*?<span class="tile-count">\\D*(\\d+)`).exec(v.body);
          if (tile) shown.push(Number(tile[1]));
        }
        for (const n of shown) if (!expected.includes(n)) leaks.push(`${user.label}: ${list} counts ${n}, the reference ${expected.join(' or ')}`);
        counted += shown.length;
      }
      // The markers they may see did reach them: the judge looked at real data, not at empty pages.
      const seen = new Set(report.visits.flatMap((v) => v.body.match(MARKER) ?? []).filter((code) => w.markers.has(code)));
      expect(seen.size, `${user.label} received none of their own data`).toBeGreaterThan(2);
      console.info(`${user.label}: ${report.visits.length} requests, ${report.pages.length} pages, ${seen.size} markers of their own received`);
      // A walk that saw nothing proves nothing.
      expect(report.pages.length, `${user.label} walked too little`).toBeGreaterThan(5);
      expect(
        report.visits.some((v) => v.status === 200 && [...before.records].some((id) => v.url.includes(id))),
        `${user.label} opened none of their records`,
      ).toBe(true);
    }
    expect(counted, 'counts compared with the reference').toBeGreaterThan(10);
    expect(leaks).toEqual([]);
  });

  it('answers 404 and shows nothing when a user puts anybody else’s ids in any address the walks met', { timeout: 300_000 }, async () => {
    // Every address with an id that any user's walk met, as a shape: /p/:slug/m/cases/:id/files/:id…
    const shapes = new Set<string>();
    for (const visits of walks.values())
      for (const v of visits) if (v.method === 'GET' && HAS_UUID.test(v.url)) shapes.add(v.url.replace(/^\/p\/[^/]+/, '').replace(UUID, ':id'));
    expect(shapes.size).toBeGreaterThan(5);
    const problems: string[] = [];
    const clients = await signInAll(w.users);
    const fp = await fingerprint(t.db);
    let foreignForms = 0;
    for (const user of w.users) {
      const client = clients.get(user.id) as BrowserClient;
      const allowed = allowances.get(user.id) ?? [];
      const own = new Set(allowed.flatMap((a) => [...a.records, ...a.attachments, ...a.notes]));
      const foreign = [...known.records, ...known.attachments, ...known.notes].filter((id) => !own.has(id));
      for (const shape of shapes) {
        const slots = shape.split(':id').length - 1;
        for (let i = 0; i < 6; i++) {
          // One foreign id in one slot, the others filled with ids of the user's own (or foreign ones too).
          const at = g.int(slots);
          let n = 0;
          const path = shape.replace(/:id/g, () => (n++ === at ? g.pick(foreign) : g.chance(0.5) && own.size ? g.pick([...own]) : g.pick(foreign)));
          const url = `/p/${user.slug}${path}`;
          for (const headers of [{}, { 'HX-Request': 'true' }] as Record<string, string>[]) {
            const res = await client.get(url, headers);
            const body = await res.text();
            if (res.status !== 404) problems.push(`${user.label}: GET ${url}${Object.keys(headers).length ? ' (htmx)' : ''} → ${res.status}, not 404`);
            problems.push(...judge(user.label, 'GET', url, { body, headers: res.headers }, allowed));
          }
        }
      }
      // The forms the other users' walks met, sent with this user's session: refused, nothing written.
      for (const [otherId, visits] of walks) {
        if (otherId === user.id) continue;
        for (const v of visits.filter((x) => x.status === 200 && (x.headers.get('Content-Type') ?? '').includes('text/html')).slice(0, 40)) {
          for (const form of htmlForms(v.body).filter((f) => f.method === 'POST' && HAS_UUID.test(f.action))) {
            const target = form.action.replace(/^\/p\/[^/]+/, `/p/${user.slug}`);
            const ids = target.match(UUID) ?? [];
            if (ids.every((id) => own.has(id.toLowerCase()))) continue;
            const { res } = await submitForm(client, { ...form, action: target }, v.url);
            const body = await res.text();
            foreignForms += 1;
            if (res.status < 400) problems.push(`${user.label}: POST ${target} (another user's form) → ${res.status}`);
            problems.push(...judge(user.label, 'POST', target, { body, headers: res.headers }, allowed));
          }
        }
      }
    }
    console.info(`${shapes.size} address shapes, ${foreignForms} forms of other users sent`);
    expect(foreignForms).toBeGreaterThan(20);
    expect(problems).toEqual([]);
    expect(changedTables(fp, await fingerprint(t.db))).toEqual([]);
  });

  it('gives nothing to a session of one portal in another portal, by its address or its own host', async () => {
    const problems: string[] = [];
    for (const user of w.users) {
      const client = await signIn(user);
      const urls = [...new Set((walks.get(user.id) ?? []).filter((v) => v.method === 'GET' && v.status === 200).map((v) => v.url))].slice(0, 25);
      for (const [portalId, slug] of w.slugs) {
        if (portalId === user.portalId) continue;
        const allowed = [await allowedNow(user, portalId)];
        for (const url of urls) {
          const there = url.replace(/^\/p\/[^/]+/, `/p/${slug}`);
          const res = await client.get(there);
          const body = await res.text();
          const location = res.headers.get('Location') ?? '';
          if (!(res.status === 404 || (res.status === 303 && location.startsWith(`/p/${slug}/login`))))
            problems.push(`${user.label}: GET ${there} → ${res.status} ${location}`);
          problems.push(...judge(user.label, 'GET', there, { body, headers: res.headers }, allowed));
        }
      }
      if (user.slug !== 'franchise') {
        const allowed = [await allowedNow(user, [...w.slugs].find(([, s]) => s === 'franchise')?.[0])];
        for (const url of urls) {
          const path = url.replace(/^\/p\/[^/]+/, '') || '/';
          const cookie = [...client.cookies].map(([k, v]) => `${k}=${v}`).join('; ');
          const res = await t.app.request(`http://${FRANCHISE_HOST}${path}`, { headers: { Cookie: cookie, Host: FRANCHISE_HOST }, redirect: 'manual' });
          const body = await res.text();
          if (res.status === 200 && !/name="password"/.test(body)) problems.push(`${user.label}: ${FRANCHISE_HOST}${path} → 200 with another portal's session`);
          problems.push(...judge(user.label, 'GET', `${FRANCHISE_HOST}${path}`, { body, headers: res.headers }, allowed));
        }
      }
    }
    expect(problems).toEqual([]);
  });

  it('refuses hidden and read-only fields in forms, and sorts, filters and searches on hidden fields, writing nothing', async () => {
    const problems: string[] = [];
    const clients = await signInAll(w.users);
    const fp = await fingerprint(t.db);
    let tried = 0;
    let hiddenPosts = 0;
    for (const user of w.users) {
      const client = clients.get(user.id) as BrowserClient;
      const allowed = allowances.get(user.id) ?? [];
      const world = await refWorldOf(t.db);
      const base = `/p/${user.slug}`;
      for (const m of w.metas.values()) {
        const list = `${base}/m/${m.module.api_name}`;
        const probe = await client.get(list);
        await probe.text();
        if (probe.status !== 200) continue;
        // Fields the user sees nowhere in this module, and those they may only read.
        const tabsVisible = new Set(allowed[0]?.markers ?? []);
        const inScope = world.records.filter((r) => r.moduleId === m.module.id && allowed[0]?.records.has(r.id));
        const hidden = m.fields.filter((f) => !f.parent_field_id && !inScope.some((r) => tabsVisible.has(`${r.id}:${f.api_name}`)));
        for (const f of hidden.slice(0, 4)) {
          for (const q of [`sort=${f.api_name}`, `sort=${f.api_name}&dir=desc`, `f.${f.api_name}=zq00000000`]) {
            const res = await client.get(`${list}?${q}`);
            const body = await res.text();
            tried += 1;
            if (res.status >= 500) problems.push(`${user.label}: GET ${list}?${q} → ${res.status}`);
            if (q.startsWith('f.') && res.status < 400) problems.push(`${user.label}: a filter on hidden ${f.api_name} was accepted (${res.status})`);
            problems.push(...judge(user.label, 'GET', `${list}?${q}`, { body, headers: res.headers }, allowed));
          }
          // A search for a hidden value of one of their own records answers as a search that matches nothing.
          const nothing = await client.get(`${list}?q=zq0nomatch`);
          const expected = (await nothing.text()).replaceAll('zq0nomatch', '');
          for (const r of inScope.slice(0, 3)) {
            const code = [...w.markers].find(([, s]) => s.kind === 'field' && s.recordId === r.id && s.field === f.api_name)?.[0];
            if (!code) continue;
            const res = await client.get(`${list}?q=${code}`);
            const body = (await res.text()).replaceAll(code, '');
            tried += 1;
            if (res.status !== nothing.status || body !== expected)
              problems.push(`${user.label}: searching ${list} for hidden ${f.api_name} answers unlike a search that finds nothing`);
          }
        }
        // The user's own create and edit forms with a hidden or read-only field added.
        for (const v of (walks.get(user.id) ?? []).filter(
          (x) => x.status === 200 && x.url.startsWith(list) && (x.headers.get('Content-Type') ?? '').includes('text/html'),
        )) {
          const forms = htmlForms(v.body).map((fm) => ({ ...fm, action: new URL(fm.action || v.url, `http://porta.test${v.url}`).pathname }));
          for (const form of forms.filter((fm) => fm.method === 'POST' && new RegExp(`^${list}(/[0-9a-f-]{36}/edit)?$`).test(fm.action))) {
            const names = new Set(form.controls.map((c) => c.name));
            const readOnly = m.fields.filter((f) =>
              inScope.some((r) => r.layoutId !== null && refMask(world, user.id, user.portalId, m.module.id, r.layoutId).readOnly.has(f.id)),
            );
            const extra = [...hidden.filter((f) => f.type === 'text').slice(0, 2), ...readOnly.slice(0, 2)].filter((f) => !names.has(f.api_name));
            for (const f of extra) {
              const { res } = await submitForm(client, { ...form, controls: [...form.controls, { name: f.api_name, value: 'zq00000000' }] }, v.url);
              await res.text();
              tried += 1;
              hiddenPosts += 1;
              if (res.status !== 422) problems.push(`${user.label}: POST ${form.action} with hidden or read-only ${f.api_name} → ${res.status}, not 422`);
            }
          }
        }
      }
    }
    console.info(`${tried} sorts, filters, searches and forms on hidden fields, ${hiddenPosts} of them forms`);
    expect(tried).toBeGreaterThan(30);
    expect(hiddenPosts).toBeGreaterThan(5);
    expect(problems).toEqual([]);
    expect(changedTables(fp, await fingerprint(t.db))).toEqual([]);
  });
});
