import type { ViewContext } from '../../../src/http/env.js';
import { LANGUAGES, type Language } from '../../../src/i18n/languages.js';
import type { TemplateErrors, TemplateInput } from '../../../src/invitations/templates.js';
import type { RenderedEmail } from '../../../src/mail/render.js';
import { Alert } from '../../components/Alert.js';
import { TextField } from '../../components/Field.js';
import { INVITATION_PLACEHOLDERS } from '../../emails/portal-invitation.js';
import { PORTALS_PATH, say } from './messages.js';

export type InvitationEmailPageProps = {
  view: ViewContext;
  portal: { id: string; name: string };
  language: Language;
  /** Languages with the portal's own wording. */
  custom: string[];
  values: TemplateInput;
  errors?: TemplateErrors | undefined;
  preview?: RenderedEmail | undefined;
  notice?: string | undefined;
};

export const invitationEmailPath = (portalId: string) => `${PORTALS_PATH}/${portalId}/invitation-email`;

/** The portal's invitation email in one language: its wording with placeholders, a preview, and the way back to the built-in text. */
export function InvitationEmailPage({ view, portal, language, custom, values, errors = {}, preview, notice }: InvitationEmailPageProps) {
  const { t, fmt } = view;
  const base = invitationEmailPath(portal.id);
  const isCustom = custom.includes(language);
  const failed = Boolean(errors.subject || errors.body);
  return (
    <section>
      <p>
        <a href={`${PORTALS_PATH}/${portal.id}`}>← {t('portals:backTo', { name: portal.name })}</a>
      </p>
      <h1>{t('portalusers:email.title', { portal: portal.name })}</h1>
      <p>{t('portalusers:email.intro')}</p>
      <nav aria-label={t('portalusers:email.languages')}>
        <ul class="inline-list">
          {LANGUAGES.map((l) => (
            <li>
              <a href={`${base}?lang=${l}`} aria-current={l === language ? 'page' : undefined}>
                {fmt.languageName(l)}
              </a>{' '}
              <span class="hint">({custom.includes(l) ? t('portalusers:email.customised') : t('portalusers:email.builtIn')})</span>
            </li>
          ))}
        </ul>
      </nav>
      <h2>{fmt.languageName(language)}</h2>
      {notice && <Alert kind="success">{notice}</Alert>}
      {failed && <Alert kind="error">{t('portalusers:email.errors.notSaved')}</Alert>}
      <p>{isCustom ? t('portalusers:email.usingCustom') : t('portalusers:email.usingBuiltIn')}</p>
      <form method="post" action={`${base}?lang=${language}`}>
        <input type="hidden" name="lang" value={language} />
        <TextField name="subject" label={t('portalusers:email.subject')} value={values.subject} error={say(view, errors.subject)} required />
        <div class={errors.body ? 'field has-error' : 'field'}>
          <label for="body">
            {t('portalusers:email.body')}
            <span aria-hidden="true"> *</span>
          </label>
          <textarea
            id="body"
            name="body"
            rows={10}
            required
            aria-invalid={errors.body ? 'true' : undefined}
            aria-describedby={errors.body ? 'body-hint placeholders body-error' : 'body-hint placeholders'}
          >
            {values.body}
          </textarea>
          <p class="hint" id="body-hint">
            {t('portalusers:email.bodyHint')}
          </p>
          {errors.body && (
            <p class="field-error" id="body-error">
              {say(view, errors.body)}
            </p>
          )}
        </div>
        <div id="placeholders">
          <h3>{t('portalusers:email.placeholders')}</h3>
          <dl class="details">
            {INVITATION_PLACEHOLDERS.map((p) => (
              <>
                <dt>
                  <code>{`{{${p}}}`}</code>
                </dt>
                <dd>{t(`portalusers:email.placeholder.${p}`)}</dd>
              </>
            ))}
          </dl>
        </div>
        <div class="form-actions">
          <button type="submit" class="button secondary" name="intent" value="preview">
            {t('portalusers:email.preview')}
          </button>
          <button type="submit" class="button" name="intent" value="save">
            {t('portalusers:email.save')}
          </button>
        </div>
      </form>
      {isCustom && (
        <form method="post" action={`${base}/reset?lang=${language}`}>
          <input type="hidden" name="lang" value={language} />
          <button type="submit" class="button secondary danger">
            {t('portalusers:email.reset')}
          </button>
        </form>
      )}
      {preview && <Preview view={view} preview={preview} />}
    </section>
  );
}

/**
 * The rendered email as text and as HTML source. Our CSP has no inline styles,
 * and a srcdoc frame inherits it, so the email's HTML is shown escaped rather than drawn.
 */
function Preview({ view, preview }: { view: ViewContext; preview: RenderedEmail }) {
  const { t } = view;
  return (
    <section class="card" id="preview" aria-labelledby="preview-title">
      <h2 id="preview-title">{t('portalusers:email.previewTitle')}</h2>
      <p class="hint">{t('portalusers:email.previewHint')}</p>
      <dl class="details">
        <dt>{t('portalusers:email.subject')}</dt>
        <dd id="preview-subject">{preview.subject}</dd>
      </dl>
      <h3>{t('portalusers:email.textVersion')}</h3>
      <pre class="email-text" id="preview-text">
        {preview.text}
      </pre>
      <h3>{t('portalusers:email.htmlVersion')}</h3>
      <pre class="email-text" id="preview-html">
        <code>{preview.html}</code>
      </pre>
    </section>
  );
}
