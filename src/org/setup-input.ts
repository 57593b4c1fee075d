import { passwordProblem } from '../auth/passwords.js';
import type { TimeFormat } from '../db/schema.js';
import { isEmail } from '../http/input.js';
import { canonicalTimeZone, isCountry } from '../i18n/format.js';
import { isLanguage, type Language } from '../i18n/languages.js';

export type SetupInput = {
  orgName: string;
  emailDomains: string[];
  defaultLanguage: Language;
  timeZone: string;
  timeFormat: TimeFormat;
  country: string;
  adminName: string;
  adminEmail: string;
  password: string;
};

/** Field name → locale key of the problem with it. */
export type FieldErrors = Record<string, string>;

export type SetupForm = Record<keyof SetupInput | 'passwordConfirm' | 'emailDomainsText', string>;

const DOMAIN = /^(?=.{1,253}$)([a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?\.)+[a-z]{2,63}$/;

export function parseDomains(text: string): string[] {
  return [
    ...new Set(
      text
        .split(/[\s,;]+/)
        .map((d) => d.trim().toLowerCase().replace(/^@/, ''))
        .filter(Boolean),
    ),
  ];
}

/** Validates the first-run form; every problem is a locale key shown next to its field. */
export function validateSetup(form: Record<string, string | undefined>): { ok: true; input: SetupInput } | { ok: false; errors: FieldErrors } {
  const v = (k: string) => (form[k] ?? '').trim();
  const errors: FieldErrors = {};
  const orgName = v('orgName');
  if (!orgName) errors.orgName = 'errors:required';
  else if (orgName.length > 120) errors.orgName = 'errors:tooLong';
  const emailDomains = parseDomains(v('emailDomains'));
  if (emailDomains.some((d) => !DOMAIN.test(d))) errors.emailDomains = 'setup:errors.domains';
  const defaultLanguage = v('defaultLanguage');
  if (!isLanguage(defaultLanguage)) errors.defaultLanguage = 'errors:choose';
  const timeZone = canonicalTimeZone(v('timeZone')) ?? '';
  if (!timeZone) errors.timeZone = 'errors:choose';
  const timeFormat = v('timeFormat');
  if (timeFormat !== '12h' && timeFormat !== '24h') errors.timeFormat = 'errors:choose';
  const country = v('country');
  if (!isCountry(country)) errors.country = 'errors:choose';
  const adminName = v('adminName');
  if (!adminName) errors.adminName = 'errors:required';
  else if (adminName.length > 120) errors.adminName = 'errors:tooLong';
  const adminEmail = v('adminEmail').toLowerCase();
  if (!adminEmail) errors.adminEmail = 'errors:required';
  else if (!isEmail(adminEmail)) errors.adminEmail = 'errors:email';
  const password = form.password ?? '';
  const problem = passwordProblem(password);
  if (problem) errors.password = `errors:password.${problem}`;
  else if (password !== (form.passwordConfirm ?? '')) errors.passwordConfirm = 'errors:password.mismatch';
  if (Object.keys(errors).length > 0) return { ok: false, errors };
  return {
    ok: true,
    input: {
      orgName,
      emailDomains,
      defaultLanguage: defaultLanguage as Language,
      timeZone,
      timeFormat: timeFormat as TimeFormat,
      country,
      adminName,
      adminEmail,
      password,
    },
  };
}
