import type { Context } from 'hono';
import { deleteCookie, setCookie } from 'hono/cookie';
import type { Config } from '../config.js';
import type { AppEnv } from '../http/env.js';

export const SESSION_COOKIE = 'porta_session';

/** Session cookies travel over https only in production, and whenever the site's address is https (whatever NODE_ENV says). */
export function secureCookies(config: Pick<Config, 'env' | 'baseUrl'>): boolean {
  return config.env === 'production' || config.baseUrl.startsWith('https://');
}

export function setSessionCookie(c: Context<AppEnv>, token: string, expiresAt: Date) {
  setCookie(c, SESSION_COOKIE, token, {
    httpOnly: true,
    sameSite: 'Lax',
    secure: secureCookies(c.get('deps').config),
    path: '/',
    expires: expiresAt,
  });
}

export function clearSessionCookie(c: Context<AppEnv>) {
  deleteCookie(c, SESSION_COOKIE, { path: '/', secure: secureCookies(c.get('deps').config), httpOnly: true, sameSite: 'Lax' });
}
