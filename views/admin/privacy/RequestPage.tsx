import { fieldLabel } from '../../../src/crm/metadata.js';
import type { Field, PrivacyRequest, PrivacyRequestEvent } from '../../../src/db/schema.js';
import type { ViewContext } from '../../../src/http/env.js';
import { dueState, isOpen, REASON_MAX } from '../../../src/privacy/requests.js';
import { Alert } from '../../components/Alert.js';
import { RequestDates, RequestHistory, RequestStatusBadge } from '../../portal/privacy/parts.js';
import { REQUESTS_PATH } from './RequestQueue.js';

export type StaffRequestView = {
  request: PrivacyRequest;
  record: { id: string; name: string; apiName: string };
  events: PrivacyRequestEvent[];
  names: Map<string, string>;
  exportFile: { status: string; size: number | null; expires_at: Date | null } | undefined;
  /** Fields a rectification may correct, with their current values. */
  fields: { field: Field; value: string }[];
  /** Staff accepted it at some point (an extension may have come first). */
  accepted: boolean;
  now: Date;
};

export type ActionErrors = Partial<Record<'reject' | 'extend' | 'complete' | 'rectify', string>> & { fields?: Record<string, string> };

const Reason = ({ id, label, error }: { id: string; label: string; error?: string | undefined }) => (
  <div class={error ? 'field has-error' : 'field'}>
    <label for={id}>{label}</label>
    <textarea
      id={id}
      name="reason"
      rows={3}
      required
      maxlength={REASON_MAX}
      aria-invalid={error ? 'true' : undefined}
      aria-describedby={error ? `${id}-error` : undefined}
    />
    {error && (
      <p class="field-error" id={`${id}-error`}>
        {error}
      </p>
    )}
  </div>
);

