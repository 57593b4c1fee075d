import { randomBytes } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { insecureAllowed } from '../../src/sso/oidc.js';
import { activeProvider, issuerProblem, normalScopes, providerName, providerProblem } from '../../src/sso/provider.js';
import { encryptSecret } from '../../src/sso/secret.js';
import { checkSsoForm } from '../../src/sso/settings.js';
import { portalRedirectUris, ssoRedirectUri } from '../../src/sso/sign-in.js';
import { staffRedirectUri } from '../../src/sso/staff-sign-in.js';

const form = {
  enabled: true,
  issuer: 'https://login.example.com',
  clientId: 'porta',
  clientSecret: 'secret',
  scopes: 'openid email',
  passwordSignIn: true,
  signupAllowed: false,
};

describe('single sign-on settings rules', () => {
  it('takes https issuers, and http only on this machine', () => {
    expect(issuerProblem('https://login.example.com/realms/acme')).toBeUndefined();
    expect(issuerProblem('https://tenant.auth0.com/')).toBeUndefined();
    for (const ok of ['http://localhost:8080', 'http://127.0.0.1:4000/x', 'http://[::1]:9000']) expect(issuerProblem(ok)).toBeUndefined();
    expect(issuerProblem('http://login.example.com')).toBe('issuerScheme');
    expect(issuerProblem('javascript:alert(1)')).toBe('issuerScheme');
    expect(issuerProblem('https://login.example.com/#x')).toBe('issuerInvalid');
    expect(issuerProblem('https://user:pw@login.example.com')).toBe('issuerInvalid');
    expect(issuerProblem('login.example.com')).toBe('issuerInvalid');
    expect(issuerProblem('')).toBe('issuerRequired');
  });

  it('allows plain-http requests outside production, or to a provider on this machine', () => {
    expect(insecureAllowed('https://login.example.com', 'development')).toBe(false);
    expect(insecureAllowed('http://idp.internal', 'development')).toBe(true);
    expect(insecureAllowed('http://idp.internal', 'production')).toBe(false);
    expect(insecureAllowed('http://127.0.0.1:4000', 'production')).toBe(true);
    expect(insecureAllowed('http://localhost:4000', 'production')).toBe(true);
  });

  it('requires openid and email among the scopes, and tidies them', () => {
    expect(normalScopes(' openid  email openid profile ')).toEqual({ scopes: 'openid email profile' });
    expect(normalScopes('openid profile').problem).toBe('scopesRequired');
    expect(normalScopes('openid email "x"').problem).toBe('scopesInvalid');
  });

  it('keeps a stored secret, and password sign-in on unless single sign-on is on', () => {
    expect(checkSsoForm(form, false)).toEqual({});
    expect(checkSsoForm({ ...form, clientSecret: '' }, false)).toEqual({ clientSecret: 'clientSecretRequired' });
    expect(checkSsoForm({ ...form, clientSecret: '' }, true)).toEqual({});
    expect(checkSsoForm({ ...form, passwordSignIn: false }, true)).toEqual({});
    expect(checkSsoForm({ ...form, enabled: false, passwordSignIn: false }, true)).toEqual({ passwordSignIn: 'passwordNeedsSso' });
  });

  it('names well-known providers on the button', () => {
    expect(providerName('https://accounts.google.com')).toBe('Google');
    expect(providerName('https://acme.okta.com/oauth2/default')).toBe('Okta');
    expect(providerName('https://sso.acme.example')).toBeUndefined();
  });

  it('gives a portal one redirect URI per surface it answers on, and staff their own', () => {
    expect(portalRedirectUris('https://crm.acme.example', { slug: 'help', domain: null })).toEqual(['https://crm.acme.example/p/help/sso/callback']);
    expect(portalRedirectUris('https://crm.acme.example', { slug: 'help', domain: 'support.acme.com' })).toEqual([
      'https://crm.acme.example/p/help/sso/callback',
      'https://support.acme.com/sso/callback',
    ]);
    expect(ssoRedirectUri('https://crm.acme.example', 'help', 'https://support.acme.com')).toBe('https://support.acme.com/sso/callback');
    expect(staffRedirectUri('https://crm.acme.example')).toBe('https://crm.acme.example/admin/sso/callback');
  });

  it('uses a provider only when it is on and its secret reads with the key, and says why not', () => {
    const key = randomBytes(32);
    const row = { enabled: true, issuer: 'https://login.example.com', client_id: 'porta', client_secret: encryptSecret(key, 's3cret'), scopes: 'openid email' };
    expect(activeProvider(row, key)).toEqual({ issuer: row.issuer, clientId: 'porta', clientSecret: 's3cret', scopes: 'openid email' });
    expect(providerProblem(row, key)).toBeUndefined();
    expect(activeProvider(row, undefined)).toBeUndefined();
    expect(providerProblem(row, undefined)).toBe('no_key');
    expect(activeProvider(row, randomBytes(32))).toBeUndefined();
    expect(providerProblem(row, randomBytes(32))).toBe('unreadable_secret');
    expect(activeProvider({ ...row, enabled: false }, key)).toBeUndefined();
    expect(providerProblem({ ...row, enabled: false }, undefined)).toBeUndefined();
  });
});
