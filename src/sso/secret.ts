import { createCipheriv, createDecipheriv, randomBytes } from 'node:crypto';

// Secrets Porta must send on (a provider's client secret) are stored encrypted
// with the application key: AES-256-GCM, a random 12-byte IV per value, and the
// authentication tag, so a changed byte is detected rather than decrypted into
// garbage. Stored as `v1:<iv>:<tag>:<ciphertext>`, each part base64url; the
// version names the scheme, so another one can come later beside it.

const VERSION = 'v1';
const IV_BYTES = 12;
const TAG_BYTES = 16;

function checkKey(key: Buffer) {
  if (key.length !== 32) throw new Error('the application key must be 32 bytes');
}

/** The stored form of `plain`, encrypted with `key` (APP_KEY's 32 bytes). */
export function encryptSecret(key: Buffer, plain: string): string {
  checkKey(key);
  const iv = randomBytes(IV_BYTES);
  const cipher = createCipheriv('aes-256-gcm', key, iv, { authTagLength: TAG_BYTES });
  const ciphertext = Buffer.concat([cipher.update(plain, 'utf8'), cipher.final()]);
  const tag = cipher.getAuthTag();
  return [VERSION, iv.toString('base64url'), tag.toString('base64url'), ciphertext.toString('base64url')].join(':');
}

/** The secret a stored value holds; undefined when it was not made with this key, or was changed since. */
export function decryptSecret(key: Buffer, stored: string): string | undefined {
  checkKey(key);
  const parts = stored.split(':');
  if (parts.length !== 4 || parts[0] !== VERSION) return undefined;
  const [, ivText = '', tagText = '', dataText = ''] = parts;
  const iv = Buffer.from(ivText, 'base64url');
  const tag = Buffer.from(tagText, 'base64url');
  if (iv.length !== IV_BYTES || tag.length !== TAG_BYTES) return undefined;
  try {
    const decipher = createDecipheriv('aes-256-gcm', key, iv, { authTagLength: TAG_BYTES });
    decipher.setAuthTag(tag);
    return Buffer.concat([decipher.update(Buffer.from(dataText, 'base64url')), decipher.final()]).toString('utf8');
  } catch {
    return undefined;
  }
}