/** A request as staff handle it: what was asked, its due date, its history, and the steps open to it. */
export function StaffRequestPage({
  view,
  data,
  errors,
  notice,
}: {
  view: ViewContext;
  data: StaffRequestView;
  errors: ActionErrors;
  notice?: string | undefined;
}) {
  const { t, fmt, lang } = view;
  const r = data.request;
  const open = isOpen(r);
  const working = Boolean(r.outcome.working);
  const due = dueState(r, data.now);
  const changes = (r.outcome.changes as { field: string; old: unknown; new: unknown }[] | undefined) ?? [];
  const action = (name: string) => `${REQUESTS_PATH}/${r.id}/${name}`;
  const version = <input type="hidden" name="version" value={String(r.version)} />;
  return (
    <section id="privacy-request">
      <p>
        <a href={REQUESTS_PATH}>← {t('privacy:queue.title')}</a>
      </p>
      <h1>{t('privacy:request.title', { number: r.number, kind: t(`privacy:kinds.${r.kind}`) })}</h1>
      {notice && <Alert kind="success">{notice}</Alert>}
      {errors.complete && <Alert kind="error">{errors.complete}</Alert>}
      {due === 'overdue' && <Alert kind="error">{t('privacy:request.overdue')}</Alert>}
      <dl class="facts">
        <dt>{t('privacy:request.about')}</dt>
        <dd>
          <a href={`/admin/m/${data.record.apiName}/${data.record.id}`}>{data.record.name || t('privacy:queue.unnamed')}</a>
        </dd>
        <dt>{t('privacy:request.status')}</dt>
        <dd>
          <RequestStatusBadge view={view} status={r.status} />
          {working && <> {t('privacy:request.working')}</>}
        </dd>
        <dt>{t('privacy:request.requestedBy')}</dt>
        <dd>{t(r.requested_by_kind === 'portal' ? 'privacy:request.byPortal' : 'privacy:request.byStaff')}</dd>
        <RequestDates view={view} request={r} />
        <dt>{t('privacy:request.details')}</dt>
        <dd class="quote">{r.details || t('privacy:request.noDetails')}</dd>
      </dl>

      {data.exportFile?.status === 'ready' && data.exportFile.expires_at && (
        <p>
          <a class="button secondary" href={action('archive')}>
            {t('privacy:request.downloadArchive', { size: fmt.number(Math.max(1, Math.round((data.exportFile.size ?? 0) / 1024))) })}
          </a>{' '}
          {t('privacy:request.archiveExpires', { expires: fmt.dateTime(data.exportFile.expires_at) })}
        </p>
      )}

      {changes.length > 0 && (
        <section aria-labelledby="changes-title">
          <h2 id="changes-title">{t('privacy:request.changesTitle')}</h2>
          <ul>
            {changes.map((ch) => {
              const f = data.fields.find((x) => x.field.api_name === ch.field)?.field;
              return (
                <li>
                  {t('privacy:request.changed', { field: f ? fieldLabel(t, lang, f) : ch.field, from: String(ch.old ?? '—'), to: String(ch.new ?? '—') })}
                </li>
              );
            })}
          </ul>
        </section>
      )}

      {open && working && (
        <p hx-get={`${REQUESTS_PATH}/${r.id}`} hx-trigger="every 2s" hx-select="#privacy-request" hx-target="#privacy-request" hx-swap="outerHTML">
          {t('privacy:request.workingHint')} <a href={`${REQUESTS_PATH}/${r.id}`}>{t('privacy:request.refresh')}</a>
        </p>
      )}

      {open && !working && (
        <section aria-labelledby="actions-title">
          <h2 id="actions-title">{t('privacy:request.actionsTitle')}</h2>
          <div class="privacy-actions">
            {r.kind === 'rectification' ? (
              <form method="post" action={action('rectify')} class="card">
                <h3>{t('privacy:request.rectifyTitle')}</h3>
                <p>{t('privacy:request.rectifyIntro')}</p>
                {errors.rectify && <Alert kind="error">{errors.rectify}</Alert>}
                {version}
                {data.fields.map(({ field, value }) => {
                  const err = errors.fields?.[field.api_name];
                  const id = `f-${field.api_name}`;
                  return (
                    <div class={err ? 'field has-error' : 'field'}>
                      <label for={id}>{fieldLabel(t, lang, field)}</label>
                      {field.type === 'textarea' ? (
                        <textarea id={id} name={field.api_name} rows={3}>
                          {value}
                        </textarea>
                      ) : (
                        <input
                          id={id}
                          name={field.api_name}
                          type={
                            field.type === 'email'
                              ? 'email'
                              : field.type === 'date'
                                ? 'date'
                                : field.type === 'url'
                                  ? 'url'
                                  : field.type === 'phone'
                                    ? 'tel'
                                    : 'text'
                          }
                          value={value}
                          aria-invalid={err ? 'true' : undefined}
                          aria-describedby={err ? `${id}-error` : undefined}
                        />
                      )}
                      {err && (
                        <p class="field-error" id={`${id}-error`}>
                          {t(err)}
                        </p>
                      )}
                    </div>
                  );
                })}
                <button type="submit" class="button">
                  {t('privacy:request.rectify')}
                </button>
              </form>
            ) : (
              <form method="post" action={action('complete')} class="card">
                <h3>{t(`privacy:complete.${r.kind}.title`)}</h3>
                <p>{t(`privacy:complete.${r.kind}.intro`)}</p>
                {version}
                {r.kind === 'erasure' && (
                  <div class="field checkbox">
                    <input type="checkbox" id="confirm-erasure" name="confirm" value="yes" required />
                    <label for="confirm-erasure">{t('privacy:complete.erasure.confirm')}</label>
                  </div>
                )}
                <button type="submit" class={r.kind === 'erasure' ? 'button danger' : 'button'}>
                  {t(`privacy:complete.${r.kind}.button`)}
                </button>
              </form>
            )}
            {(r.status === 'submitted' || (r.status === 'extended' && !data.accepted)) && (
              <form method="post" action={action('accept')} class="card">
                <h3>{t('privacy:request.acceptTitle')}</h3>
                <p>{t('privacy:request.acceptIntro')}</p>
                {version}
                <button type="submit" class="button secondary">
                  {t('privacy:request.accept')}
                </button>
              </form>
            )}
            {!r.extended_at && (
              <form method="post" action={action('extend')} class="card">
                <h3>{t('privacy:request.extendTitle')}</h3>
                <p>{t('privacy:request.extendIntro')}</p>
                {version}
                <div class="field">
                  <label for="months">{t('privacy:request.months')}</label>
                  <select id="months" name="months">
                    <option value="1">{t('privacy:request.monthsOption', { count: 1 })}</option>
                    <option value="2">{t('privacy:request.monthsOption', { count: 2 })}</option>
                  </select>
                </div>
                <Reason id="extend-reason" label={t('privacy:request.extendReason')} error={errors.extend} />
                <button type="submit" class="button secondary">
                  {t('privacy:request.extend')}
                </button>
              </form>
            )}
            <form method="post" action={action('reject')} class="card">
              <h3>{t('privacy:request.rejectTitle')}</h3>
              {version}
              <Reason id="reject-reason" label={t('privacy:request.rejectReason')} error={errors.reject} />
              <button type="submit" class="button secondary">
                {t('privacy:request.reject')}
              </button>
            </form>
          </div>
        </section>
      )}

      <h2>{t('privacy:request.historyTitle')}</h2>
      <RequestHistory view={view} events={data.events} names={data.names} />
    </section>
  );
}
