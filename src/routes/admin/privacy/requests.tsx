import { type Context, Hono } from 'hono';
import { type ActionErrors, StaffRequestPage, type StaffRequestView } from '../../../../views/admin/privacy/RequestPage.js';
import { REQUESTS_PATH, RequestQueuePage } from '../../../../views/admin/privacy/RequestQueue.js';
import { requireAdmin } from '../../../auth/guards.js';
import { loadModuleMetaById } from '../../../crm/metadata.js';
import type { RecordInput } from '../../../crm/records.js';
import type { Database } from '../../../db/database.js';
import type { PrivacyRequestStatus } from '../../../db/schema.js';
import { sendDownload } from '../../../http/download.js';
import type { AppEnv } from '../../../http/env.js';
import { page } from '../../../http/render.js';
import { formValues } from '../../../http/request.js';
import { readyArchive } from '../../../privacy/export.js';
import { applyRectification, rectifiableFields } from '../../../privacy/rectification.js';
import {
  type ActionProblem,
  actOnRequest,
  findRequest,
  isRequestKind,
  type QueueFilter,
  REQUEST_STATUSES,
  requestEvents,
  requestQueue,
  type StaffAction,
  wasAccepted,
} from '../../../privacy/requests.js';
import { requestWork } from '../../../privacy/work.js';
import { notFound, timeZoneOf } from '../record-context.js';

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

async function requestView(db: Database, id: string): Promise<StaffRequestView | undefined> {
  const request = await findRequest(db, id);
  if (!request) return undefined;
  const [record, events, exportFile] = await Promise.all([
    // UNSCOPED READ: administrators only (requireAdmin): the record a privacy request is about.
    db
      .selectFrom('records as r')
      .innerJoin('modules as m', 'm.id', 'r.module_id')
      .select(['r.id', 'r.display_name', 'r.data', 'r.module_id', 'm.api_name'])
      .where('r.id', '=', request.record_id)
      .executeTakeFirstOrThrow(),
    requestEvents(db, request.id),
    db.selectFrom('privacy_exports').select(['status', 'size', 'expires_at']).where('request_id', '=', request.id).executeTakeFirst(),
  ]);
  const staffIds = [...new Set(events.filter((e) => e.actor_kind === 'staff' && e.actor_id).map((e) => e.actor_id as string))];
  const [staff, meta, accepted] = await Promise.all([
    staffIds.length > 0 ? db.selectFrom('staff_users').select(['id', 'name']).where('id', 'in', staffIds).execute() : [],
    request.kind === 'rectification' ? loadModuleMetaById(db, record.module_id) : undefined,
    wasAccepted(db, request.id),
  ]);
  const data = record.data as Record<string, unknown>;
  return {
    request,
    record: { id: record.id, name: record.display_name, apiName: record.api_name },
    events,
    names: new Map(staff.map((s) => [s.id, s.name])),
    exportFile,
    fields: meta
      ? rectifiableFields(meta).map((field) => ({ field, value: typeof data[field.api_name] === 'string' ? (data[field.api_name] as string) : '' }))
      : [],
    accepted,
    now: new Date(),
  };
}

async function requestPage(c: Context<AppEnv>, opts: { status?: 200 | 409 | 422; errors?: ActionErrors; notice?: string } = {}) {
  const data = await requestView(c.get('deps').db, c.req.param('id') ?? '');
  if (!data) return notFound(c);
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
  const data = await requestView(db, c.req.param('id') ?? '');
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
  const request = await findRequest(c.get('deps').db, c.req.param('id') ?? '');
  if (request?.kind !== 'export') return notFound(c);
  const file = await readyArchive(c.get('deps').db, request.id);
  if (!file?.content || !file.filename) return notFound(c);
  return sendDownload(c, { filename: file.filename, content: file.content });
});
