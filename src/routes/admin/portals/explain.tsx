import { type Context, Hono } from 'hono';
import type { ContentfulStatusCode } from 'hono/utils/http-status';
import { ExplainPage, type ExplainPickerErrors, RecordMatches, UserMatches } from '../../../../views/admin/portals/ExplainPage.js';
import { RecordAccessPage } from '../../../../views/admin/portals/RecordAccessPage.js';
import { requireAdmin } from '../../../auth/guards.js';
import type { AppEnv } from '../../../http/env.js';
import { notFound, page } from '../../../http/render.js';
import {
  explainForUser,
  portalUserChoices,
  portalUsersSeeing,
  type RecordMatch,
  searchPortalUsers,
  searchRecords,
  type UserExplanation,
} from '../../../portals/explain.js';

export const portalExplainRoutes = new Hono<AppEnv>();
// UNSCOPED READ: preview and explain show records as portal users see them, not within the viewer's own
// record scope, so only administrators (who see every record anyway) may use them.
portalExplainRoutes.use('*', requireAdmin());

const BASE = '/admin/settings/portals/explain';

/** A record id as typed, or pasted with the record's address around it (the last id in it). */
function recordIdFrom(raw: string): string {
  const ids = raw.match(/[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}/gi);
  return ids?.at(-1)?.toLowerCase() ?? raw.trim();
}

type RecordSearch = { text: string; everywhere: boolean; records: RecordMatch[]; more: boolean };

async function render(
  c: Context<AppEnv>,
  opts: {
    search: string;
    userId: string;
    record: string;
    errors: ExplainPickerErrors;
    explanation?: UserExplanation;
    recordSearch?: RecordSearch;
    status: ContentfulStatusCode;
  },
) {
  const t = c.get('t');
  const db = c.get('deps').db;
  const [choices, userMatches] = await Promise.all([
    portalUserChoices(db, { search: opts.search, include: opts.userId }),
    // Once a user is chosen the page searches records; the list of users found stays in the select.
    opts.userId ? undefined : searchPortalUsers(db, opts.search),
  ]);
  // A user named by a link that is not (or no longer) a portal user: nothing to search records for.
  const unknownUser = opts.recordSearch !== undefined && !choices.users.some((u) => u.id === opts.userId);
  return page(c, {
    title: t('portalexplain:title'),
    status: unknownUser ? 404 : opts.status,
    body: (
      <ExplainPage
        view={c.get('view')}
        base={BASE}
        search={opts.search}
        userId={opts.userId}
        record={opts.record}
        choices={choices.users}
        moreChoices={choices.more}
        userMatches={userMatches}
        recordSearch={unknownUser ? undefined : opts.recordSearch}
        errors={unknownUser ? { form: 'portalexplain:errors.notFound' } : opts.errors}
        explanation={opts.explanation}
      />
    ),
  });
}

portalExplainRoutes.get('/', async (c) => {
  const search = c.req.query('q') ?? '';
  const asked = c.req.query('user');
  const record = (c.req.query('record') ?? '').trim();
  // Only the explain form (or a link) names a user; the search form alone just narrows the list.
  if (asked === undefined) return render(c, { search, userId: '', record, errors: {}, status: 200 });
  const userId = asked.trim();
  // A user chosen from the search, no record yet: find the record by its name.
  if (userId && c.req.query('record') === undefined)
    return render(c, { search, userId, record, errors: {}, recordSearch: await findRecords(c, userId), status: 200 });
  const errors: ExplainPickerErrors = {};
  if (!userId) errors.user = 'portalexplain:errors.chooseUser';
  if (!record) errors.record = 'portalexplain:errors.enterRecord';
  if (errors.user || errors.record) return render(c, { search, userId, record, errors, status: 422 });
  const explanation = await explainForUser(c.get('deps').db, userId, recordIdFrom(record));
  if (!explanation) return render(c, { search, userId, record, errors: { form: 'portalexplain:errors.notFound' }, status: 404 });
  return render(c, { search, userId, record: explanation.record.id, errors: {}, explanation, status: 200 });
});

async function findRecords(c: Context<AppEnv>, userId: string): Promise<RecordSearch> {
  const text = c.req.query('rq') ?? '';
  const everywhere = c.req.query('all') === '1';
  return { text, everywhere, ...(await searchRecords(c.get('deps').db, { text, portalUserId: userId, everywhere })) };
}

/** Suggestions as the admin types (htmx): the portal users found by name or email. */
portalExplainRoutes.get('/suggest/users', async (c) => {
  const found = await searchPortalUsers(c.get('deps').db, c.req.query('q'));
  return c.html(<UserMatches view={c.get('view')} base={BASE} search={c.req.query('q') ?? ''} users={found.users} more={found.more} />);
});

/** Suggestions as the admin types (htmx): the records found by name for the chosen user. */
portalExplainRoutes.get('/suggest/records', async (c) => {
  const userId = (c.req.query('user') ?? '').trim();
  const found = await findRecords(c, userId);
  return c.html(<RecordMatches view={c.get('view')} base={BASE} userId={userId} search={found} />);
});

portalExplainRoutes.get('/record/:id', async (c) => {
  const t = c.get('t');
  const audience = await portalUsersSeeing(c.get('deps').db, c.req.param('id'));
  if (!audience) return notFound(c);
  return page(c, {
    title: t('portalexplain:record.title'),
    body: <RecordAccessPage view={c.get('view')} base={BASE} audience={audience} />,
  });
});
