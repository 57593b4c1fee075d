import type { ConsentEvent, PrivacyRequest, PrivacyRequestEvent, PrivacyRequestStatus } from '../../../src/db/schema.js';
import type { ViewContext } from '../../../src/http/env.js';

/** A request's status as a badge, in words. */
export function RequestStatusBadge({ view, status }: { view: ViewContext; status: PrivacyRequestStatus }) {
  return <span class={`badge privacy-${status}`}>{view.t(`privacy:statuses.${status}`)}</span>;
}

const asList = (v: unknown): string[] => (Array.isArray(v) ? v.filter((x): x is string => typeof x === 'string') : []);

/** One consent event's changes as sentences: consent given or withdrawn per channel, the basis or the stop flag changed. */
export function consentChangeLines(view: ViewContext, apiName: string, changes: Record<string, [unknown, unknown]>): string[] {
  const { t } = view;
  const pick = (field: string, value: unknown) =>
    typeof value === 'string' ? t(`picklists:${apiName}.${field}.${value}`, { defaultValue: value }) : t('privacy:history.none');
  const lines: string[] = [];
  const channels = changes.consent_channels;
  if (channels) {
    const [before, after] = [asList(channels[0]), asList(channels[1])];
    for (const c of after.filter((x) => !before.includes(x))) lines.push(t('privacy:history.channelGiven', { channel: pick('consent_channels', c) }));
    for (const c of before.filter((x) => !after.includes(x))) lines.push(t('privacy:history.channelWithdrawn', { channel: pick('consent_channels', c) }));
  }
  const status = changes.consent_status;
  if (status) lines.push(t('privacy:history.status', { from: pick('consent_status', status[0]), to: pick('consent_status', status[1]) }));
  const basis = changes.processing_basis;
  if (basis) lines.push(t('privacy:history.basis', { from: pick('processing_basis', basis[0]), to: pick('processing_basis', basis[1]) }));
  const stop = changes.stop_processing;
  if (stop) lines.push(t(stop[1] === true ? 'privacy:history.stopped' : 'privacy:history.resumed'));
  return lines;
}

/** A record's consent history, newest first: when, who and from where, what changed. */
export function ConsentHistoryList({
  view,
  apiName,
  events,
  selfLabel,
  staffLabel,
  selfId,
  names,
}: {
  view: ViewContext;
  apiName: string;
  events: ConsentEvent[];
  /** How the person themself is named (portal: "you"). */
  selfLabel: string;
  staffLabel: string;
  /** The portal user who is "you"; other portal users are "a portal user". */
  selfId?: string | undefined;
  /** Staff names by id (staff pages). */
  names?: Map<string, string> | undefined;
}) {
  const { t, fmt } = view;
  if (events.length === 0) return <p>{t('privacy:history.empty')}</p>;
  const who = (e: ConsentEvent) => {
    if (e.actor_kind === 'portal') return selfId === undefined || e.actor_id === selfId ? selfLabel : t('privacy:history.byPortalUser');
    if (e.actor_kind === 'staff') return (e.actor_id && names?.get(e.actor_id)) || staffLabel;
    return t('privacy:history.bySystem');
  };
  return (
    <ol class="consent-history">
      {events.map((e) => (
        <li>
          <time datetime={e.at.toISOString()}>{fmt.dateTime(e.at)}</time> · {who(e)} · {t(`privacy:sources.${e.source}`)}
          <ul>
            {consentChangeLines(view, apiName, e.changes).map((line) => (
              <li>{line}</li>
            ))}
          </ul>
        </li>
      ))}
    </ol>
  );
}

/** What happened to a request, in order. */
export function RequestHistory({
  view,
  events,
  names,
  requesterLabel,
}: {
  view: ViewContext;
  events: PrivacyRequestEvent[];
  names?: Map<string, string> | undefined;
  /** How the requester is named (portal: "you"). */
  requesterLabel?: string | undefined;
}) {
  const { t, fmt } = view;
  const who = (e: PrivacyRequestEvent) =>
    e.actor_kind === 'staff'
      ? (e.actor_id && names?.get(e.actor_id)) || t('privacy:history.byStaff')
      : e.actor_kind === 'portal'
        ? (requesterLabel ?? t('privacy:history.byRequester'))
        : t('privacy:history.bySystem');
  return (
    <ol class="request-history">
      {events.map((e) => {
        const d = e.details as { reason?: string; due?: string; months?: number };
        return (
          <li>
            <time datetime={e.at.toISOString()}>{fmt.dateTime(e.at)}</time> · {who(e)} · {t(`privacy:events.${e.event}`, { defaultValue: e.event })}
            {d.months && d.due && <> · {t('privacy:events.newDue', { due: fmt.date(new Date(d.due)) })}</>}
            {d.reason && <p class="quote">{d.reason}</p>}
          </li>
        );
      })}
    </ol>
  );
}

/** A request's dates and staff's reasons, as terms of its facts list: submitted, due (and why it was extended), why it was rejected. */
export function RequestDates({ view, request: r }: { view: ViewContext; request: PrivacyRequest }) {
  const { t, fmt } = view;
  return (
    <>
      <dt>{t('privacy:request.submitted')}</dt>
      <dd>
        <time datetime={r.submitted_at.toISOString()}>{fmt.dateTime(r.submitted_at)}</time>
      </dd>
      <dt>{t('privacy:request.due')}</dt>
      <dd>
        <time datetime={r.due_at.toISOString()}>{fmt.date(r.due_at)}</time>
        {r.extension_reason && <p class="quote">{t('privacy:request.extendedBecause', { reason: r.extension_reason })}</p>}
      </dd>
      {r.rejection_reason && (
        <>
          <dt>{t('privacy:request.rejectedBecause')}</dt>
          <dd class="quote">{r.rejection_reason}</dd>
        </>
      )}
    </>
  );
}
