import type { PrivacySubject } from '../../../src/access/privacy.js';
import type { ConsentEvent, PrivacyRequest } from '../../../src/db/schema.js';
import type { ViewContext } from '../../../src/http/env.js';
import { CONSENT_CHANNELS, consentFor, privacyState } from '../../../src/privacy/consent.js';
import { DETAILS_MAX, REQUEST_KINDS } from '../../../src/privacy/requests.js';
import { Alert } from '../../components/Alert.js';
import { ConsentHistoryList, RequestStatusBadge } from './parts.js';

export type RequestFormValues = { recordId: string; kind: string; details: string };
export type RequestFormErrors = Partial<Record<'kind' | 'details' | 'recordId', string>>;

export type PortalPrivacyPageProps = {
  view: ViewContext;
  base: string;
  /** The signed-in user: their own steps in a consent history are "you". */
  userId: string | undefined;
  subjects: PrivacySubject[];
  history: Map<string, ConsentEvent[]>;
  requests: (PrivacyRequest & { export_status: string | null })[];
  notice?: 'consentSaved' | 'consentConflict' | undefined;
  form: RequestFormValues;
  errors: RequestFormErrors;
  formError?: string | undefined;
};

/** A subject's heading: "Your data", or the record's name when the user may see it, or what it is and when it was added. */
export function subjectTitle(view: ViewContext, s: PrivacySubject): string {
  const { t, fmt } = view;
  if (s.self) return t('privacy:portal.yourData');
  const what = t(`modules:${s.labelKey ?? s.apiName}.singular`, { defaultValue: s.apiName });
  return s.name ? t('privacy:portal.recordNamed', { what, name: s.name }) : t('privacy:portal.recordAdded', { what, date: fmt.date(s.createdAt) });
}

