import type { StoredValue } from '../../../src/crm/field-types.js';
import { fieldLabel } from '../../../src/crm/metadata.js';
import type { ViewContext } from '../../../src/http/env.js';
import type { QueueEntry, SignupQueue } from '../../../src/signup/queue.js';
import { Alert } from '../../components/Alert.js';
import { FieldValue } from '../../components/FieldValue.js';
import { PORTALS_PATH } from './messages.js';

export const signupQueuePath = (portalId: string) => `${PORTALS_PATH}/${portalId}/users/signups`;

export type SignupQueueProblem = { signupId: string; message: string; reason?: string | undefined; field?: 'reason' | undefined };

export type SignupQueuePageProps = {
  view: ViewContext;
  portal: { id: string; name: string };
  queue: SignupQueue;
  /** The organization's currency, for currency fields. */
  currency: string;
  notice?: string | undefined;
  /** What went wrong with one sign-up's decision, shown beside it. */
  problem?: SignupQueueProblem | undefined;
};

/** Confirmed sign-ups waiting for approval or for a licence, each with what they typed and the decision to take. */
export function SignupQueuePage({ view, portal, queue, currency, notice, problem }: SignupQueuePageProps) {
  const { t } = view;
  return (
    <section>
      <p>
        <a href={`${PORTALS_PATH}/${portal.id}/users`}>← {t('signup:queue.back', { portal: portal.name })}</a>
      </p>
      <h1>{t('signup:queue.title', { portal: portal.name })}</h1>
      <p>{t('signup:queue.intro')}</p>
      {notice && <Alert kind="success">{notice}</Alert>}
      {problem && <Alert kind="error">{problem.message}</Alert>}
      {queue.entries.length === 0 ? (
        <Alert kind="info">{t('signup:queue.empty')}</Alert>
      ) : (
        queue.entries.map((entry) => (
          <Entry
            view={view}
            portalId={portal.id}
            queue={queue}
            currency={currency}
            entry={entry}
            problem={problem?.signupId === entry.signup.id ? problem : undefined}
          />
        ))
      )}
    </section>
  );
}

type EntryProps = { view: ViewContext; portalId: string; queue: SignupQueue; currency: string; entry: QueueEntry; problem: SignupQueueProblem | undefined };

function Entry({ view, portalId, queue, currency, entry, problem }: EntryProps) {
  const { t, fmt } = view;
  const s = entry.signup;
  const data = s.data as Record<string, StoredValue>;
  const base = `${signupQueuePath(portalId)}/${s.id}`;
  const id = `signup-${s.id}`;
  return (
    <article class="card signup-entry" aria-labelledby={id}>
      <h2 id={id}>{s.email}</h2>
      <p>
        <strong>{t(`signup:queue.status.${s.status}`)}</strong>
        {s.reason && ` — ${t(`invitations:reasons.${s.reason}`)}`} ·{' '}
        {t('signup:queue.confirmedAt', { date: s.confirmed_at ? fmt.dateTime(s.confirmed_at) : '' })}
      </p>
      <dl class="details">
        {queue.fields.map((f) => (
          <>
            <dt>{fieldLabel(t, view.lang, f)}</dt>
            <dd>
              <FieldValue view={view} field={f} value={data[f.api_name]} names={new Map()} currency={currency} />
            </dd>
          </>
        ))}
        {s.language && (
          <>
            <dt>{t('signup:queue.language')}</dt>
            <dd>{fmt.languageName(s.language)}</dd>
          </>
        )}
      </dl>
      <form method="post" action={`${base}/approve`}>
        {entry.matches.length > 0 && (
          <fieldset>
            <legend>{t('signup:queue.matches', { count: entry.matches.length })}</legend>
            {entry.matches.map((m) => (
              <div class="field checkbox">
                <input type="radio" id={`${id}-${m.id}`} name="record" value={m.id} required />
                <label for={`${id}-${m.id}`}>
                  {t('signup:queue.link')} <a href={`/admin/m/${queue.moduleApiName}/${m.id}`}>{m.display_name || s.email}</a>
                </label>
              </div>
            ))}
            <div class="field checkbox">
              <input type="radio" id={`${id}-new`} name="record" value="new" required />
              <label for={`${id}-new`}>{t('signup:queue.createNew')}</label>
            </div>
          </fieldset>
        )}
        <button type="submit" class="button">
          {s.status === 'waiting' ? t('signup:queue.approveWaiting') : t('signup:queue.approve')}
        </button>
      </form>
      <form method="post" action={`${base}/reject`} class="signup-reject">
        <div class={problem?.field === 'reason' ? 'field has-error' : 'field'}>
          <label for={`${id}-reason`}>{t('signup:queue.reason')}</label>
          <textarea
            id={`${id}-reason`}
            name="reason"
            rows={2}
            required
            aria-invalid={problem?.field === 'reason' ? 'true' : undefined}
            aria-describedby={problem?.field === 'reason' ? `${id}-reason-error` : undefined}
          >
            {problem?.reason ?? ''}
          </textarea>
          {problem?.field === 'reason' && (
            <p class="field-error" id={`${id}-reason-error`}>
              {problem.message}
            </p>
          )}
        </div>
        <button type="submit" class="button secondary danger">
          {t('signup:queue.reject')}
        </button>
      </form>
    </article>
  );
}
