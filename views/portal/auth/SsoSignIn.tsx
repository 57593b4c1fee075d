import type { ViewContext } from '../../../src/http/env.js';

export type SsoChoice = { provider: string | undefined };

/** The button that starts a sign-in with the portal's single sign-on provider (a form: the start is a POST). */
export function SsoSignIn({
  view,
  base,
  sso,
  next,
  password,
}: {
  view: ViewContext;
  base: string;
  sso: SsoChoice;
  next?: string | undefined;
  password: boolean;
}) {
  const { t } = view;
  return (
    <>
      <form method="post" action={`${base}/sso/start`} class="sso-sign-in">
        {next && <input type="hidden" name="next" value={next} />}
        <button type="submit" class="button">
          {sso.provider ? t('sso:signIn.button', { provider: sso.provider }) : t('sso:signIn.generic')}
        </button>
      </form>
      {password && <p class="hint">{t('sso:signIn.or')}</p>}
    </>
  );
}

/**
 * On the way to the provider: the browser goes on at once (the answer's Refresh header), and the link is there
 * when it does not. A page of its own, not a redirect of the form's POST: the sign-in pages allow forms to post
 * to this site only (Content-Security-Policy form-action), which a browser also applies to where the POST redirects.
 */
export function SsoContinue({ view, url }: { view: ViewContext; url: string }) {
  const { t } = view;
  return (
    <section class="auth-card" aria-labelledby="sso-continue-title">
      <h1 id="sso-continue-title">{t('sso:continue.title')}</h1>
      <p>{t('sso:continue.body')}</p>
      <p>
        <a class="button" href={url} id="sso-continue">
          {t('sso:continue.link')}
        </a>
      </p>
    </section>
  );
}
