import type { Server } from 'node:http';
import Provider from 'oidc-provider';
import { freePort } from './ports.js';

// A real OpenID Connect provider for tests: oidc-provider on 127.0.0.1, one
// static confidential client, accounts given by the test, and its development
// sign-in and consent pages driven over HTTP as a browser would.

export type TestAccount = { email: string; emailVerified: boolean };

export type TestProvider = {
  issuer: string;
  clientId: string;
  clientSecret: string;
  /** Follows the provider's pages from its authorization address, signs in as `accountId` and consents (or declines); answers the redirect back to the client. */
  authorize(authorizationUrl: string, accountId: string, opts?: { decline?: boolean }): Promise<URL>;
  close(): Promise<void>;
};

/**
 * The provider's address a sign-in start answers with: a page that goes on at once (its Refresh header) and
 * links there, not a redirect of the POST (the sign-in pages' CSP allows forms to post to Porta only).
 */
export async function providerAddress(start: Response): Promise<string> {
  if (start.status !== 200) throw new Error(`the start answered ${start.status}`);
  const refresh = /^0; url=(.+)$/.exec(start.headers.get('Refresh') ?? '')?.[1] ?? '';
  const link = /<a class="button" href="([^"]+)" id="sso-continue">/.exec(await start.text())?.[1]?.replaceAll('&amp;', '&');
  if (!refresh || link !== refresh) throw new Error('the start names no provider address');
  return refresh;
}

export async function startTestProvider(accounts: Record<string, TestAccount>, redirectUris: string[]): Promise<TestProvider> {
  const port = await freePort();
  const issuer = `http://127.0.0.1:${port}`;
  const clientId = 'porta-test';
  const clientSecret = 'provider-issued-client-secret-9f3b2c';
  const provider = new Provider(issuer, {
    clients: [
      {
        client_id: clientId,
        client_secret: clientSecret,
        redirect_uris: redirectUris,
        response_types: ['code'],
        grant_types: ['authorization_code'],
        token_endpoint_auth_method: 'client_secret_post',
      },
    ],
    claims: { openid: ['sub'], email: ['email', 'email_verified'], profile: ['name'] },
    cookies: { keys: ['oidc-test-cookie-key'] },
    ttl: { Interaction: 600, Session: 3600, Grant: 3600, AccessToken: 600, IdToken: 600, AuthorizationCode: 60 },
    features: { devInteractions: { enabled: true } },
    async findAccount(_ctx, id) {
      const account = accounts[id];
      if (!account) return undefined;
      return { accountId: id, claims: async () => ({ sub: id, email: account.email, email_verified: account.emailVerified }) };
    },
  });
  const server: Server = provider.listen(port, '127.0.0.1');
  await new Promise<void>((resolve) => server.once('listening', () => resolve()));

  async function authorize(authorizationUrl: string, accountId: string, opts: { decline?: boolean } = {}): Promise<URL> {
    const jar = new Map<string, string>();
    const send = async (url: string, init: RequestInit = {}) => {
      const headers = new Headers(init.headers);
      if (jar.size) headers.set('Cookie', [...jar].map(([k, v]) => `${k}=${v}`).join('; '));
      const res = await fetch(url, { ...init, headers, redirect: 'manual' });
      for (const line of res.headers.getSetCookie()) {
        const [pair = ''] = line.split(';');
        const eq = pair.indexOf('=');
        jar.set(pair.slice(0, eq).trim(), pair.slice(eq + 1).trim());
      }
      return res;
    };
    const form = (fields: Record<string, string>) => ({
      method: 'POST',
      body: new URLSearchParams(fields),
      headers: { 'Content-Type': 'application/x-www-form-urlencoded' },
    });
    let url = authorizationUrl;
    for (let step = 0; step < 12; step++) {
      if (!url.startsWith(issuer)) return new URL(url);
      const res = await send(url);
      const location = res.headers.get('Location');
      if (location) {
        url = new URL(location, url).href;
        continue;
      }
      const html = await res.text();
      if (res.status !== 200) throw new Error(`provider answered ${res.status}: ${html.slice(0, 300)}`);
      // A sign-in or consent page of the provider's own: submit it as the user would.
      if (opts.decline) {
        url = `${url}/abort`;
        continue;
      }
      const prompt = /name="prompt" value="(login|consent)"/.exec(html)?.[1];
      if (!prompt) throw new Error(`unexpected provider page: ${html.slice(0, 300)}`);
      const posted = await send(url, form(prompt === 'login' ? { prompt, login: accountId, password: 'any' } : { prompt }));
      const next = posted.headers.get('Location');
      if (!next) throw new Error(`provider answered ${posted.status} to the ${prompt} form`);
      url = new URL(next, url).href;
    }
    throw new Error('too many steps at the provider');
  }

  return {
    issuer,
    clientId,
    clientSecret,
    authorize,
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}
