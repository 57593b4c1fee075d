import { type Context, Hono } from 'hono';
import { SignupQueuePage, type SignupQueuePageProps, signupQueuePath } from '../../../../views/admin/portals/SignupQueuePage.js';
import { requireManagePortalUsers } from '../../../auth/guards.js';
import type { Portal } from '../../../db/schema.js';
import type { AppEnv } from '../../../http/env.js';
import { notFound, page } from '../../../http/render.js';
import { readForm } from '../../../http/request.js';
import { findPortal } from '../../../portals/portals.js';
import { type ApproveChoice, approveSignup, rejectSignup } from '../../../signup/decide.js';
import { signupQueue } from '../../../signup/queue.js';

/** A portal's sign-ups awaiting approval or a licence. Mounted under /admin/settings/portals/:id/users/signups. */
export const portalSignupQueueRoutes = new Hono<AppEnv>();

portalSignupQueueRoutes.use('*', requireManagePortalUsers());

const deps = (c: Context<AppEnv>) => ({ db: c.get('deps').db, boss: c.get('deps').boss, baseUrl: c.get('deps').config.baseUrl });
const DONE = ['approved', 'waiting', 'rejected'] as const;

async function render(c: Context<AppEnv>, portal: Portal, extra: Partial<SignupQueuePageProps> = {}, status: 200 | 404 | 409 | 422 = 200) {
  const t = c.get('t');
  const queue = await signupQueue(c.get('deps').db, portal, c.get('staff'));
  const done = DONE.find((d) => d === c.req.query('done'));
  return page(c, {
    title: t('signup:queue.title', { portal: portal.name }),
    status,
    body: (
      <SignupQueuePage
        view={c.get('view')}
        portal={portal}
        queue={queue}
        currency={c.get('org')?.currency ?? 'EUR'}
        notice={done ? t(`signup:queue.done.${done}`) : undefined}
        {...extra}
      />
    ),
  });
}

const portalOf = (c: Context<AppEnv>) => findPortal(c.get('deps').db, c.req.param('id') ?? '');

portalSignupQueueRoutes.get('/', async (c) => {
  const portal = await portalOf(c);
  return portal ? render(c, portal) : notFound(c);
});

portalSignupQueueRoutes.post('/:signupId/approve', async (c) => {
  const portal = await portalOf(c);
  if (!portal) return notFound(c);
  const choiceText = (await readForm(c)).one('record') ?? '';
  const choice: ApproveChoice | undefined = choiceText === 'new' ? { kind: 'new' } : choiceText ? { kind: 'link', recordId: choiceText } : undefined;
  const signupId = c.req.param('signupId');
  const result = await approveSignup(deps(c), { portalId: portal.id, signupId, staffId: c.get('staff')?.id ?? null, choice, viewer: c.get('staff') });
  if (result.ok) return c.redirect(`${signupQueuePath(portal.id)}?done=approved`, 303);
  if (result.reason === 'licence_limit') return c.redirect(`${signupQueuePath(portal.id)}?done=waiting`, 303);
  if (result.reason === 'not_found') return notFound(c);
  const status = result.reason === 'not_open' ? 409 : 422;
  return render(c, portal, { problem: { signupId, message: refusal(c, result.reason) } }, status);
});

/** Why approving did not go through, in the staff user's language. */
function refusal(c: Context<AppEnv>, reason: string): string {
  const t = c.get('t');
  const own = ['choose_record', 'not_open', 'no_owner', 'no_type'];
  return own.includes(reason) ? t(`signup:queue.refused.${reason}`) : t('signup:queue.refused.invitation', { reason: t(`invitations:reasons.${reason}`) });
}

portalSignupQueueRoutes.post('/:signupId/reject', async (c) => {
  const portal = await portalOf(c);
  if (!portal) return notFound(c);
  const reason = (await readForm(c)).one('reason') ?? '';
  const signupId = c.req.param('signupId');
  const result = await rejectSignup(deps(c), { portalId: portal.id, signupId, staffId: c.get('staff')?.id ?? '', reason });
  if (result.ok) return c.redirect(`${signupQueuePath(portal.id)}?done=rejected`, 303);
  if (result.reason === 'not_found') return notFound(c);
  const t = c.get('t');
  const problem = { signupId, message: t(`signup:queue.refused.${result.reason}`), reason: reason.slice(0, 2000), field: 'reason' as const };
  return render(c, portal, { problem }, result.reason === 'not_open' ? 409 : 422);
});
