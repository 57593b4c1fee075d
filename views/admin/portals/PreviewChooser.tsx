import type { ViewContext } from '../../../src/http/env.js';
import { PREVIEW_PATH, type PreviewChoices } from '../../../src/portals/preview.js';
import type { PublicPages } from '../../../src/portals/public-pages.js';
import { Alert } from '../../components/Alert.js';
import { SelectField, TextField } from '../../components/Field.js';

export type PreviewChooserProps = {
  view: ViewContext;
  choices: PreviewChoices;
  /** Each portal's pages for visitors who are not signed in. */
  publicPages: PublicPages[];
  typeId: string | undefined;
  /** The portal the admin came from: its types and users are listed first, the first of each preselected. */
  portalId?: string | undefined;
  q: string | undefined;
  unknownType: boolean;
};

/** Choose whom to preview the portal as: a user type with a sample record, or an active portal user. */
export function PreviewChooser({ view, choices: given, publicPages, typeId, portalId, q, unknownType }: PreviewChooserProps) {
  const { t } = view;
  const choices = { ...given, types: portalFirst(given.types, portalId), users: portalFirst(given.users, portalId) };
  const type = choices.types.find((x) => x.id === typeId);
  const fromPortal = (list: { id: string; portalId: string }[]) => (portalId ? list.find((x) => x.portalId === portalId)?.id : undefined);
  return (
    <section>
      <h1>{t('portalpreview:title')}</h1>
      <p>{t('portalpreview:intro')}</p>
      {unknownType && <Alert kind="error">{t('portalpreview:errors.unknownType')}</Alert>}
      <section class="card" aria-labelledby="as-type">
        <h2 id="as-type">{t('portalpreview:asType.title')}</h2>
        {choices.types.length === 0 ? (
          <p>{t('portalpreview:asType.none')}</p>
        ) : (
          <form method="get" action={PREVIEW_PATH}>
            <SelectField
              name="type"
              label={t('portalpreview:asType.type')}
              options={choices.types.map((x) => ({ value: x.id, label: t('portalpreview:asType.option', { type: x.name, portal: x.portalName }) }))}
              value={type?.id ?? fromPortal(choices.types)}
              required
            />
            {type && choices.samples && (
              <>
                <TextField name="q" type="search" label={t('portalpreview:asType.search')} value={q} />
                <button type="submit" class="button secondary" name="find" value="1">
                  {t('portalpreview:asType.find')}
                </button>
                {choices.samples.length === 0 ? (
                  <p>{t('portalpreview:asType.noSamples')}</p>
                ) : (
                  <SelectField
                    name="record"
                    label={t('portalpreview:asType.record')}
                    hint={t('portalpreview:asType.recordHint')}
                    options={choices.samples.map((s) => ({ value: s.id, label: s.name || t('crm:untitled') }))}
                    required
                  />
                )}
              </>
            )}
            <button type="submit" class="button">
              {type && choices.samples?.length ? t('portalpreview:open') : t('portalpreview:asType.next')}
            </button>
          </form>
        )}
      </section>
      <section class="card" aria-labelledby="as-user">
        <h2 id="as-user">{t('portalpreview:asUser.title')}</h2>
        {choices.users.length === 0 ? (
          <p>{t('portalpreview:asUser.none')}</p>
        ) : (
          <form method="get" action={PREVIEW_PATH}>
            <SelectField
              name="user"
              label={t('portalpreview:asUser.user')}
              options={choices.users.map((u) => ({
                value: u.id,
                label: t('portalpreview:asUser.option', { name: u.name, email: u.email, type: u.typeName, portal: u.portalName }),
              }))}
              value={fromPortal(choices.users)}
              required
            />
            <button type="submit" class="button">
              {t('portalpreview:open')}
            </button>
          </form>
        )}
      </section>
      <PublicPagesCard view={view} pages={portalFirst(publicPages, portalId)} />
    </section>
  );
}

/** Links to each portal's sign-in page (with its single sign-on button when on) and sign-up page: the real pages, as visitors get them. */
function PublicPagesCard({ view, pages }: { view: ViewContext; pages: PublicPages[] }) {
  const { t } = view;
  if (pages.length === 0) return null;
  return (
    <section class="card" aria-labelledby="public-pages">
      <h2 id="public-pages">{t('portalsteps:publicPages.title')}</h2>
      <p>{t('portalsteps:publicPages.intro')}</p>
      <ul id="public-pages-list">
        {pages.map((p) => (
          <li>
            <strong>{p.portalName}:</strong>{' '}
            <a href={p.signIn} target="_blank" rel="noopener">
              {t('portalsteps:publicPages.signIn')}
              <span class="visually-hidden"> ({p.portalName})</span>
            </a>
            {p.signUp && (
              <>
                {', '}
                <a href={p.signUp} target="_blank" rel="noopener">
                  {t('portalsteps:publicPages.signUp')}
                  <span class="visually-hidden"> ({p.portalName})</span>
                </a>
              </>
            )}
          </li>
        ))}
      </ul>
    </section>
  );
}

/** The list with the given portal's entries first, each part in its own order. */
function portalFirst<T extends { portalId: string }>(list: T[], portalId: string | undefined): T[] {
  return portalId ? [...list.filter((x) => x.portalId === portalId), ...list.filter((x) => x.portalId !== portalId)] : list;
}
