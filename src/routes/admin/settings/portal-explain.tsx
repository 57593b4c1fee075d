import { type Context, Hono } from 'hono';
import type { ContentfulStatusCode } from 'hono/utils/http-status';
import { ExplainPage, type ExplainPickerErrors } from '../../../../views/admin/portals/ExplainPage.js';
import { RecordAccessPage } from '../../../../views/admin/portals/RecordAccessPage.js';
import { requireAdmin } from '../../../auth/guards.js';
import type { AppEnv } from '../../../http/env.js';
import { errorPage, page } from '../../../http/render.js';
import { explainForUser, portalUserChoices, portalUsersSeeing, type UserExplanation } from '../../../portals/explain.js';

export const portalExplainRoutes = new Hono<AppEnv>();
// UNSCOPED READ: preview and explain show records as portal users see them, not within the viewer's own
// record scope, so only administrators (who see every record anyway) may use them.
portalExplainRoutes.use('*', requireAdmin());

const BASE = '/admin/settings/portal-explain';

/** A record id as typed, or pasted with the record's address around it (the last id in it). */
function recordIdFrom(raw: string): string {
  const ids = raw.match(/[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}/gi);
  return ids?.at(-1)?.toLowerCase() ?? raw.trim();
}

async function render(
  c: Context<AppEnv>,
  opts: { search: string; userId: string; record: string; errors: ExplainPickerErrors; explanation?: UserExplanation; status: ContentfulStatusCode },
) {
  const t = c.get('t');
  const choices = await portalUserChoices(c.get('deps').db, { search: opts.search, include: opts.userId });
  return page(c, {
    title: t('portalexplain:title'),
    status: opts.status,
    body: (
      <ExplainPage
        view={c.get('view')}
        base={BASE}
        search={opts.search}
        userId={opts.userId}
        record={opts.record}
        choices={choices.users}
        moreChoices={choices.more}
        errors={opts.errors}
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
  const errors: ExplainPickerErrors = {};
  if (!userId) errors.user = 'portalexplain:errors.chooseUser';
  if (!record) errors.record = 'portalexplain:errors.enterRecord';
  if (errors.user || errors.record) return render(c, { search, userId, record, errors, status: 422 });
  const explanation = await explainForUser(c.get('deps').db, userId, recordIdFrom(record));
  if (!explanation) return render(c, { search, userId, record, errors: { form: 'portalexplain:errors.notFound' }, status: 404 });
  return render(c, { search, userId, record: explanation.record.id, errors: {}, explanation, status: 200 });
});

portalExplainRoutes.get('/record/:id', async (c) => {
  const t = c.get('t');
  const audience = await portalUsersSeeing(c.get('deps').db, c.req.param('id'));
  if (!audience) return errorPage(c, 404, t('errors:notFound.title'), t('errors:notFound.message'));
  return page(c, {
    title: t('portalexplain:record.title'),
    body: <RecordAccessPage view={c.get('view')} base={BASE} audience={audience} />,
  });
});