/** The customer's Data privacy page: consent per channel and its history for each record they speak for, their requests, a new request. */
export function PortalPrivacyPage({ view, base, userId, subjects, history, requests, notice, form, errors, formError }: PortalPrivacyPageProps) {
  const { t, fmt } = view;
  return (
    <section class="privacy">
      <h1>{t('privacy:portal.title')}</h1>
      {notice === 'consentSaved' && <Alert kind="success">{t('privacy:portal.consentSaved')}</Alert>}
      {notice === 'consentConflict' && <Alert kind="error">{t('privacy:portal.consentConflict')}</Alert>}
      <p>{t('privacy:portal.intro')}</p>

      {subjects.map((s) => {
        const state = privacyState(s.privacy);
        const headingId = `subject-${s.id}`;
        const events = history.get(s.id) ?? [];
        return (
          <section class="card privacy-subject" aria-labelledby={headingId}>
            <h2 id={headingId}>{subjectTitle(view, s)}</h2>
            {state.basis === 'consent' && <p>{t(s.self ? 'privacy:portal.basisConsentSelf' : 'privacy:portal.basisConsentOther')}</p>}
            {state.stopped && <Alert kind="info">{t('privacy:portal.stopped')}</Alert>}
            <h3>{t('privacy:portal.consentTitle')}</h3>
            <ul class="consent-channels">
              {CONSENT_CHANNELS.map((channel) => {
                const given = consentFor(state, channel);
                const label = t(`picklists:${s.apiName}.consent_channels.${channel}`, { defaultValue: channel });
                return (
                  <li>
                    <span class="consent-channel">{label}</span>
                    <span class={given ? 'badge badge-sent' : 'badge'}>{t(given ? 'privacy:portal.given' : 'privacy:portal.notGiven')}</span>
                    <form method="post" action={`${base}/privacy/consent`} class="inline-form">
                      <input type="hidden" name="record" value={s.id} />
                      <input type="hidden" name="channel" value={channel} />
                      <input type="hidden" name="version" value={String(s.version)} />
                      <input type="hidden" name="give" value={given ? '0' : '1'} />
                      <button type="submit" class={given ? 'button secondary small' : 'button small'}>
                        {t(given ? 'privacy:portal.withdraw' : 'privacy:portal.give', { channel: label })}
                      </button>
                    </form>
                  </li>
                );
              })}
            </ul>
            <details>
              <summary>{t('privacy:portal.historyTitle', { count: events.length })}</summary>
              <ConsentHistoryList
                view={view}
                apiName={s.apiName}
                events={events}
                selfLabel={t('privacy:portal.byYou')}
                staffLabel={t('privacy:history.byStaff')}
                selfId={userId}
              />
            </details>
          </section>
        );
      })}

      <section aria-labelledby="requests-title">
        <h2 id="requests-title">{t('privacy:portal.requestsTitle')}</h2>
        {requests.length === 0 ? (
          <p>{t('privacy:portal.noRequests')}</p>
        ) : (
          <section class="table-wrap" tabindex={0} aria-labelledby="requests-title">
            <table>
              <thead>
                <tr>
                  <th scope="col">{t('privacy:request.number')}</th>
                  <th scope="col">{t('privacy:request.kind')}</th>
                  <th scope="col">{t('privacy:request.about')}</th>
                  <th scope="col">{t('privacy:request.status')}</th>
                  <th scope="col">{t('privacy:request.due')}</th>
                </tr>
              </thead>
              <tbody>
                {requests.map((r) => {
                  const subject = subjects.find((s) => s.id === r.record_id);
                  return (
                    <tr>
                      <td>
                        <a href={`${base}/privacy/requests/${r.id}`}>#{r.number}</a>
                      </td>
                      <td>{t(`privacy:kinds.${r.kind}`)}</td>
                      <td>{subject ? subjectTitle(view, subject) : t('privacy:portal.recordGone')}</td>
                      <td>
                        <RequestStatusBadge view={view} status={r.status} />
                        {r.kind === 'export' && r.export_status === 'ready' && <> {t('privacy:portal.archiveReady')}</>}
                      </td>
                      <td>
                        <time datetime={r.due_at.toISOString()}>{fmt.date(r.due_at)}</time>
                      </td>
                    </tr>
                  );
                })}
              </tbody>
            </table>
          </section>
        )}
      </section>

      <section class="card" aria-labelledby="new-request-title">
        <h2 id="new-request-title">{t('privacy:portal.newRequestTitle')}</h2>
        <p>{t('privacy:portal.newRequestIntro')}</p>
        {formError && <Alert kind="error">{formError}</Alert>}
        <form method="post" action={`${base}/privacy/requests`}>
          {subjects.length > 1 ? (
            <div class={errors.recordId ? 'field has-error' : 'field'}>
              <label for="record">{t('privacy:portal.requestAbout')}</label>
              <select id="record" name="record" required>
                {subjects.map((s) => (
                  <option value={s.id} selected={s.id === form.recordId}>
                    {subjectTitle(view, s)}
                  </option>
                ))}
              </select>
            </div>
          ) : (
            <input type="hidden" name="record" value={subjects[0]?.id ?? ''} />
          )}
          <fieldset class={errors.kind ? 'field has-error' : 'field'} aria-describedby={errors.kind ? 'kind-error' : undefined}>
            <legend>{t('privacy:portal.requestKind')}</legend>
            {REQUEST_KINDS.map((kind) => (
              <div class="choice-block">
                <input type="radio" id={`kind-${kind}`} name="kind" value={kind} checked={form.kind === kind} required aria-describedby={`kind-${kind}-hint`} />
                <label for={`kind-${kind}`}>{t(`privacy:kindChoices.${kind}`)}</label>
                <p class="hint" id={`kind-${kind}-hint`}>
                  {t(`privacy:kindHints.${kind}`)}
                </p>
              </div>
            ))}
            {errors.kind && (
              <p class="field-error" id="kind-error">
                {errors.kind}
              </p>
            )}
          </fieldset>
          <div class={errors.details ? 'field has-error' : 'field'}>
            <label for="details">{t('privacy:portal.details')}</label>
            <textarea
              id="details"
              name="details"
              rows={4}
              maxlength={DETAILS_MAX}
              aria-invalid={errors.details ? 'true' : undefined}
              aria-describedby={errors.details ? 'details-hint details-error' : 'details-hint'}
            >
              {form.details}
            </textarea>
            <p class="hint" id="details-hint">
              {t('privacy:portal.detailsHint')}
            </p>
            {errors.details && (
              <p class="field-error" id="details-error">
                {errors.details}
              </p>
            )}
          </div>
          <button type="submit" class="button">
            {t('privacy:portal.submitRequest')}
          </button>
        </form>
      </section>
    </section>
  );
}
