import { type Context, Hono } from 'hono';
import { PortalPrivacyPage, type RequestFormErrors, type RequestFormValues } from '../../../views/portal/privacy/PrivacyPage.js';
import { PortalRequestPage } from '../../../views/portal/privacy/RequestPage.js';
import { sendDownload } from '../../http/download.js';
import type { AppEnv } from '../../http/env.js';
import { page } from '../../http/render.js';
import { formValues } from '../../http/request.js';
import { portalNav } from '../../portals/portal-nav.js';
import { filePortalRequest, portalExportFile, portalPrivacy, portalRequest, setPortalConsent } from '../../privacy/portal.js';
import type { FileProblem } from '../../privacy/requests.js';
import { portalNotFound, portalOf, portalShell, requirePortalUser } from './context.js';

/**
 * The portal's Data privacy page (/p/:slug/privacy): consent per channel,
 * its history, requests and their archives. Only with the organization's
 * GDPR compliance on; otherwise every address here is not found.
 */
export const portalPrivacyRoutes = new Hono<AppEnv>();

portalPrivacyRoutes.use('/:slug/privacy', requirePortalUser());
portalPrivacyRoutes.use('/:slug/privacy/*', requirePortalUser());

const emptyForm: RequestFormValues = { recordId: '', kind: '', details: '' };

async function privacyPage(
  c: Context<AppEnv>,
  opts: {
    status?: 200 | 409 | 422;
    form?: RequestFormValues;
    errors?: RequestFormErrors;
    formError?: string;
    notice?: 'consentSaved' | 'consentConflict';
  } = {},
) {
  const p = portalOf(c);
  const db = c.get('deps').db;
  const [data, nav] = await Promise.all([portalPrivacy(db, p.access), portalNav(db, p.access)]);
  if (!data) return portalNotFound(c);
  const t = c.get('t');
  return page(c, {
    title: `${t('privacy:portal.title')} · ${p.portal.name}`,
    status: opts.status ?? 200,
    portal: portalShell(c, nav),
    body: (
      <PortalPrivacyPage
        view={c.get('view')}
        base={p.base}
        userId={p.user?.id}
        subjects={data.subjects}
        history={data.history}
        requests={data.requests}
        notice={opts.notice ?? (c.req.query('saved') === 'consent' ? 'consentSaved' : undefined)}
        form={opts.form ?? { ...emptyForm, recordId: data.subjects[0]?.id ?? '' }}
        errors={opts.errors ?? {}}
        formError={opts.formError}
      />
    ),
  });
}

portalPrivacyRoutes.get('/:slug/privacy', (c) => privacyPage(c));

/** Today in the organization's time zone, as the consent date. */
const today = (timeZone: string) => new Intl.DateTimeFormat('en-CA', { timeZone, year: 'numeric', month: '2-digit', day: '2-digit' }).format(new Date());

portalPrivacyRoutes.post('/:slug/privacy/consent', async (c) => {
  const p = portalOf(c);
  const form = await formValues(c, ['record', 'channel', 'give', 'version']);
  const result = await setPortalConsent(c.get('deps').db, p.access, {
    recordId: form.record ?? '',
    channel: form.channel,
    give: form.give === '1',
    version: Number(form.version),
    today: today(c.get('org')?.time_zone ?? 'UTC'),
  });
  if (result.ok) return c.redirect(`${p.base}/privacy?saved=consent`, 303);
  if (result.status === 404) return portalNotFound(c);
  if (result.status === 409) return privacyPage(c, { status: 409, notice: 'consentConflict' });
  return privacyPage(c, { status: 422, formError: c.get('t')('privacy:portal.consentInvalid') });
});

const problemField: Record<FileProblem | 'subject', keyof RequestFormErrors | undefined> = {
  kind: 'kind',
  details_required: 'details',
  details_too_long: 'details',
  already_open: undefined,
  subject: 'recordId',
};

portalPrivacyRoutes.post('/:slug/privacy/requests', async (c) => {
  const p = portalOf(c);
  const { db, boss, config } = c.get('deps');
  const form = await formValues(c, ['record', 'kind', 'details']);
  const values: RequestFormValues = { recordId: form.record ?? '', kind: form.kind ?? '', details: form.details ?? '' };
  const filed = await filePortalRequest(db, { boss, baseUrl: config.baseUrl }, p.access, {
    recordId: values.recordId,
    kind: values.kind,
    details: values.details,
    language: c.get('lang'),
  });
  if (filed.ok) return c.redirect(`${p.base}/privacy/requests/${filed.request.id}?filed=1`, 303);
  if (filed.problem === 'subject' && !(await portalPrivacy(db, p.access))) return portalNotFound(c);
  const t = c.get('t');
  const message = t(`privacy:problems.${filed.problem}`);
  const field = problemField[filed.problem];
  return privacyPage(c, { status: 422, form: values, errors: field ? { [field]: message } : {}, formError: message });
});

portalPrivacyRoutes.get('/:slug/privacy/requests/:id', async (c) => {
  const p = portalOf(c);
  const db = c.get('deps').db;
  const [found, nav] = await Promise.all([portalRequest(db, p.access, c.req.param('id')), portalNav(db, p.access)]);
  if (!found) return portalNotFound(c);
  const t = c.get('t');
  return page(c, {
    title: `${t('privacy:request.title', { number: found.request.number, kind: t(`privacy:kinds.${found.request.kind}`) })} · ${p.portal.name}`,
    portal: portalShell(c, nav),
    body: (
      <PortalRequestPage
        view={c.get('view')}
        base={p.base}
        request={found.request}
        subject={found.subject}
        events={found.events}
        filed={c.req.query('filed') === '1'}
        now={new Date()}
      />
    ),
  });
});

portalPrivacyRoutes.get('/:slug/privacy/requests/:id/archive', async (c) => {
  const file = await portalExportFile(c.get('deps').db, portalOf(c).access, c.req.param('id'));
  if (!file?.content || !file.filename) return portalNotFound(c);
  return sendDownload(c, { filename: file.filename, content: file.content });
});
