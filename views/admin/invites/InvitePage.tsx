import type { ViewContext } from '../../../src/http/env.js';
import type { CandidatePage } from '../../../src/invitations/candidates.js';
import { Alert } from '../../components/Alert.js';
import { NextPage } from '../../components/NextPage.js';

export type InviteTypeChoice = { id: string; label: string };

export type InvitePageProps = {
  view: ViewContext;
  portalName: string;
  /** The page's own address: /admin/settings/portals/:id/invite. */
  base: string;
  types: InviteTypeChoice[];
  typeId: string | undefined;
  /** The chosen type shows a tab with no visible field: the warning and where to choose its fields. */
  emptyTabs?: { text: string; links: { href: string; label: string }[] } | undefined;
  moduleName: string;
  licences: { used: number; limit: number } | undefined;
  q: string;
  /** Records whose latest attempt for the type failed are left out. */
  hideFailed: boolean;
  /** Why no list is shown for the chosen type, when none is. */
  blocked?: 'noEmailField' | 'noPermission' | undefined;
  page: CandidatePage | undefined;
  /** Candidates matching the search, across every page. */
  total: number;
  error?: string | undefined;
};

const withQuery = (base: string, params: Record<string, string | undefined>) => {
  const p = new URLSearchParams();
  for (const [k, v] of Object.entries(params)) if (v) p.set(k, v);
  const s = p.toString();
  return s ? `${base}?${s}` : base;
};

/** Bulk invitation: a user type, the records that can be invited to it, and what to do with the chosen ones. */
export function InvitePage(props: InvitePageProps) {
  const { view, portalName, base, types, typeId, error, emptyTabs } = props;
  const { t } = view;
  return (
    <section class="bulk-invite">
      <h1>{t('bulkinvite:title', { portal: portalName })}</h1>
      <p>{t('bulkinvite:intro')}</p>
      {error && <Alert kind="error">{error}</Alert>}
      {types.length === 0 ? (
        <Alert kind="info">{t('bulkinvite:type.none')}</Alert>
      ) : (
        <form method="get" action={base} class="list-controls">
          <div class="field">
            <label for="invite-type">{t('bulkinvite:type.label')}</label>
            <select id="invite-type" name="type">
              {types.map((ty) => (
                <option value={ty.id} selected={ty.id === typeId}>
                  {ty.label}
                </option>
              ))}
            </select>
          </div>
          <button type="submit" class="button secondary">
            {t('bulkinvite:type.choose')}
          </button>
        </form>
      )}
      {emptyTabs && (
        <Alert kind="warning">
          <p>{emptyTabs.text}</p>
          <ul>
            {emptyTabs.links.map((l) => (
              <li>
                <a href={l.href}>{l.label}</a>
              </li>
            ))}
          </ul>
        </Alert>
      )}
      {typeId && <Candidates {...props} typeId={typeId} />}
    </section>
  );
}

function Candidates(props: InvitePageProps & { typeId: string }) {
  const { view, base, typeId, moduleName, licences, q, hideFailed, blocked, page, total } = props;
  const filter = hideFailed ? '1' : undefined;
  const { t, fmt } = view;
  if (blocked) return <Alert kind="info">{t(`bulkinvite:list.${blocked}`, { module: moduleName })}</Alert>;
  return (
    <>
      {licences && <p>{t('bulkinvite:licences', { used: fmt.number(licences.used), limit: fmt.number(licences.limit) })}</p>}
      <search>
        <form method="get" action={base} class="list-controls">
          <input type="hidden" name="type" value={typeId} />
          <div class="field">
            <label for="invite-q">{t('bulkinvite:search.label')}</label>
            <input id="invite-q" name="q" type="search" value={q} />
          </div>
          <div class="field checkbox">
            <input type="checkbox" id="invite-hide-failed" name="hideFailed" value="1" checked={hideFailed} />
            <label for="invite-hide-failed">{t('bulkinvite:search.hideFailed')}</label>
          </div>
          <button type="submit" class="button secondary">
            {t('bulkinvite:search.submit')}
          </button>
          {(q || hideFailed) && (
            <a class="button secondary" href={withQuery(base, { type: typeId })}>
              {t('bulkinvite:search.clear')}
            </a>
          )}
        </form>
      </search>
      <p id="invite-count">
        {q ? t('bulkinvite:list.countMatching', { count: total, n: fmt.number(total), q }) : t('bulkinvite:list.count', { count: total, n: fmt.number(total) })}
      </p>
      {!page || page.candidates.length === 0 ? (
        <Alert kind="info">{q ? t('bulkinvite:list.noMatch') : t('bulkinvite:list.empty', { module: moduleName })}</Alert>
      ) : (
        <form method="post" action={base}>
          <input type="hidden" name="type" value={typeId} />
          <input type="hidden" name="q" value={q} />
          {hideFailed && <input type="hidden" name="hideFailed" value="1" />}
          <section class="table-wrap table-scroll" aria-label={t('bulkinvite:list.caption', { module: moduleName })} tabindex={0}>
            <table>
              <caption class="visually-hidden">{t('bulkinvite:list.caption', { module: moduleName })}</caption>
              <thead>
                <tr>
                  <th scope="col">
                    <span class="visually-hidden">{t('bulkinvite:list.select')}</span>
                  </th>
                  <th scope="col">{t('bulkinvite:list.name')}</th>
                  <th scope="col">{t('bulkinvite:list.email')}</th>
                  <th scope="col">{t('bulkinvite:list.lastAttempt')}</th>
                </tr>
              </thead>
              <tbody>
                {page.candidates.map((r) => (
                  <tr>
                    <td>
                      <input type="checkbox" name="record" value={r.id} id={`record-${r.id}`} aria-label={t('bulkinvite:list.selectRow', { name: r.name })} />
                    </td>
                    <th scope="row">
                      <label for={`record-${r.id}`}>{r.name}</label>
                    </th>
                    <td>{r.email}</td>
                    <td>
                      {r.lastFailure && (
                        <>
                          <span class="badge badge-failed">{t('bulkinvite:outcomes.failed')}</span> {t(`invitations:reasons.${r.lastFailure}`)}
                        </>
                      )}
                    </td>
                  </tr>
                ))}
              </tbody>
            </table>
          </section>
          <div class="field checkbox">
            <input type="checkbox" id="invite-all" name="all" value="1" aria-describedby="invite-all-hint" />
            <label for="invite-all">
              {q
                ? t('bulkinvite:selectAllMatching', { count: total, n: fmt.number(total), q })
                : t('bulkinvite:selectAll', { count: total, n: fmt.number(total) })}
            </label>
          </div>
          <p class="hint" id="invite-all-hint">
            {t('bulkinvite:selectHint')}
          </p>
          <p class="actions">
            <button type="submit" class="button" name="mode" value="send">
              {t('bulkinvite:send')}
            </button>
            <button type="submit" class="button secondary" name="mode" value="dry" aria-describedby="invite-dry-hint">
              {t('bulkinvite:dryRun')}
            </button>
          </p>
          <p class="hint" id="invite-dry-hint">
            {t('bulkinvite:dryRunHint')}
          </p>
        </form>
      )}
      <NextPage
        href={page?.next ? withQuery(base, { type: typeId, q, hideFailed: filter, after: page.next }) : undefined}
        label={t('common:nextPage')}
        navLabel={t('common:pagination')}
      />
    </>
  );
}
