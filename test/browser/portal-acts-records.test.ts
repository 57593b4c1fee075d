/// <reference lib="dom" />
import type { Page } from 'playwright-core';
import { beforeAll, describe, expect, it } from 'vitest';
import { hasChromium } from '../support/browser.js';
import { bruno } from '../support/fixtures.js';
import { localeTexts } from '../support/locale-strings.js';
import { BASE, control, decodeHtml, escapeRegExp, JOURNEYS, journeySession, portalActsSuite, type Seeded, shownValue } from '../support/portal-acts-world.js';

// Acme's "Clientes" portal at /p/clientes: a contact edits their phone (the
// email is read-only) and creates, clones and deletes the deals of their
// contact. Each journey runs in one language, with JavaScript on and off; the
// records belong to Bruno, who invited them. (Notes and files on cases, and
// the phone-width layout, are in portal-acts-cases.test.ts.)

const { suite, world } = portalActsSuite();

describe.skipIf(!hasChromium)('a contact’s own writes in the customer portal', () => {
  for (const journey of JOURNEYS) {
    const { lang, js, who } = journey;
    const t = localeTexts(lang);
    const label = `in ${lang}, JavaScript ${js ? 'on' : 'off'}`;

    describe(label, () => {
      const session = journeySession(suite, world, journey);
      const { visited, main, notice, tab, recordOf, staffVisit } = session;
      let page: Page;
      let staffPage: Page;
      let mine: Seeded;
      let url: string;
      beforeAll(() => {
        ({ page, staffPage, mine, url } = session);
      });

      it('a) edits their own phone number from "My details"; the read-only email is shown, not offered', async () => {
        await page.getByRole('link', { name: t('portal:nav.myDetails'), exact: true }).click();
        await page.waitForURL(`${url}${BASE}/m/contacts/${mine.contact}`);
        await visited();
        expect(await page.getByRole('heading', { level: 1 }).textContent()).toBe(`${who.first} ${who.last}`);
        await page.getByRole('link', { name: t('portal:record.edit'), exact: true }).click();
        await page.waitForURL(`${url}${BASE}/m/contacts/${mine.contact}/edit`);
        await visited();
        expect(await page.getByRole('heading', { level: 1 }).textContent()).toBe(t('crm:actions.editNamed', { name: t('modules:contacts.singular') }));
        expect(await control(page, t('fields:contacts.email')).count()).toBe(0);
        expect(await main().textContent()).toContain(who.email);
        expect(await main().textContent()).toContain(t('portal:record.readOnly'));
        await control(page, t('fields:contacts.phone')).fill(who.phone);
        await page.getByRole('button', { name: t('common:save'), exact: true }).click();
        await page.waitForURL(`${url}${BASE}/m/contacts/${mine.contact}?saved=1`);
        await visited();
        expect(await notice()).toBe(t('portal:recordNotice.saved'));
        expect(await main().textContent()).toContain(who.phone);
        expect((await recordOf(mine.contact)).data).toMatchObject({ phone: who.phone, email: who.email });
      });

      it('b) is refused a crafted form that changes the read-only email: 422, nothing written', async () => {
        const before = await recordOf(mine.contact);
        const res = await page.request.post(`${url}${BASE}/m/contacts/${mine.contact}/edit`, {
          headers: { Origin: url },
          form: {
            __version: String(before.version),
            first_name: who.first,
            last_name: who.last,
            phone: '+34 699 999 999',
            email: 'someone.else@evil.example',
          },
          maxRedirects: 0,
        });
        expect(res.status()).toBe(422);
        const html = decodeHtml(await res.text());
        expect(html).toContain(`lang="${lang}"`);
        expect(html).toContain(t('portal:form.refused.read_only_field'));
        expect(html).not.toContain('someone.else@evil.example');
        const after = await recordOf(mine.contact);
        expect([after.version, after.data]).toEqual([before.version, before.data]);
      });

      it('c) creates a deal of their own with "New"; staff see it in the CRM, owned by the staff user who invited them', async () => {
        const name = `${t('modules:deals.singular')} ${who.first} ${js ? 'JS' : 'HTML'}`;
        await tab('deals').click();
        await page.waitForURL(`${url}${BASE}/m/deals`);
        await visited();
        expect(await page.getByRole('heading', { level: 1 }).textContent()).toBe(t('modules:deals.plural'));
        await page.getByRole('link', { name: t('portal:list.new', { module: t('modules:deals.singular') }), exact: true }).click();
        await page.waitForURL(`${url}${BASE}/m/deals/new`);
        await visited();
        expect(await page.getByRole('heading', { level: 1 }).textContent()).toBe(t('crm:actions.new', { name: t('modules:deals.singular') }));
        // The deal's contact starts as their own.
        expect(await shownValue(control(page, t('fields:deals.contact')))).toBe(`${who.first} ${who.last}`);
        await control(page, t('fields:deals.name')).fill(name);
        await control(page, t('fields:deals.stage')).selectOption({ label: t('picklists:deals.stage.negotiation') });
        await control(page, t('fields:deals.closing_date')).fill('2027-06-30');
        await control(page, t('fields:deals.amount')).fill('1500');
        await page.getByRole('button', { name: t('common:save'), exact: true }).click();
        await page.waitForURL(new RegExp(`${BASE}/m/deals/([0-9a-f-]{36})\\?created=1$`));
        await visited();
        const id = /\/m\/deals\/([0-9a-f-]{36})/.exec(page.url())?.[1] as string;
        expect(await page.getByRole('heading', { level: 1 }).textContent()).toBe(name);
        expect(await notice()).toBe(t('portal:recordNotice.created'));
        expect(await main().textContent()).toContain(t('picklists:deals.stage.negotiation'));

        const row = await recordOf(id);
        expect(row.data).toMatchObject({ name, stage: 'negotiation', closing_date: '2027-06-30', contact: mine.contact });
        expect(row.owner_id).toBe(world.brunoId);
        expect(row.created_by_portal_user_id).toBe(mine.user);

        await staffVisit('/admin/m/deals');
        await staffPage.getByRole('link', { name, exact: true }).click();
        await staffPage.waitForURL(`${url}/admin/m/deals/${id}`);
        await visited(staffPage);
        const owner = staffPage.getByRole('term').filter({ hasText: new RegExp(`^${escapeRegExp(t('crm:owner'))}$`) });
        expect(await owner.locator('xpath=following-sibling::dd[1]').textContent()).toBe(bruno.name);
      });

      it('d) clones a deal from its page and saves the copy', async () => {
        const copy = `${who.deal} (2)`;
        await tab('deals').click();
        await page.waitForURL(`${url}${BASE}/m/deals`);
        await visited();
        await main().getByRole('link', { name: who.deal, exact: true }).click();
        await page.waitForURL(`${url}${BASE}/m/deals/${mine.deal}`);
        await visited();
        await page.getByRole('link', { name: t('portal:record.clone'), exact: true }).click();
        await page.waitForURL(`${url}${BASE}/m/deals/new?clone=${mine.deal}`);
        await visited();
        expect(await control(page, t('fields:deals.name')).inputValue()).toBe(who.deal);
        expect(await control(page, t('fields:deals.stage')).inputValue()).toBe('proposal');
        await control(page, t('fields:deals.name')).fill(copy);
        await page.getByRole('button', { name: t('common:save'), exact: true }).click();
        await page.waitForURL(new RegExp(`${BASE}/m/deals/([0-9a-f-]{36})\\?created=1$`));
        await visited();
        const id = /\/m\/deals\/([0-9a-f-]{36})/.exec(page.url())?.[1] as string;
        expect(id).not.toBe(mine.deal);
        expect(await page.getByRole('heading', { level: 1 }).textContent()).toBe(copy);
        expect((await recordOf(id)).data).toMatchObject({ name: copy, stage: 'proposal', closing_date: '2027-01-31', contact: mine.contact });
        expect((await recordOf(mine.deal)).data).toMatchObject({ name: who.deal });
      });

      it('e) deletes a deal after the confirmation page: it is in the recycle bin, for staff too', async () => {
        await tab('deals').click();
        await page.waitForURL(`${url}${BASE}/m/deals`);
        await visited();
        await main().getByRole('link', { name: who.spare, exact: true }).click();
        await page.waitForURL(`${url}${BASE}/m/deals/${mine.spare}`);
        await visited();
        await page.getByRole('link', { name: t('portal:record.delete'), exact: true }).click();
        await page.waitForURL(`${url}${BASE}/m/deals/${mine.spare}/delete`);
        await visited();
        expect(await page.getByRole('heading', { level: 1 }).textContent()).toBe(t('portal:delete.title', { module: t('modules:deals.singular') }));
        expect(await main().textContent()).toContain(t('portal:delete.message'));
        await page.getByRole('button', { name: t('portal:delete.confirm'), exact: true }).click();
        await page.waitForURL(`${url}${BASE}/m/deals?deleted=1`);
        await visited();
        expect(await notice()).toBe(t('portal:recordNotice.deleted'));
        expect(await main().getByRole('link', { name: who.spare, exact: true }).count()).toBe(0);
        expect((await recordOf(mine.spare)).deleted_at).toBeInstanceOf(Date);

        await staffVisit('/admin/m/deals');
        await staffPage.getByRole('link', { name: t('crm:recycleBin.title'), exact: true }).click();
        await staffPage.waitForURL(`${url}/admin/m/deals/recycle-bin`);
        await visited(staffPage);
        expect(await staffPage.getByRole('rowheader', { name: who.spare, exact: true }).count()).toBe(1);
      });
    });
  }
});
