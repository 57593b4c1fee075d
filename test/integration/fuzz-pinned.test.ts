import { Hono } from 'hono';
import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { fingerprint } from '../support/fingerprint.js';
import { type Answer, answerProblems, type CheckedCase, drawValue, encodePairs, mutatePairs, routePrng, runCases } from '../support/fuzz.js';
import { answerOf, CARLA_LANGUAGE, clients, keepWorld, SEED, setUpFuzzWorld, t, tables, w } from '../support/fuzz-world.js';
import { localeText } from '../support/locale-strings.js';
import { htmlForms, submitForm } from '../support/portal-crawl.js';
import { HELP } from '../support/portal-world.js';

// What the route fuzz (fuzz-routes.test.ts) once found, pinned as plain
// requests in the same world: each was a 500, a write on a refusal or a page
// in the wrong language. And the fuzz's own checker, run against a careless
// app, so a checker that stopped seeing those problems fails here.

beforeAll(setUpFuzzWorld, 120_000);
afterAll(() => t?.close());

describe('what the fuzz found, pinned', () => {
  it('saves a standard module sent without a sharing level as it was, instead of answering 500', async () => {
    await keepWorld('staff');
    const before = await fingerprint(t.db, tables);
    const res = await clients.staff.post('/admin/settings/modules/leads', { zzz_unknown: '2026-02-30' });
    expect(res.status).toBe(303);
    expect(await fingerprint(t.db, tables)).toEqual(before);
  });

  it('answers a staff lookup asked for its field alone with no suggestions, instead of 500', async () => {
    await keepWorld('staff');
    const account = w.contacts.fields.find((f) => f.api_name === 'account');
    for (const query of [`field=${account?.id}`, `field=${account?.id}&field=%2F%2Fevil.example`]) {
      const res = await clients.staff.get(`/admin/m/contacts/lookup?${query}`, { 'HX-Request': 'true' });
      expect(res.status, query).toBe(200);
      expect(await res.text()).toBe('');
    }
  });

  it('refuses a portal form whose filter-by lookup names something that is not an id with a 422, instead of 500, writing nothing', async () => {
    await keepWorld('portal');
    const page = `${HELP}/m/cases/${w.records.carlaCase1}/edit`;
    const form = htmlForms(await (await clients.portal.get(page)).text()).find((f) => f.action === page);
    if (!form) throw new Error(`no form on ${page}`);
    expect(form.controls.map((c) => c.name)).toContain('contact__id');
    const before = await fingerprint(t.db, tables);
    for (const id of ['\t', 'not-an-id', `${w.records.carla}x`]) {
      const sent = { ...form, controls: form.controls.map((c) => (c.name === 'contact__id' ? { ...c, value: id } : c)) };
      const { res } = await submitForm(clients.portal, sent, page);
      expect(res.status, JSON.stringify(id)).toBe(422);
    }
    expect(await fingerprint(t.db, tables)).toEqual(before);
  });

  it('refuses a control character in a portal address in the signed-in user’s language, not the organization’s', async () => {
    await keepWorld('portal');
    const res = await clients.portal.get(`${HELP}/m/cases?q=a%00b`);
    expect(res.status).toBe(400);
    const html = await res.text();
    expect(html).toContain(`<html lang="${CARLA_LANGUAGE}"`);
    expect(html).toContain(localeText(CARLA_LANGUAGE, 'errors:badInput.title'));
  });
});

describe('the checker', () => {
  /** A careless app: a 500 on a quote, a write before a 400, a page in English for a Spanish reader. */
  function carelessApp() {
    const app = new Hono();
    app.get('/search', (c) => ((c.req.query('q') ?? '').includes("'") ? c.text('boom', 500) : c.text('ok')));
    app.post('/note', async (c) => {
      const form = await c.req.parseBody();
      if (typeof form.body === 'string' && form.body.length > 0) return c.text('saved');
      await t.db.updateTable('org').set({ name: sql<string>`name || '!'` }).execute();
      return c.text('refused', 400);
    });
    app.get('/page', (c) =>
      c.html(
        `<!DOCTYPE html><html lang="en"><body><a class="skip-link" href="#main">${localeText('en', 'common:skipToContent')}</a><p>${localeText('en', 'errors:forbidden')}</p></body></html>`,
      ),
    );
    return app;
  }

  it('reports a 500, a write on a 400 (naming the request) and a page in the wrong language, from mutated requests', async () => {
    const app = carelessApp();
    const r = routePrng(SEED, 'checker');
    const cases: CheckedCase[] = [
      ...[`' OR 1=1--`, 'fine'].map((q) => ({
        label: `GET /search?q=${q}`,
        send: async () => answerOf(await app.request(`/search?${encodePairs([['q', { text: q }]])}`)),
        check: (a: Answer) => answerProblems(a, 'en'),
      })),
      ...[1, 2, 3].map((n) => {
        const body = n === 2 ? [] : mutatePairs(r, [['body', 'hello']]).pairs.filter(([k]) => k !== 'body');
        return {
          label: `POST /note #${n}`,
          send: async () =>
            answerOf(
              await app.request('/note', {
                method: 'POST',
                body: encodePairs(n === 1 ? [['body', drawValue(r).value]] : body),
                headers: { 'Content-Type': 'application/x-www-form-urlencoded' },
              }),
            ),
          check: (a: Answer) => answerProblems(a, 'en'),
        };
      }),
      { label: 'GET /page', send: async () => answerOf(await app.request('/page')), check: (a: Answer) => answerProblems(a, 'es') },
    ];
    const { findings } = await runCases(cases, () => fingerprint(t.db, tables));
    const problems = findings.map((f) => `${f.label}: ${f.problem}`);
    expect(problems).toContain(`GET /search?q=' OR 1=1--: answered 500`);
    expect(problems.some((p) => p.startsWith('POST /note #2: answered 400 and changed org'))).toBe(true);
    expect(problems).toContain('GET /page: a page in en, not es');
    expect(problems).toContain(`GET /page: no "${localeText('es', 'common:skipToContent')}" (the layout in es)`);
    expect(problems.some((p) => p.startsWith('GET /page: English text in a es page'))).toBe(true);
    expect(problems.filter((p) => p.startsWith('GET /search?q=fine'))).toEqual([]);
  });
});
