import { type Context, Hono, type MiddlewareHandler } from 'hono';
import { DeleteConfirmPage } from '../../../views/portal/DeleteConfirmPage.js';
import { HomePage } from '../../../views/portal/HomePage.js';
import { ModulePage } from '../../../views/portal/ModulePage.js';
import { CaseSuggestions, LookupOptions, RecordFormPage } from '../../../views/portal/RecordFormPage.js';
import { RecordPage } from '../../../views/portal/RecordPage.js';
import { WebTabPage } from '../../../views/portal/WebTabPage.js';
import { attachmentInScope } from '../../access/engine.js';
import { changeCaseStatus, isCaseModule } from '../../cases/status.js';
import { suggestArticles } from '../../cases/suggestions.js';
import { moduleLabel } from '../../crm/metadata.js';
import { computeIndicators } from '../../dashboards/indicators.js';
import { sendDownload } from '../../http/download.js';
import type { AppEnv } from '../../http/env.js';
import { isUuid } from '../../http/input.js';
import { page } from '../../http/render.js';
import { formValues } from '../../http/request.js';
import { portalFormPage, portalLookupSearch } from '../../portals/portal-forms.js';
import { portalHome } from '../../portals/portal-home.js';
import { listQueryOf, portalList } from '../../portals/portal-list.js';
import { portalNav } from '../../portals/portal-nav.js';
import { tabModule } from '../../portals/portal-pages.js';
import { openPortalRecord, portalRecord } from '../../portals/portal-record.js';
import {
  addPortalAttachment,
  addPortalNote,
  createPortalRecord,
  deletePortalRecord,
  type FormReader,
  type PortalWrite,
  updatePortalRecord,
} from '../../portals/portal-writes.js';
import type { PortalSurface } from '../../portals/surface.js';
import { currencyOf, inviteDeps, navOf, notFound, readForm, recordHrefOf, refusedPage, surfaceMessage, surfaceOf, timeZoneOf } from './tab-frame.js';

/** Resolves the surface of a request, or answers it (sign-in redirect, unknown preview subject). */
export type { PortalSurface };

export type SurfaceResolver = (c: Context<AppEnv>) => Promise<PortalSurface | Response>;

/**
 * The tab pages — home, lists or cards, a record, its files, web tabs — as a
 * sub-app to mount under a surface's base: `app.route('/:slug', portalTabRoutes(…))`.
 * Everything goes through the permission engine with the surface's context;
 * a record outside it answers 404 in the portal's frame.
 */
