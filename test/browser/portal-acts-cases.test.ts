/// <reference lib="dom" />
import type { Page } from 'playwright-core';
import { beforeAll, describe, expect, it } from 'vitest';
import { hasChromium } from '../support/browser.js';
import { localeTexts } from '../support/locale-strings.js';
import { ATTACHMENT_LIMIT, BASE, JOURNEYS, journeySession, PDF, PHONE_WIDTH, PNG, portalActsSuite, type Seeded } from '../support/portal-acts-world.js';

// Acme's "Clientes" portal at /p/clientes: a contact adds notes and files to
// their cases (and is refused files too large or not what they claim), and
// the portal never scrolls sideways on a phone. Each journey runs in one
// language, with JavaScript on and off; the records belong to Bruno, who
// invited them. (Their details and deals are in portal-acts-records.test.ts.)

const { suite, world } = portalActsSuite();

describe.skipIf(!hasChromium)('a contact’s own writes in the customer portal', () => {
  for (const journey of JOURNEYS) {
    const { lang, js, who } = journey;
    const t = localeTexts(lang);
    const label = `in ${lang}, JavaScript ${js ? 'on' : 'off'}`;

    describe(label, () => {
      const session = journeySession(suite, world, journey);
      const { visited, main, notice, tab, attachmentsOf, staffVisit } = session;
      let page: Page;
      let staffPage: Page;
      let errors: string[];
      let mine: Seeded;
      let url: string;
      beforeAll(() => {
        ({ page, staffPage, errors, mine, url } = session);
      });

      it('f) adds a note and a PDF to a case; staff see both on the case, marked as from the portal', async () => {
        const note = lang === 'es' ? `La impresora sigue atascada (${who.first}).` : `A impressora continua travada (${who.first}).`;
        const file = `recibo-${who.first.toLowerCase()}.pdf`;
        await tab('cases').click();
        await page.waitForURL(`${url}${BASE}/m/cases`);
        await visited();
        await main().getByRole('link', { name: who.case, exact: true }).click();
        await page.waitForURL(`${url}${BASE}/m/cases/${mine.case}`);
        await visited();
        await page.getByLabel(t('portal:record.addNote'), { exact: true }).fill(note);
        await page.getByRole('button', { name: t('portal:record.saveNote'), exact: true }).click();
        await page.waitForURL(`${url}${BASE}/m/cases/${mine.case}?noted=1#notes`);
        await visited();
        expect(await notice()).toBe(t('portal:recordNotice.noted'));
        // On a case the notes are its conversation, her own marked as hers.
        const conversation = page.getByRole('region', { name: t('portal:cases.conversation'), exact: true });
        expect(await conversation.getByRole('listitem').filter({ hasText: note }).textContent()).toContain(t('portal:record.you'));

        await page.getByLabel(t('portal:upload.label'), { exact: true }).setInputFiles({ name: file, mimeType: 'application/pdf', buffer: PDF });
        await page.getByRole('button', { name: t('portal:upload.submit'), exact: true }).click();
        await page.waitForURL(`${url}${BASE}/m/cases/${mine.case}?attached=1#attachments`);
        await visited();
        expect(await notice()).toBe(t('portal:recordNotice.attached'));
        // Her file is in the conversation, after her note.
        const entries = conversation.getByRole('listitem');
        expect(await entries.last().getByRole('link', { name: file, exact: true }).count()).toBe(1);
        expect(await entries.last().textContent()).toContain(t('portal:record.you'));
        expect(await attachmentsOf(mine.case)).toEqual([
          { filename: file, content_type: 'application/pdf', author_kind: 'portal', author_id: mine.user, internal: false },
        ]);

        await staffVisit(`/admin/m/cases/${mine.case}`);
        const fromPortal = `${who.email} (${t('crm:history.portalUser')})`;
        const section = (title: string) => staffPage.locator('section').filter({ has: staffPage.getByRole('heading', { level: 2, name: title, exact: true }) });
        const staffNote = section(t('crm:notes.title')).getByRole('listitem').filter({ hasText: note });
        expect(await staffNote.textContent()).toContain(fromPortal);
        const staffFile = section(t('crm:attachments.title')).getByRole('listitem').filter({ hasText: file });
        expect(await staffFile.count()).toBe(1);
        expect(await staffFile.textContent()).toContain(fromPortal);
      });

      it('g) is refused, with the message on the page and nothing stored, a file over 10 MB and a .pdf that holds a PNG', async () => {
        const before = await attachmentsOf(mine.case);
        const upload = async (name: string, buffer: Buffer) => {
          await page.goto(`${url}${BASE}/m/cases/${mine.case}`);
          await visited();
          await page.getByLabel(t('portal:upload.label'), { exact: true }).setInputFiles({ name, mimeType: 'application/pdf', buffer });
          const answer = page.waitForResponse((r) => r.request().method() === 'POST' && r.url().endsWith(`/m/cases/${mine.case}/attachments`));
          await page.getByRole('button', { name: t('portal:upload.submit'), exact: true }).click();
          const status = (await answer).status();
          await visited();
          return status;
        };
        const fileField = page.getByLabel(t('portal:upload.label'), { exact: true });

        const big = Buffer.alloc(ATTACHMENT_LIMIT + 1, 0x20);
        PDF.copy(big);
        expect(await upload('escaneo.pdf', big)).toBe(413);
        expect(await fileField.getAttribute('aria-invalid')).toBe('true');
        expect(await main().textContent()).toContain(t('portal:upload.too_large', { size: 10 }));

        expect(await upload('factura.pdf', PNG)).toBe(422);
        expect(await fileField.getAttribute('aria-invalid')).toBe('true');
        expect(await main().textContent()).toContain(t('portal:upload.content_mismatch'));

        expect(await attachmentsOf(mine.case)).toEqual(before);
      });

      it('h) never scrolls sideways at 390 px: the portal’s home, a list, a record and a form', async () => {
        await page.setViewportSize({ width: PHONE_WIDTH, height: 844 });
        const width = () => page.evaluate(() => document.documentElement.scrollWidth);
        await page.goto(`${url}${BASE}`);
        await visited();
        expect(await width(), page.url()).toBeLessThanOrEqual(PHONE_WIDTH);
        await tab('deals').click();
        await page.waitForURL(`${url}${BASE}/m/deals`);
        await visited();
        expect(await width(), page.url()).toBeLessThanOrEqual(PHONE_WIDTH);
        await main().getByRole('link', { name: who.deal, exact: true }).click();
        await page.waitForURL(`${url}${BASE}/m/deals/${mine.deal}`);
        await visited();
        expect(await width(), page.url()).toBeLessThanOrEqual(PHONE_WIDTH);
        await page.getByRole('link', { name: t('portal:record.edit'), exact: true }).click();
        await page.waitForURL(`${url}${BASE}/m/deals/${mine.deal}/edit`);
        await visited();
        expect(await width(), page.url()).toBeLessThanOrEqual(PHONE_WIDTH);
        // Chromium logs the refused uploads' answers (413) as errors; nothing else may be logged.
        expect(errors.filter((e) => !/status of 413 /.test(e))).toEqual([]);
      });
    });
  }
});
