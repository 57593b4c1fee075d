import { describe, expect, it } from 'vitest';
import { isEmail } from '../../src/http/input.js';
import { getI18n } from '../../src/i18n/i18n.js';
import { parseDomains, type SetupForm, validateSetup } from '../../src/org/setup-input.js';

/** What the first administrator of Acme types into the setup form. */
const acmeForm: SetupForm = {
  orgName: 'Acme Consulting',
  emailDomains: 'acme.example, acme-consulting.example',
  emailDomainsText: '',
  defaultLanguage: 'es',
  timeZone: 'Europe/Madrid',
  timeFormat: '24h',
  country: 'ES',
  adminName: 'Lucía Fernández',
  adminEmail: 'lucia@acme.example',
  password: 'Correct-Horse9',
  passwordConfirm: 'Correct-Horse9',
};

function errorsFor(changes: Partial<Record<string, string | undefined>>): Record<string, string> {
  const result = validateSetup({ ...acmeForm, ...changes });
  if (result.ok) throw new Error(`expected errors for ${JSON.stringify(changes)}`);
  return result.errors;
}

describe('validateSetup with a valid form', () => {
  it('returns the typed input', () => {
    expect(validateSetup(acmeForm)).toEqual({
      ok: true,
      input: {
        orgName: 'Acme Consulting',
        emailDomains: ['acme.example', 'acme-consulting.example'],
        defaultLanguage: 'es',
        timeZone: 'Europe/Madrid',
        timeFormat: '24h',
        country: 'ES',
        adminName: 'Lucía Fernández',
        adminEmail: 'lucia@acme.example',
        password: 'Correct-Horse9',
      },
    });
  });

  it('trims names, lower-cases the email and keeps the password exactly as typed', () => {
    const result = validateSetup({
      ...acmeForm,
      orgName: '  Acme Consulting  ',
      adminName: ' Lucía ',
      adminEmail: '  Lucia@ACME.example ',
      password: ' Correct-Horse9 ',
      passwordConfirm: ' Correct-Horse9 ',
    });
    expect(result.ok).toBe(true);
    if (!result.ok) return;
    expect(result.input.orgName).toBe('Acme Consulting');
    expect(result.input.adminName).toBe('Lucía');
    expect(result.input.adminEmail).toBe('lucia@acme.example');
    expect(result.input.password).toBe(' Correct-Horse9 ');
  });

  it('allows no company email domains at all', () => {
    const result = validateSetup({ ...acmeForm, emailDomains: '' });
    expect(result.ok && result.input.emailDomains).toEqual([]);
  });

  it('accepts UTC, the 12-hour clock and a long passphrase', () => {
    const result = validateSetup({
      ...acmeForm,
      timeZone: 'UTC',
      timeFormat: '12h',
      password: 'correct horse battery staple',
      passwordConfirm: 'correct horse battery staple',
    });
    expect(result.ok).toBe(true);
  });
});

