import type { RecordInput } from '../../../src/crm/records.js';
import type { Field } from '../../../src/db/schema.js';
import type { ViewContext } from '../../../src/http/env.js';
import { Alert } from '../../components/Alert.js';
import { TextField } from '../../components/Field.js';
import { FieldInput } from '../../components/FieldInput.js';

export type SignupFormProps = {
  view: ViewContext;
  portalName: string;
  /** /p/:slug */
  base: string;
  fields: Field[];
  /** The organization has data protection on: consent must be given. */
  askConsent: boolean;
  timeZone: string;
  email?: string | undefined;
  values?: RecordInput | undefined;
  consent?: boolean | undefined;
  /** Locale keys by field api name; the address's under "email", the consent box's under "consent". */
  errors?: Record<string, string> | undefined;
  error?: string | undefined;
};

/** The portal's sign-up form: the email, the fields the portal asks, consent when data protection is on. */
export function SignupPage(props: SignupFormProps) {
  const { view, base, errors = {} } = props;
  const { t } = view;
  const failed = Object.keys(errors).length > 0;
  return (
    <section class="auth-card" aria-labelledby="signup-title">
      <h1 id="signup-title">{t('signup:form.title', { portal: props.portalName })}</h1>
      <p>{t('signup:form.intro')}</p>
      {props.error && <Alert kind="error">{props.error}</Alert>}
      {failed && !props.error && <Alert kind="error">{t('signup:form.errors.summary')}</Alert>}
      <form method="post" action={`${base}/signup`}>
        <TextField
          name="email"
          type="email"
          label={t('auth:email')}
          value={props.email}
          error={errors.email ? t(errors.email) : undefined}
          required
          autocomplete="email"
        />
        {props.fields.map((field) => (
          <FieldInput
            view={view}
            field={field}
            value={props.values?.[field.api_name]}
            error={errors[field.api_name]}
            names={new Map()}
            timeZone={props.timeZone}
          />
        ))}
        {props.askConsent && (
          <div class={errors.consent ? 'field checkbox has-error' : 'field checkbox'}>
            <input
              type="checkbox"
              id="consent"
              name="consent"
              value="on"
              checked={props.consent}
              aria-describedby={errors.consent ? 'consent-error' : undefined}
            />
            <label for="consent">{t('signup:form.consent', { portal: props.portalName })}</label>
            {errors.consent && (
              <p class="field-error" id="consent-error">
                {t(errors.consent)}
              </p>
            )}
          </div>
        )}
        <button type="submit" class="button">
          {t('signup:form.submit')}
        </button>
      </form>
      <p>
        <a href={`${base}/login`}>{t('signup:form.haveAccount')}</a>
      </p>
    </section>
  );
}

/** "We sent a code to …": the same page whether or not the address already has an account. */
export function SignupCodePage({ view, base, email, error }: { view: ViewContext; base: string; email: string; error?: string | undefined }) {
  const { t } = view;
  return (
    <section class="auth-card" aria-labelledby="code-title">
      <h1 id="code-title">{t('signup:code.title')}</h1>
      {error ? <Alert kind="error">{t('signup:code.notConfirmed')}</Alert> : <Alert kind="success">{t('signup:code.sent', { email })}</Alert>}
      <p>{t('signup:code.intro', { count: 15 })}</p>
      <form method="post" action={`${base}/signup/confirm`}>
        <input type="hidden" name="email" value={email} />
        <TextField
          name="code"
          label={t('signup:code.label')}
          hint={t('signup:code.hint')}
          error={error}
          required
          autocomplete="one-time-code"
          inputmode="numeric"
          maxlength={6}
        />
        <button type="submit" class="button">
          {t('signup:code.submit')}
        </button>
      </form>
      <p>
        <a href={`${base}/signup?email=${encodeURIComponent(email)}`}>{t('signup:code.again')}</a>
      </p>
    </section>
  );
}

/** The page the emailed link opens: only its button confirms, so a link opened by a mail scanner or a preview confirms nothing. */
export function SignupLinkPage({ view, base, id, code }: { view: ViewContext; base: string; id: string; code: string }) {
  const { t } = view;
  return (
    <section class="auth-card" aria-labelledby="link-title">
      <h1 id="link-title">{t('signup:confirmLink.title')}</h1>
      <p>{t('signup:confirmLink.intro')}</p>
      <form method="post" action={`${base}/signup/confirm/link`}>
        <input type="hidden" name="id" value={id} />
        <input type="hidden" name="code" value={code} />
        <button type="submit" class="button">
          {t('signup:confirmLink.submit')}
        </button>
      </form>
    </section>
  );
}

export type SignupOutcome = 'pending' | 'waiting' | 'approved' | 'existing' | 'expired' | 'used' | 'too_many';

/** Where the sign-up stands after its code, or why the code no longer works. */
export function SignupOutcomePage({ view, base, outcome }: { view: ViewContext; base: string; outcome: SignupOutcome }) {
  const { t } = view;
  const problem = outcome === 'expired' || outcome === 'used' || outcome === 'too_many';
  return (
    <section class="auth-card" aria-labelledby="outcome-title">
      <h1 id="outcome-title">{t(`signup:outcome.${outcome}.title`)}</h1>
      <Alert kind={problem ? 'error' : outcome === 'approved' ? 'success' : 'info'}>{t(`signup:outcome.${outcome}.body`)}</Alert>
      <p>{problem ? <a href={`${base}/signup`}>{t('signup:outcome.again')}</a> : <a href={`${base}/login`}>{t('signup:outcome.signIn')}</a>}</p>
    </section>
  );
}
