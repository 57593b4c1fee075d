import { type Context, Hono } from 'hono';
import { AlreadyConverted, ConvertLead } from '../../../../views/admin/records/ConvertLead.js';
import {
  type AccountChoice,
  type ConversionErrors,
  type ConversionFormValues,
  type ConversionRefusal,
  type ConversionSetup,
  conversionDefaults,
  conversionSetup,
  convertLead,
  type DealInput,
} from '../../../crm/convert.js';
import { namesFor } from '../../../crm/lookups.js';
import type { AppEnv } from '../../../http/env.js';
import { forbidden, notFound, page } from '../../../http/render.js';
import { readForm } from '../../../http/request.js';
import { timeZoneOf } from './context.js';

export const convertRoutes = new Hono<AppEnv>();

const leadHref = (id: string) => `/admin/m/leads/${id}`;

convertRoutes.get('/leads/:id/convert', async (c) => {
  const staff = c.get('staff');
  if (!staff) return forbidden(c);
  const prepared = await conversionSetup(c.get('deps').db, staff, c.req.param('id'));
  if (!prepared.ok) return refusal(c, prepared);
  return renderForm(c, prepared.setup, conversionDefaults(prepared.setup), {});
});

convertRoutes.post('/leads/:id/convert', async (c) => {
  const staff = c.get('staff');
  if (!staff) return forbidden(c);
  const form = await readConvertForm(c);
  const { db } = c.get('deps');
  const input = { leadId: c.req.param('id'), account: form.account, deal: form.deal, portalUserTypeId: form.values.portalUserType || undefined };
  const result = await convertLead(db, staff, input, { timeZone: timeZoneOf(c), jobs: c.get('deps').boss });
  if (result.ok) return c.redirect(`/admin/m/contacts/${result.contactId}?converted=1`, 303);
  if (result.reason === 'invalid') return renderForm(c, result.setup, form.values, result.errors, 422);
  return refusal(c, result);
});

function renderForm(c: Context<AppEnv>, setup: ConversionSetup, values: ConversionFormValues, errors: ConversionErrors, status: 200 | 422 = 200) {
  const t = c.get('t');
  const name = setup.lead.display_name || t('crm:untitled');
  const accountLookup = setup.contacts.byName.get('account');
  const body = (
    <ConvertLead
      view={c.get('view')}
      lead={{ name, href: leadHref(setup.lead.id) }}
      action={`${leadHref(setup.lead.id)}/convert`}
      may={setup.may}
      dealFields={setup.dealFields}
      values={values}
      errors={errors}
      timeZone={timeZoneOf(c)}
      accountSuggestUrl={accountLookup ? `/admin/m/contacts/lookup?field=${accountLookup.id}` : undefined}
      portalUser={setup.portalUser}
      portalTypes={setup.portalTypes}
    />
  );
  return page(c, { title: t('convert:heading', { name }), body, status });
}

async function refusal(c: Context<AppEnv>, refused: ConversionRefusal) {
  if (refused.reason !== 'converted') return refused.reason === 'not_found' ? notFound(c) : forbidden(c);
  const t = c.get('t');
  const { lead } = refused;
  const contact = lead.converted_to ? (await namesFor(c.get('deps').db, c.get('staff'), [lead.converted_to])).get(lead.converted_to) : undefined;
  const body = (
    <AlreadyConverted
      view={c.get('view')}
      lead={{ name: lead.display_name || t('crm:untitled'), href: leadHref(lead.id) }}
      contact={contact?.href ? { name: contact.name, href: contact.href } : undefined}
    />
  );
  return page(c, { title: t('convert:converted.title'), body, status: 409 });
}

type ConvertForm = { account: AccountChoice; deal: DealInput | undefined; values: ConversionFormValues };

/** The conversion form: the account choice, and the deal's fields (named `deal_<field>`) when a deal is wanted. */
async function readConvertForm(c: Context<AppEnv>): Promise<ConvertForm> {
  const form = await readForm(c);
  const one = (key: string): string => form.one(key) ?? '';
  const deal: DealInput = {};
  for (const key of form.names()) {
    if (!key.startsWith('deal_')) continue;
    const strings = form.all(key);
    deal[key.slice('deal_'.length)] = strings.length > 1 ? strings : strings[0];
  }
  const mode = one('account_mode');
  const accountMode: AccountChoice['mode'] = mode === 'create' || mode === 'existing' ? mode : 'none';
  const account: AccountChoice =
    accountMode === 'create'
      ? { mode: 'create', name: one('account_name') }
      : accountMode === 'existing'
        ? { mode: 'existing', account: { text: one('existing_account') } }
        : { mode: 'none' };
  const createDeal = one('create_deal') === 'on';
  return {
    account,
    deal: createDeal ? deal : undefined,
    values: { accountMode, accountName: one('account_name'), existingAccount: one('existing_account'), createDeal, deal, portalUserType: one('portal_type') },
  };
}
