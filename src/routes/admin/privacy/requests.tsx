import { type Context, Hono } from 'hono';
import { type ActionErrors, StaffRequestPage } from '../../../../views/admin/privacy/RequestPage.js';
import { REQUESTS_PATH, RequestQueuePage } from '../../../../views/admin/privacy/RequestQueue.js';
import { requireAdmin } from '../../../auth/guards.js';
import type { RecordInput } from '../../../crm/records.js';
import type { PrivacyRequestStatus } from '../../../db/schema.js';
import { sendDownload } from '../../../http/download.js';
import type { AppEnv } from '../../../http/env.js';
import { notFound, page } from '../../../http/render.js';
import { formValues } from '../../../http/request.js';
import { applyRectification } from '../../../privacy/rectification.js';
import {
  type ActionProblem,
  actOnRequest,
  findRequest,
  isRequestKind,
  type QueueFilter,
  REQUEST_STATUSES,
  requestQueue,
  type StaffAction,
} from '../../../privacy/requests.js';
import { staffExportFile, staffRequest } from '../../../privacy/staff-request.js';
import { requestWork } from '../../../privacy/work.js';
import { timeZoneOf } from '../records/context.js';

/** Staff's privacy-requests queue and each request's page (/admin/privacy/requests): admins only. */
export const privacyRequestRoutes = new Hono<AppEnv>();

privacyRequestRoutes.use('*', requireAdmin());

privacyRequestRoutes.get('/', async (c) => {
  const q = c.req.query();
  const filter: QueueFilter = {
    kind: isRequestKind(q.kind) ? q.kind : undefined,
    status: q.status === 'open' || REQUEST_STATUSES.includes(q.status as PrivacyRequestStatus) ? (q.status as QueueFilter['status']) : undefined,
    due: q.due === 'overdue' || q.due === 'due_soon' ? q.due : undefined,
  };
  const { rows, counts } = await requestQueue(c.get('deps').db, filter);
  return page(c, {
    title: c.get('t')('privacy:queue.title'),
    body: <RequestQueuePage view={c.get('view')} rows={rows} counts={counts} filter={filter} now={new Date()} />,
  });
});

async function requestPage(c: Context<AppEnv>, opts: { status?: 200 | 409 | 422; errors?: ActionErrors; notice?: string } = {}) {
  const found = await staffRequest(c.get('deps').db, c.req.param('id') ?? '');
  if (!found) return notFound(c);
  const data = { ...found, now: new Date() };
  const t = c.get('t');
  const done = c.req.query('done');
  return page(c, {
    title: t('privacy:request.title', { number: data.request.number, kind: t(`privacy:kinds.${data.request.kind}`) }),
    status: opts.status ?? 200,
    body: (
      <StaffRequestPage
        view={c.get('view')}
        data={data}
        errors={opts.errors ?? {}}
        notice={opts.notice ?? (done ? t(`privacy:done.${done}`, { defaultValue: '' }) || undefined : undefined)}
      />
    ),
  });
}

privacyRequestRoutes.get('/:id', (c) => requestPage(c));

const problemSlot: Record<ActionProblem, keyof ActionErrors> = {
  reason_required: 'reject',
  reason_too_long: 'reject',
  already_extended: 'extend',
  months: 'extend',
  not_open: 'complete',
  conflict: 'complete',
  not_submitted: 'complete',
};

for (const name of ['accept', 'reject', 'extend', 'complete'] as const) {
  privacyRequestRoutes.post(`/:id/${name}`, async (c) => {
    const staff = c.get('staff');
    const { db, boss, config } = c.get('deps');
    const request = await findRequest(db, c.req.param('id') ?? '');
    if (!staff || !request) return notFound(c);
    const form = await formValues(c, ['version', 'reason', 'months', 'confirm']);
    const t = c.get('t');
    if (name === 'complete' && request.kind === 'erasure' && form.confirm !== 'yes') {
      return requestPage(c, { status: 422, errors: { complete: t('privacy:problems.confirm_erasure') } });
    }
    const action: StaffAction =
      name === 'reject'
        ? { kind: 'reject', reason: form.reason ?? '' }
        : name === 'extend'
          ? { kind: 'extend', reason: form.reason ?? '', months: Number(form.months) }
          : { kind: name };
    const result = await actOnRequest(db, { boss, baseUrl: config.baseUrl }, staff.id, request.id, Number(form.version), action, requestWork(boss, staff.id));
    if (result.ok) return c.redirect(`${REQUESTS_PATH}/${request.id}?done=${name}`, 303);
    const slot = result.problem === 'reason_required' || result.problem === 'reason_too_long' ? name : problemSlot[result.problem];
    return requestPage(c, { status: result.problem === 'conflict' ? 409 : 422, errors: { [slot]: t(`privacy:problems.${result.problem}`) } });
  });
}

privacyRequestRoutes.post('/:id/rectify', async (c) => {
  const staff = c.get('staff');
  const { db, boss, config } = c.get('deps');
  const data = await staffRequest(db, c.req.param('id') ?? '');
  if (!staff || !data) return notFound(c);
  const names = data.fields.map((f) => f.field.api_name);
  const form = await formValues(c, ['version', ...names]);
  const values: RecordInput = Object.fromEntries(names.map((n) => [n, form[n] ?? '']));
  const result = await applyRectification(db, { boss, baseUrl: config.baseUrl }, staff.id, {
    requestId: data.request.id,
    version: Number(form.version),
    values,
    timeZone: timeZoneOf(c),
  });
  if (result.ok) return c.redirect(`${REQUESTS_PATH}/${data.request.id}?done=rectify`, 303);
  const t = c.get('t');
  if (result.problem === 'invalid') return requestPage(c, { status: 422, errors: { rectify: t('errors:formHasErrors'), fields: result.errors } });
  return requestPage(c, { status: result.problem === 'conflict' ? 409 : 422, errors: { rectify: t(`privacy:problems.${result.problem}`) } });
});

privacyRequestRoutes.get('/:id/archive', async (c) => {
  const file = await staffExportFile(c.get('deps').db, c.req.param('id') ?? '');
  if (!file?.content || !file.filename) return notFound(c);
  return sendDownload(c, { filename: file.filename, content: file.content });
});