export function portalTabRoutes(resolve: SurfaceResolver): Hono<AppEnv> {
  const tabs = new Hono<AppEnv>();
  const withSurface: MiddlewareHandler<AppEnv> = async (c, next) => {
    const surface = await resolve(c);
    if (surface instanceof Response) return surface;
    c.set('surface', surface);
    if (surface.readOnly && c.req.method !== 'GET' && c.req.method !== 'HEAD') {
      const t = c.get('t');
      const nav = await portalNav(c.get('deps').db, surface.ctx);
      return surfaceMessage(c, surface, nav, 403, t('portalpreview:readOnly.title'), t('portalpreview:readOnly.message'));
    }
    await next();
  };
  // Only these paths: mounted at /:slug, a '*' would also cover the portal's sign-in pages.
  for (const path of ['/', '/m/*', '/tabs/*']) tabs.use(path, withSurface);

  tabs.get('/', async (c) => {
    const s = surfaceOf(c);
    const nav = await navOf(c);
    const shell = s.shell(nav);
    if (nav.modules.length === 0 && nav.webTabs.length === 0) return surfaceMessage(c, s, nav, 200, shell.name, c.get('t')('portalauth:home.noTabs'));
    const [home, indicators] = await Promise.all([portalHome(c.get('deps').db, s.ctx, nav), computeIndicators(c.get('deps').db, s.ctx)]);
    return page(c, {
      title: shell.name,
      portal: shell,
      body: (
        <HomePage
          view={c.get('view')}
          home={home}
          nav={nav}
          base={s.base}
          portalName={shell.name}
          userName={shell.userName}
          indicators={indicators}
          currency={currencyOf(c)}
        />
      ),
    });
  });

  tabs.get('/m/:module', async (c) => {
    const s = surfaceOf(c);
    const nav = await navOf(c);
    const list = await portalList(c.get('deps').db, s.ctx, c.req.param('module'), { ...listQueryOf(c.req.query()), href: recordHrefOf(s) });
    if (!list) return notFound(c, nav);
    const { t, lang } = c.get('view');
    const shell = s.shell(nav);
    return page(c, {
      title: `${moduleLabel(t, lang, list.meta.module, 'plural', list.tab.labels)} · ${shell.name}`,
      status: list.refused ? 422 : 200,
      portal: shell,
      body: (
        <ModulePage
          view={c.get('view')}
          list={list}
          href={`${s.base}/m/${list.meta.module.api_name}`}
          currency={currencyOf(c)}
          notice={c.req.query('deleted') === '1' ? 'deleted' : undefined}
        />
      ),
    });
  });

  /** The new or edit form, drawn again with what was submitted and its messages when a save was refused. */
  async function formPage(
    c: Context<AppEnv>,
    opts: { id?: string; layoutId?: string | undefined; cloneId?: string | undefined; failed?: Exclude<PortalWrite, { ok: true } | { status: 403 | 404 }> },
  ) {
    const s = surfaceOf(c);
    const nav = await navOf(c);
    const module = c.req.param('module') ?? '';
    const href = `${s.base}/m/${module}`;
    const form = await portalFormPage(c.get('deps').db, s.ctx, module, {
      id: opts.id,
      layoutId: opts.layoutId,
      cloneId: opts.cloneId,
      href: recordHrefOf(s),
    });
    if (!form) return notFound(c, nav);
    const failed = opts.failed;
    if (failed && Object.keys(failed.values).length > 0) form.values = failed.values;
    const shell = s.shell(nav);
    const { t, lang } = c.get('view');
    const singular = moduleLabel(t, lang, form.meta.module, 'singular');
    const title = form.mode === 'create' ? t('crm:actions.new', { name: singular }) : t('crm:actions.editNamed', { name: singular });
    return page(c, {
      title: `${title} · ${shell.name}`,
      status: failed?.status ?? 200,
      portal: shell,
      body: (
        <RecordFormPage
          view={c.get('view')}
          page={form}
          href={href}
          base={s.base}
          action={opts.id ? `${href}/${opts.id}/edit` : href}
          cancel={opts.id ? `${href}/${opts.id}` : href}
          errors={failed?.status === 422 ? failed.errors : {}}
          refusal={failed?.status === 422 ? failed.refusal : undefined}
          conflict={failed?.status === 409}
          timeZone={timeZoneOf(c)}
          currency={currencyOf(c)}
        />
      ),
    });
  }

  /** A refused write: 404 and 403 in the frame, or the form again with its messages. */
  async function refused(c: Context<AppEnv>, result: Exclude<PortalWrite, { ok: true }>, opts: { id?: string; layoutId?: string | undefined }) {
    if (result.status === 404 || result.status === 403) return refusedPage(c, result.status);
    return formPage(c, { ...opts, failed: result });
  }

  tabs.get('/m/:module/new', (c) => formPage(c, { layoutId: c.req.query('layout'), cloneId: c.req.query('clone') }));

  tabs.post('/m/:module', async (c) => {
    const s = surfaceOf(c);
    const { db } = c.get('deps');
    let layoutId: string | undefined;
    const read = readForm(c);
    const remembered: FormReader = async (fields) => {
      const form = await read(fields);
      layoutId = form.layoutId;
      return form;
    };
    const result = await createPortalRecord(db, s.ctx, c.req.param('module'), remembered, { timeZone: timeZoneOf(c), invite: inviteDeps(c) });
    // Drawn again in the layout it was submitted in.
    if (!result.ok) return refused(c, result, { layoutId });
    return c.redirect(`${s.base}/m/${c.req.param('module')}/${result.record.id}?created=1`, 303);
  });

  // Knowledge-base articles matching what the customer types as a case's subject (htmx fragment).
  tabs.get('/m/:module/suggest', async (c) => {
    const s = surfaceOf(c);
    const found = await tabModule(c.get('deps').db, s.ctx, c.req.param('module'));
    const result = found && isCaseModule(found.meta) ? await suggestArticles(c.get('deps').db, s.ctx, (c.req.query('subject') ?? '').slice(0, 300)) : undefined;
    if (!result) return notFound(c, await navOf(c));
    return c.html(<CaseSuggestions view={c.get('view')} base={s.base} meta={result.meta} articles={result.articles} />);
  });

  // A lookup's options narrowed by a search (htmx), from the targets in scope only.
  tabs.get('/m/:module/lookup/:field', async (c) => {
    const s = surfaceOf(c);
    const name = c.req.param('field');
    const found = await portalLookupSearch(c.get('deps').db, s.ctx, c.req.param('module'), name, {
      q: c.req.query(`__search_${name}`) ?? '',
      current: c.req.query(`${name}__id`) ?? '',
    });
    if (!found) return notFound(c, await navOf(c));
    const { t, lang } = c.get('view');
    const neutral = (n: string) => n || moduleLabel(t, lang, found.module, 'singular');
    const kept = found.current && { id: found.current.id, name: neutral(found.current.name) };
    return c.html(<LookupOptions view={c.get('view')} choices={found.choices} value={found.value} current={kept} neutral={neutral} />);
  });

  tabs.get('/m/:module/:id/edit', (c) => formPage(c, { id: c.req.param('id') }));

  tabs.post('/m/:module/:id/edit', async (c) => {
    const s = surfaceOf(c);
    const id = c.req.param('id');
    const result = await updatePortalRecord(c.get('deps').db, s.ctx, c.req.param('module'), id, readForm(c), {
      timeZone: timeZoneOf(c),
      invite: inviteDeps(c),
    });
    if (!result.ok) return refused(c, result, { id });
    return c.redirect(`${s.base}/m/${c.req.param('module')}/${id}?saved=1`, 303);
  });

  async function recordPage(c: Context<AppEnv>, opts: { status?: 200 | 409 | 413 | 422; noteError?: string; noteBody?: string; fileError?: string } = {}) {
    const s = surfaceOf(c);
    const nav = await navOf(c);
    const q = c.req.query();
    const rec = await openPortalRecord(c.get('deps').db, s.ctx, c.req.param('module') ?? '', c.req.param('id') ?? '', {
      href: recordHrefOf(s),
      fromCaseSuggestion: q.from === 'case' && c.req.method === 'GET',
    });
    if (!rec) return notFound(c, nav);
    const shell = s.shell(nav);
    const notices = ['created', 'saved', 'noted', 'attached', 'closed', 'reopened', 'statusUnchanged', 'followup'] as const;
    const notice = notices.find((n) => q[n] === '1');
    return page(c, {
      title: `${rec.record.name || moduleLabel(c.get('t'), c.get('lang'), rec.meta.module, 'singular')} · ${shell.name}`,
      status: opts.status ?? 200,
      portal: shell,
      body: (
        <RecordPage
          view={c.get('view')}
          rec={rec}
          href={`${s.base}/m/${rec.meta.module.api_name}`}
          currency={currencyOf(c)}
          notice={notice}
          noteError={opts.noteError}
          noteBody={opts.noteBody}
          fileError={opts.fileError}
        />
      ),
    });
  }

  tabs.get('/m/:module/:id', (c) => recordPage(c));

  tabs.post('/m/:module/:id/notes', async (c) => {
    const s = surfaceOf(c);
    const { body } = await formValues(c, ['body']);
    const result = await addPortalNote(c.get('deps').db, s.ctx, c.req.param('module'), c.req.param('id'), body ?? '', inviteDeps(c));
    if (result.ok && result.followUpId) return c.redirect(`${s.base}/m/${c.req.param('module')}/${result.followUpId}?followup=1`, 303);
    if (result.ok) return c.redirect(`${s.base}/m/${c.req.param('module')}/${c.req.param('id')}?noted=1#notes`, 303);
    if (result.status === 409) return recordPage(c, { status: 409, noteError: 'portal:cases.closedForGood', noteBody: body ?? '' });
    if (result.status === 422) return recordPage(c, { status: 422, noteError: `crm:notes.errors.${result.problem}`, noteBody: body ?? '' });
    return refusedPage(c, result.status);
  });

  tabs.post('/m/:module/:id/attachments', async (c) => {
    const s = surfaceOf(c);
    let file: File | undefined;
    try {
      const body = await c.req.parseBody();
      file = body.file instanceof File && body.file.size > 0 ? body.file : undefined;
    } catch {
      file = undefined;
    }
    const upload = file ? { name: file.name, bytes: new Uint8Array(await file.arrayBuffer()) } : undefined;
    const result = await addPortalAttachment(c.get('deps').db, s.ctx, c.req.param('module'), c.req.param('id'), upload);
    if (result.ok) return c.redirect(`${s.base}/m/${c.req.param('module')}/${c.req.param('id')}?attached=1#attachments`, 303);
    if (result.status === 413 || result.status === 422) return recordPage(c, { status: result.status, fileError: `portal:upload.${result.problem}` });
    return refusedPage(c, result.status);
  });

  // The customer closes or reopens their case; the page says so.
  for (const change of ['close', 'reopen'] as const)
    tabs.post(`/m/:module/:id/${change}`, async (c) => {
      const s = surfaceOf(c);
      const found = await tabModule(c.get('deps').db, s.ctx, c.req.param('module'));
      const result = found && isUuid(c.req.param('id')) ? await changeCaseStatus(c.get('deps').db, s.ctx, found.meta, c.req.param('id'), change) : undefined;
      if (!result || (!result.ok && result.status === 404)) return notFound(c, await navOf(c));
      if (!result.ok && result.status === 403) return refusedPage(c, 403);
      const notice = result.ok ? (change === 'close' ? 'closed' : 'reopened') : 'statusUnchanged';
      return c.redirect(`${s.base}/m/${c.req.param('module')}/${c.req.param('id')}?${notice}=1`, 303);
    });

  tabs.get('/m/:module/:id/delete', async (c) => {
    const s = surfaceOf(c);
    const nav = await navOf(c);
    const rec = await portalRecord(c.get('deps').db, s.ctx, c.req.param('module'), c.req.param('id'), { href: recordHrefOf(s) });
    if (!rec?.actions.delete) return notFound(c, nav);
    const shell = s.shell(nav);
    const { t, lang } = c.get('view');
    return page(c, {
      title: `${t('portal:delete.title', { module: moduleLabel(t, lang, rec.meta.module, 'singular') })} · ${shell.name}`,
      portal: shell,
      body: <DeleteConfirmPage view={c.get('view')} rec={rec} href={`${s.base}/m/${rec.meta.module.api_name}`} />,
    });
  });

  tabs.post('/m/:module/:id/delete', async (c) => {
    const s = surfaceOf(c);
    const result = await deletePortalRecord(c.get('deps').db, s.ctx, c.req.param('module'), c.req.param('id'));
    if (!result.ok) return refusedPage(c, result.status === 404 ? 404 : 403);
    return c.redirect(`${s.base}/m/${c.req.param('module')}?deleted=1`, 303);
  });

  tabs.get('/m/:module/:id/files/:file', async (c) => {
    const s = surfaceOf(c);
    const nav = await navOf(c);
    const module = nav.modules.find((m) => m.module.api_name === c.req.param('module'));
    const ids = [c.req.param('id'), c.req.param('file')];
    const file =
      module && ids.every(isUuid) ? await attachmentInScope(c.get('deps').db, s.ctx, module.module.id, c.req.param('id'), c.req.param('file')) : undefined;
    if (!file) return notFound(c, nav);
    return sendDownload(c, file);
  });

  tabs.get('/tabs/:tab', async (c) => {
    const s = surfaceOf(c);
    const nav = await navOf(c);
    const tab = nav.webTabs.find((w) => w.id === c.req.param('tab'));
    if (!tab) return notFound(c, nav);
    const shell = s.shell(nav);
    return page(c, { title: `${tab.name} · ${shell.name}`, portal: shell, body: <WebTabPage view={c.get('view')} tab={tab} /> });
  });

  // Any other address under the tabs is not found, in the portal's frame.
  tabs.all('/m/*', async (c) => notFound(c, await navOf(c)));
  tabs.all('/tabs/*', async (c) => notFound(c, await navOf(c)));
  return tabs;
}
