import { timingSafeEqual } from 'node:crypto';
import { Hono } from 'hono';
import { bodyLimit } from 'hono/body-limit';
import { receiveCaseReply, replyDeps } from '../cases/email-replies.js';
import type { AppEnv } from '../http/env.js';
import { INBOUND_MAX_BYTES } from '../mail/inbound.js';

// POST /inbound/mail: a raw inbound message, as mail providers forward it to
// an application that cannot take SMTP connections itself. The body is the
// message (message/rfc822, or any non-form type), or a form with the message
// in `email` (SendGrid's "POST the raw, full MIME message") or `body-mime`
// (Mailgun's MIME route). Authenticated with INBOUND_SECRET, as a bearer token
// or as the password of Basic authentication; without a secret configured
// the endpoint does not exist. Accepted and refused messages both answer 200
// with what became of them (a provider retries anything else); a failure on
// our side answers 503, so the provider retries.

const secretMatches = (given: string, secret: string) => {
  const a = Buffer.from(given);
  const b = Buffer.from(secret);
  return a.length === b.length && timingSafeEqual(a, b);
};

function credential(authorization: string | undefined): string | undefined {
  if (!authorization) return undefined;
  const bearer = /^Bearer\s+(.+)$/i.exec(authorization)?.[1];
  if (bearer) return bearer.trim();
  const basic = /^Basic\s+(.+)$/i.exec(authorization)?.[1];
  if (!basic) return undefined;
  const decoded = Buffer.from(basic, 'base64').toString('utf8');
  return decoded.slice(decoded.indexOf(':') + 1);
}

export const inboundRoutes = new Hono<AppEnv>();

inboundRoutes.post(
  '/mail',
  async (c, next) => {
    const secret = c.get('deps').config.inboundSecret;
    if (!secret) return c.json({ error: 'not_found' }, 404);
    const given = credential(c.req.header('Authorization'));
    if (!given || !secretMatches(given, secret)) {
      c.header('WWW-Authenticate', 'Bearer realm="inbound", Basic realm="inbound"');
      return c.json({ error: 'unauthorized' }, 401);
    }
    return next();
  },
  bodyLimit({ maxSize: INBOUND_MAX_BYTES + 1024 * 1024, onError: (c) => c.json({ error: 'too_large' }, 413) }),
  async (c) => {
    const type = (c.req.header('Content-Type') ?? '').toLowerCase();
    let raw: Buffer | undefined;
    let to: string[] = [];
    let from: string | undefined;
    if (type.startsWith('multipart/form-data') || type.startsWith('application/x-www-form-urlencoded')) {
      const form = await c.req.parseBody().catch(() => undefined);
      const mime = form?.email ?? form?.['body-mime'];
      if (typeof mime === 'string') raw = Buffer.from(mime, 'utf8');
      else if (mime instanceof File) raw = Buffer.from(await mime.arrayBuffer());
      const envelope = typeof form?.envelope === 'string' ? safeJson(form.envelope) : undefined;
      if (Array.isArray(envelope?.to)) to = envelope.to.filter((a: unknown): a is string => typeof a === 'string');
      if (typeof form?.recipient === 'string') to.push(...form.recipient.split(',').map((a) => a.trim()));
      if (typeof envelope?.from === 'string') from = envelope.from;
    } else {
      const body = Buffer.from(await c.req.arrayBuffer());
      raw = body.length > 0 ? body : undefined;
    }
    if (!raw) return c.json({ error: 'no_message' }, 400);
    if (raw.length > INBOUND_MAX_BYTES) return c.json({ error: 'too_large' }, 413);
    try {
      const result = await receiveCaseReply(replyDeps(c.get('deps')), raw, 'http', { to, ...(from !== undefined ? { from } : {}) });
      return c.json({ outcome: result.outcome, reason: result.reason ?? null }, 200);
    } catch (err) {
      c.get('deps').log.error({ err }, 'inbound mail could not be processed');
      return c.json({ error: 'unavailable' }, 503);
    }
  },
);

function safeJson(text: string): { to?: unknown; from?: unknown } | undefined {
  try {
    const value: unknown = JSON.parse(text);
    return value && typeof value === 'object' ? (value as { to?: unknown; from?: unknown }) : undefined;
  } catch {
    return undefined;
  }
}
