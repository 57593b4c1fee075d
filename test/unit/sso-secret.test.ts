import { randomBytes } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { loadConfig } from '../../src/config.js';
import { decryptSecret, encryptSecret } from '../../src/sso/secret.js';

const key = randomBytes(32);

/** One base64url part of a stored value with one bit of its first byte flipped. */
function flip(stored: string, part: number): string {
  const parts = stored.split(':');
  const bytes = Buffer.from(parts[part] ?? '', 'base64url');
  bytes[0] = (bytes[0] ?? 0) ^ 1;
  parts[part] = bytes.toString('base64url');
  return parts.join(':');
}

describe('client secrets encrypted with the application key', () => {
  it('round-trips, in the versioned format, with a fresh IV each time', () => {
    const secret = 'kX9-secret/ünïcode+=';
    const a = encryptSecret(key, secret);
    const b = encryptSecret(key, secret);
    expect(a).toMatch(/^v1:[A-Za-z0-9_-]{16}:[A-Za-z0-9_-]{22}:[A-Za-z0-9_-]+$/);
    expect(a).not.toContain(secret);
    expect(a).not.toBe(b);
    expect(decryptSecret(key, a)).toBe(secret);
    expect(decryptSecret(key, b)).toBe(secret);
    expect(decryptSecret(key, encryptSecret(key, ''))).toBe('');
  });

  it('detects any change: ciphertext, tag, IV, version, shape, or another key', () => {
    const stored = encryptSecret(key, 'the-client-secret');
    expect(decryptSecret(key, flip(stored, 3))).toBeUndefined();
    expect(decryptSecret(key, flip(stored, 2))).toBeUndefined();
    expect(decryptSecret(key, flip(stored, 1))).toBeUndefined();
    expect(decryptSecret(key, stored.replace(/^v1:/, 'v2:'))).toBeUndefined();
    expect(decryptSecret(key, stored.split(':').slice(0, 3).join(':'))).toBeUndefined();
    expect(decryptSecret(key, 'the-client-secret')).toBeUndefined();
    expect(decryptSecret(randomBytes(32), stored)).toBeUndefined();
  });

  it('refuses a key that is not 32 bytes', () => {
    expect(() => encryptSecret(randomBytes(16), 'x')).toThrow(/32 bytes/);
  });
});

describe('APP_KEY', () => {
  const bytes = randomBytes(32);
  it('reads 32 bytes from base64, base64url or hex, and is optional', () => {
    expect(loadConfig({ APP_KEY: bytes.toString('base64') }).appKey?.equals(bytes)).toBe(true);
    expect(loadConfig({ APP_KEY: bytes.toString('base64url') }).appKey?.equals(bytes)).toBe(true);
    expect(loadConfig({ APP_KEY: bytes.toString('hex') }).appKey?.equals(bytes)).toBe(true);
    expect(loadConfig({}).appKey).toBeUndefined();
  });

  it('refuses anything else with a message naming the variable, never echoing the value', () => {
    for (const value of ['short', randomBytes(16).toString('base64'), randomBytes(31).toString('hex'), `${bytes.toString('hex')}00`]) {
      let message = '';
      try {
        loadConfig({ APP_KEY: value });
      } catch (err) {
        message = (err as Error).message;
      }
      expect(message).toContain('APP_KEY: must be 32 random bytes written as base64 (44 characters) or hex (64 characters)');
      expect(message).not.toContain(value);
    }
  });
});
