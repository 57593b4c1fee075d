import type { OutboxEmail } from '../../src/db/schema.js';
import type { ViewContext } from '../../src/http/env.js';
import { Alert } from '../components/Alert.js';
import { NextPage } from '../components/NextPage.js';

type Row = Omit<OutboxEmail, 'html' | 'text' | 'reply_to'>;

function StatusBadge({ view, status }: { view: ViewContext; status: OutboxEmail['status'] }) {
  return <span class={`badge badge-${status}`}>{view.t(`admin:outbox.status.${status}`)}</span>;
}

export function OutboxList({ view, emails, next, smtpConfigured }: { view: ViewContext; emails: Row[]; next: string | undefined; smtpConfigured: boolean }) {
  const { t, fmt } = view;
  return (
    <section>
      <h1>{t('admin:outbox.title')}</h1>
      <p>{smtpConfigured ? t('admin:outbox.introSmtp') : t('admin:outbox.introNoSmtp')}</p>
      <p>
        <a href="/admin/outbox/inbound">{t('admin:inbound.link')}</a>
      </p>
      {emails.length === 0 ? (
        <Alert kind="info">{t('admin:outbox.empty')}</Alert>
      ) : (
        <div class="table-wrap">
          <table>
            <caption class="visually-hidden">{t('admin:outbox.title')}</caption>
            <thead>
              <tr>
                <th scope="col">{t('admin:outbox.subject')}</th>
                <th scope="col">{t('admin:outbox.to')}</th>
                <th scope="col">{t('admin:outbox.statusLabel')}</th>
                <th scope="col">{t('admin:outbox.created')}</th>
              </tr>
            </thead>
            <tbody>
              {emails.map((e) => (
                <tr>
                  <td>
                    <a href={`/admin/outbox/${e.id}`}>{e.subject}</a>
                  </td>
                  <td>{e.to_name ? `${e.to_name} <${e.to_address}>` : e.to_address}</td>
                  <td>
                    <StatusBadge view={view} status={e.status} />
                    {e.blocked_reason && <> {t(`privacy:outbox.reasons.${e.blocked_reason}`)}</>}
                  </td>
                  <td>
                    <time datetime={e.created_at.toISOString()}>{fmt.dateTime(e.created_at)}</time>
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      )}
      <NextPage href={next ? `/admin/outbox?after=${encodeURIComponent(next)}` : undefined} label={t('common:nextPage')} navLabel={t('common:pagination')} />
    </section>
  );
}

export function OutboxDetail({ view, email, secretLinks }: { view: ViewContext; email: OutboxEmail; secretLinks?: 'hidden' | 'shown' | undefined }) {
  const { t, fmt } = view;
  return (
    <section>
      <p>
        <a href="/admin/outbox">← {t('admin:outbox.back')}</a>
      </p>
      <h1>{email.subject}</h1>
      <dl class="details">
        <dt>{t('admin:outbox.to')}</dt>
        <dd>{email.to_name ? `${email.to_name} <${email.to_address}>` : email.to_address}</dd>
        <dt>{t('admin:outbox.statusLabel')}</dt>
        <dd>
          <StatusBadge view={view} status={email.status} />
          {email.blocked_reason && <> {t(`privacy:outbox.reasons.${email.blocked_reason}`)}</>}
        </dd>
        <dt>{t('admin:outbox.created')}</dt>
        <dd>{fmt.dateTime(email.created_at)}</dd>
        {email.sent_at && (
          <>
            <dt>{t('admin:outbox.sent')}</dt>
            <dd>{fmt.dateTime(email.sent_at)}</dd>
          </>
        )}
        <dt>{t('admin:outbox.attempts')}</dt>
        <dd>{fmt.number(email.attempts)}</dd>
        <dt>{t('admin:outbox.language')}</dt>
        <dd>{fmt.languageName(email.language)}</dd>
        {email.last_error && (
          <>
            <dt>{t('admin:outbox.lastError')}</dt>
            <dd>
              <code>{email.last_error}</code>
            </dd>
          </>
        )}
      </dl>
      {secretLinks && <Alert kind="info">{t(secretLinks === 'hidden' ? 'admin:outbox.linksRedacted' : 'admin:outbox.linksShown')}</Alert>}
      <h2>{t('admin:outbox.html')}</h2>
      <iframe
        class="email-frame"
        title={t('admin:outbox.html')}
        src={`/admin/outbox/${email.id}/html`}
        sandbox="allow-popups allow-popups-to-escape-sandbox allow-top-navigation-by-user-activation"
      ></iframe>
      <h2>{t('admin:outbox.text')}</h2>
      <pre class="email-text">{email.text}</pre>
    </section>
  );
}

export type InboundRow = {
  id: string;
  received_at: Date;
  via: 'smtp' | 'http';
  from_address: string | null;
  subject: string | null;
  outcome: 'accepted' | 'refused' | 'duplicate';
  reason: string | null;
  record_id: string | null;
  attachments: number;
  api_name: string | null;
};

/** Replies received by email, newest first: accepted into a case, refused with the reason, or a duplicate. */
export function InboundList({ view, rows }: { view: ViewContext; rows: InboundRow[] }) {
  const { t, fmt } = view;
  return (
    <section>
      <p>
        <a href="/admin/outbox">← {t('admin:outbox.title')}</a>
      </p>
      <h1>{t('admin:inbound.title')}</h1>
      <p>{t('admin:inbound.intro')}</p>
      {rows.length === 0 ? (
        <Alert kind="info">{t('admin:inbound.empty')}</Alert>
      ) : (
        <section class="table-wrap" tabindex={0} aria-label={t('admin:inbound.title')}>
          <table>
            <caption class="visually-hidden">{t('admin:inbound.title')}</caption>
            <thead>
              <tr>
                <th scope="col">{t('admin:inbound.received')}</th>
                <th scope="col">{t('admin:inbound.from')}</th>
                <th scope="col">{t('admin:outbox.subject')}</th>
                <th scope="col">{t('admin:inbound.outcome')}</th>
                <th scope="col">{t('admin:inbound.case')}</th>
              </tr>
            </thead>
            <tbody>
              {rows.map((r) => (
                <tr>
                  <td>
                    <time datetime={r.received_at.toISOString()}>{fmt.dateTime(r.received_at)}</time> · {r.via.toUpperCase()}
                  </td>
                  <td>{r.from_address ?? '—'}</td>
                  <td>{r.subject || '—'}</td>
                  <td>
                    <span class={`badge badge-${r.outcome === 'accepted' ? 'sent' : r.outcome === 'refused' ? 'failed' : 'held'}`}>
                      {t(`admin:inbound.outcomes.${r.outcome}`)}
                    </span>
                    {r.reason && <> {t(`admin:inbound.reasons.${r.reason}`)}</>}
                    {r.attachments > 0 && <> · {t('admin:inbound.files', { count: r.attachments })}</>}
                  </td>
                  <td>{r.record_id && r.api_name ? <a href={`/admin/m/${r.api_name}/${r.record_id}`}>{t('admin:inbound.open')}</a> : '—'}</td>
                </tr>
              ))}
            </tbody>
          </table>
        </section>
      )}
    </section>
  );
}
