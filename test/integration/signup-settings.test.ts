import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { person, type SignupWorld, signUp, signupsOf, startSignupWorld, textOf } from '../support/signup-world.js';

let w: SignupWorld;
beforeAll(async () => {
  w = await startSignupWorld();
});
afterAll(() => w.t.close());

const path = async () => `/admin/settings/portals/${(await w.portal()).id}/signup`;
const fieldId = (name: string) => w.contacts.byName.get(name)?.id ?? '';
const post = async (form: Record<string, string | string[]>) => {
  const body = new URLSearchParams();
  for (const [k, v] of Object.entries(form)) for (const one of [v].flat()) body.append(k, one);
  return w.ana.request(await path(), { method: 'POST', body, headers: { 'Content-Type': 'application/x-www-form-urlencoded' } });
};
const valid = () => ({
  typeId: w.typeId,
  fieldIds: [fieldId('first_name'), fieldId('phone')],
  ownerId: w.anaId,
  domains: 'partner.example\r\nOther.Example\r\n',
});

describe('the sign-up settings', () => {
  it('is linked from the portal page and shows the type’s editable fields, the email always asked', async () => {
    const portalPage = await w.ana.get(`/admin/settings/portals/${(await w.portal()).id}`);
    expect(await portalPage.text()).toContain(`href="${await path()}"`);
    const res = await w.ana.get(await path());
    expect(res.status).toBe(200);
    const html = await res.text();
    for (const name of ['first_name', 'last_name', 'phone', 'language']) expect(html).toContain(`value="${fieldId(name)}"`);
    // The email is always asked (not a choice); fields the type hides or makes read-only are not offered.
    for (const name of ['email', 'mobile', 'title']) expect(html).not.toContain(`value="${fieldId(name)}"`);
    expect(html).toMatch(/<textarea[^>]*name="domains"[^>]*>partner.example<\/textarea>/);
    // "Show this type's fields" redraws the form with what was typed, saving nothing; Off asks no fields.
    const shown = await (await w.ana.get(`${await path()}?typeId=${w.typeId}&domains=typed.example&ownerId=${w.anaId}`)).text();
    expect(shown).toMatch(/<textarea[^>]*name="domains"[^>]*>typed.example<\/textarea>/);
    expect(shown).toContain(`value="${fieldId('phone')}"`);
    expect(await (await w.ana.get(`${await path()}?typeId=`)).text()).not.toContain(`value="${fieldId('phone')}"`);
    expect((await w.portal()).signup_domains).toEqual(['partner.example']);
  });

  it('saves valid settings, lower-casing the domains, and audits the change', async () => {
    const res = await post(valid());
    expect(res.status).toBe(303);
    const portal = await w.portal();
    expect(portal).toMatchObject({
      signup_user_type_id: w.typeId,
      signup_field_ids: [fieldId('first_name'), fieldId('phone')],
      signup_owner_id: w.anaId,
      signup_domains: ['partner.example', 'other.example'],
    });
    const audit = await w.t.db.selectFrom('audit_log').selectAll().where('action', '=', 'portal.signup_saved').where('target_id', '=', portal.id).execute();
    expect(audit.at(-1)?.details).toMatchObject({ after: { domains: ['partner.example', 'other.example'] } });
    expect(await textOf(await w.ana.get(`${await path()}?done=saved`))).toContain('The sign-up settings are saved.');
  });

  it('always asks the fields the CRM requires: shown ticked and fixed, and on the form even when not chosen', async () => {
    const html = await (await w.ana.get(await path())).text();
    const lastName = fieldId('last_name');
    expect(html).toMatch(
      new RegExp(`<input type="checkbox" id="field-${lastName}" value="${lastName}" checked="" disabled="" aria-describedby="field-${lastName}-note"`),
    );
    expect(html).toContain(`<span class="hint" id="field-${lastName}-note">Required in the CRM, always asked</span>`);
    expect(html).not.toMatch(new RegExp(`name="fieldIds" value="${lastName}"`));
    // Saved without it (valid() chooses first name and phone), the form still asks it and refuses a sign-up without it.
    expect((await w.portal()).signup_field_ids).not.toContain(lastName);
    const form = await (await w.visitor.get('/p/care/signup')).text();
    for (const name of ['first_name', 'last_name', 'phone']) expect(form).toContain(`name="${name}"`);
    expect(form).not.toMatch(/<select[^>]*name="language"/);
    const refused = await signUp(w.visitor, { ...person('no.last@example.org'), last_name: '' });
    expect(refused.status).toBe(422);
    expect(await textOf(refused)).toContain('The sign-up was not sent');
    expect(await signupsOf(w.t, 'no.last@example.org')).toEqual([]);
    expect((await signUp(w.visitor, person('with.last@example.org'))).status).toBe(200);
    expect((await signupsOf(w.t, 'with.last@example.org'))[0]?.data).toMatchObject({ last_name: 'Gómez' });
  });

  it('refuses to turn sign-up on while a field the CRM requires cannot be asked, naming it', async () => {
    const cases: [string, string][] = [
      ['account', '“Account” is required in the CRM, but the sign-up form cannot ask a field of its kind (such as a lookup or a subform).'],
      ['mobile', '“Mobile” is required in the CRM, but this user type does not show it or does not let its users edit it on the default layout'],
    ];
    await w.t.db.updateTable('portals').set({ signup_user_type_id: null }).execute();
    const before = await w.portal();
    expect(before.signup_user_type_id).toBeNull();
    for (const [name, message] of cases) {
      await w.t.db.updateTable('fields').set({ required: true }).where('id', '=', fieldId(name)).execute();
      try {
        const res = await post(valid());
        expect(res.status, name).toBe(422);
        const text = await textOf(res);
        expect(text, name).toContain('Nothing was saved.');
        expect(text, name).toContain(message);
        expect(await w.portal(), name).toEqual(before);
      } finally {
        await w.t.db.updateTable('fields').set({ required: false }).where('id', '=', fieldId(name)).execute();
      }
    }
    expect((await post(valid())).status).toBe(303);
    // Made required once sign-up is on, a field the form cannot ask closes the form.
    await w.t.db.updateTable('fields').set({ required: true }).where('id', '=', fieldId('account')).execute();
    try {
      expect((await w.visitor.get('/p/care/signup')).status).toBe(404);
      expect((await signUp(w.visitor, person('closed@example.org'))).status).toBe(404);
      expect(await signupsOf(w.t, 'closed@example.org')).toEqual([]);
    } finally {
      await w.t.db.updateTable('fields').set({ required: false }).where('id', '=', fieldId('account')).execute();
    }
    expect((await w.visitor.get('/p/care/signup')).status).toBe(200);
  });

  it('refuses each bad part with its own message, keeping what was typed and saving nothing', async () => {
    const before = await w.portal();
    const cases: [Record<string, string | string[]>, string][] = [
      [{ ...valid(), domains: 'partner.example\nnot a domain' }, '“not a domain” is not a domain name.'],
      [{ ...valid(), domains: 'acme.example' }, "“acme.example” is one of the company's own domains"],
      [{ ...valid(), fieldIds: [fieldId('mobile')] }, 'A chosen field is not one this type lets its users edit.'],
      [{ ...valid(), fieldIds: [fieldId('email')] }, 'A chosen field is not one this type lets its users edit.'],
      [{ ...valid(), ownerId: '' }, 'Choose the active staff user who owns the records.'],
      [{ ...valid(), typeId: '00000000-0000-0000-0000-000000000000' }, "Choose one of this portal's user types, or Off."],
      [{ ...valid(), domains: Array.from({ length: 51 }, (_, i) => `d${i}.example`).join('\n') }, 'List at most 50 domains.'],
    ];
    for (const [form, message] of cases) {
      const res = await post(form);
      expect(res.status, message).toBe(422);
      const text = await textOf(res);
      expect(text, message).toContain('Nothing was saved.');
      expect(text, message).toContain(message);
    }
    const kept = await (await post({ ...valid(), domains: 'partner.example\nnot a domain' })).text();
    expect(kept).toContain('not a domain</textarea>');
    expect(await w.portal()).toEqual(before);
  });

  it('turns sign-up off by choosing no type, and the portal’s sign-up page is then not found', async () => {
    expect((await post({ ...valid(), typeId: '' })).status).toBe(303);
    expect((await w.portal()).signup_user_type_id).toBeNull();
    expect((await w.visitor.get('/p/care/signup')).status).toBe(404);
    expect(await w.t.db.selectFrom('audit_log').select('id').where('action', '=', 'portal.signup_disabled').execute()).toHaveLength(1);
    expect((await post(valid())).status).toBe(303);
    expect((await w.visitor.get('/p/care/signup')).status).toBe(200);
  });

  it('is for staff who manage portals only', async () => {
    expect((await w.bruno.get(await path())).status).toBe(403);
    const before = await w.portal();
    const body = new URLSearchParams({ typeId: '', ownerId: w.anaId, domains: '' });
    expect((await w.bruno.request(await path(), { method: 'POST', body, headers: { 'Content-Type': 'application/x-www-form-urlencoded' } })).status).toBe(403);
    expect(await w.portal()).toEqual(before);
  });
});
