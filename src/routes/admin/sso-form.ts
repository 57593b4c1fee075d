import type { Context } from 'hono';
import type { AppEnv } from '../../http/env.js';
import { type Form, readForm } from '../../http/request.js';
import type { ProviderForm } from '../../sso/provider.js';

/** A single sign-on settings form as typed (a portal's or staff's), and the whole form for the fields of its own. */
export async function readProviderForm(c: Context<AppEnv>): Promise<{ provider: ProviderForm; form: Form }> {
  const form = await readForm(c);
  const text = (name: string) => (form.one(name) ?? '').trim();
  return {
    provider: {
      // A checkbox left unticked sends nothing.
      enabled: form.one('enabled') === 'on',
      issuer: text('issuer'),
      clientId: text('clientId'),
      clientSecret: text('clientSecret'),
      scopes: text('scopes'),
    },
    form,
  };
}