describe('validateSetup field errors', () => {
  it('requires the organization name', () => {
    expect(errorsFor({ orgName: '   ' })).toEqual({ orgName: 'errors:required' });
  });

  it('limits the organization name to 120 characters', () => {
    expect(errorsFor({ orgName: 'A'.repeat(121) })).toEqual({ orgName: 'errors:tooLong' });
    expect(validateSetup({ ...acmeForm, orgName: 'A'.repeat(120) }).ok).toBe(true);
  });

  it('refuses a domain that is not a domain name', () => {
    expect(errorsFor({ emailDomains: 'acme.example, not a domain!' })).toEqual({ emailDomains: 'setup:errors.domains' });
    expect(errorsFor({ emailDomains: 'localhost' })).toEqual({ emailDomains: 'setup:errors.domains' });
    expect(errorsFor({ emailDomains: 'https://acme.example' })).toEqual({ emailDomains: 'setup:errors.domains' });
    expect(errorsFor({ emailDomains: '-acme.example' })).toEqual({ emailDomains: 'setup:errors.domains' });
  });

  it('asks to choose a supported language', () => {
    expect(errorsFor({ defaultLanguage: 'de' })).toEqual({ defaultLanguage: 'errors:choose' });
    expect(errorsFor({ defaultLanguage: 'pt' })).toEqual({ defaultLanguage: 'errors:choose' });
  });

  it('asks to choose a real time zone', () => {
    expect(errorsFor({ timeZone: 'Europe/Atlantis' })).toEqual({ timeZone: 'errors:choose' });
  });

  it('asks to choose 12h or 24h', () => {
    expect(errorsFor({ timeFormat: '36h' })).toEqual({ timeFormat: 'errors:choose' });
  });

  it('asks to choose a listed country code', () => {
    expect(errorsFor({ country: 'es' })).toEqual({ country: 'errors:choose' });
    expect(errorsFor({ country: 'EU' })).toEqual({ country: 'errors:choose' });
  });

  it('requires the administrator name, up to 120 characters', () => {
    expect(errorsFor({ adminName: '' })).toEqual({ adminName: 'errors:required' });
    expect(errorsFor({ adminName: 'L'.repeat(121) })).toEqual({ adminName: 'errors:tooLong' });
  });

  it('requires a valid administrator email', () => {
    expect(errorsFor({ adminEmail: ' ' })).toEqual({ adminEmail: 'errors:required' });
    expect(errorsFor({ adminEmail: 'lucia@acme' })).toEqual({ adminEmail: 'errors:email' });
    expect(errorsFor({ adminEmail: 'lucia acme.example' })).toEqual({ adminEmail: 'errors:email' });
  });

  it('applies the password rules', () => {
    expect(errorsFor({ password: 'Short1!', passwordConfirm: 'Short1!' })).toEqual({ password: 'errors:password.too_short' });
    expect(errorsFor({ password: 'abcdefghij', passwordConfirm: 'abcdefghij' })).toEqual({ password: 'errors:password.too_simple' });
    const huge = `Aa1!${'x'.repeat(300)}`;
    expect(errorsFor({ password: huge, passwordConfirm: huge })).toEqual({ password: 'errors:password.too_long' });
  });

  it('reports a mismatched confirmation on the confirmation field', () => {
    expect(errorsFor({ passwordConfirm: 'Correct-Horse8' })).toEqual({ passwordConfirm: 'errors:password.mismatch' });
    expect(errorsFor({ passwordConfirm: undefined })).toEqual({ passwordConfirm: 'errors:password.mismatch' });
  });

  it('does not also report a mismatch when the password itself is refused', () => {
    expect(errorsFor({ password: 'short', passwordConfirm: 'different' })).toEqual({ password: 'errors:password.too_short' });
  });

  it('reports every field of an empty form at once', () => {
    expect(validateSetup({})).toEqual({
      ok: false,
      errors: {
        orgName: 'errors:required',
        defaultLanguage: 'errors:choose',
        timeZone: 'errors:choose',
        timeFormat: 'errors:choose',
        country: 'errors:choose',
        adminName: 'errors:required',
        adminEmail: 'errors:required',
        password: 'errors:password.too_short',
      },
    });
  });

  it('only uses error keys that exist in the English locale', () => {
    const i18n = getI18n();
    const keys = [
      'errors:required',
      'errors:tooLong',
      'errors:email',
      'errors:choose',
      'setup:errors.domains',
      'errors:password.too_short',
      'errors:password.too_long',
      'errors:password.too_simple',
      'errors:password.mismatch',
    ];
    for (const key of keys) expect(i18n.exists(key, { lng: 'en' }), key).toBe(true);
  });
});

describe('parseDomains', () => {
  it('splits on commas, semicolons and any whitespace', () => {
    expect(parseDomains('acme.example,acme.io; acme.dev\nacme.net\tacme.org')).toEqual(['acme.example', 'acme.io', 'acme.dev', 'acme.net', 'acme.org']);
  });

  it('lower-cases and removes a leading @', () => {
    expect(parseDomains('@ACME.Example, @Acme.IO')).toEqual(['acme.example', 'acme.io']);
  });

  it('removes duplicates, keeping the first position', () => {
    expect(parseDomains('acme.io, acme.example, @ACME.io, acme.example')).toEqual(['acme.io', 'acme.example']);
  });

  it('ignores empty pieces', () => {
    expect(parseDomains(' , ,, ')).toEqual([]);
    expect(parseDomains('')).toEqual([]);
  });
});

describe('isEmail', () => {
  it('accepts ordinary addresses', () => {
    expect(isEmail('lucia@acme.example')).toBe(true);
    expect(isEmail('lucia+crm@mail.acme.example')).toBe(true);
  });

  it('refuses addresses without a domain dot, with spaces or two @', () => {
    expect(isEmail('lucia@acme')).toBe(false);
    expect(isEmail('lucia @acme.example')).toBe(false);
    expect(isEmail('lucia@@acme.example')).toBe(false);
  });

  it('refuses addresses longer than 254 characters', () => {
    expect(isEmail(`${'a'.repeat(242)}@acme.example`)).toBe(false); // 255
    expect(isEmail(`${'a'.repeat(241)}@acme.example`)).toBe(true); // 254
  });
});
