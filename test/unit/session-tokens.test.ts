import { createHash } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { generateSessionToken, sessionIdFromToken } from '../../src/auth/sessions.js';

const sha256Hex = (text: string) => createHash('sha256').update(text, 'utf8').digest('hex');

describe('generateSessionToken', () => {
  it('is 32 characters of lower-case base32 (160 random bits, no padding)', () => {
    const token = generateSessionToken();
    expect(token).toHaveLength(32);
    expect(token).toMatch(/^[a-z2-7]{32}$/);
  });

  it('never repeats across many calls', () => {
    const tokens = Array.from({ length: 5000 }, () => generateSessionToken());
    expect(new Set(tokens).size).toBe(5000);
    for (const token of tokens) expect(token).toMatch(/^[a-z2-7]{32}$/);
  });

  it('uses the whole base32 alphabet over many tokens (it is not stuck on a few characters)', () => {
    const seen = new Set(Array.from({ length: 200 }, () => generateSessionToken()).join(''));
    expect([...seen].sort().join('')).toBe('234567abcdefghijklmnopqrstuvwxyz');
  });
});

describe('sessionIdFromToken', () => {
  it('is the hex SHA-256 of the token', () => {
    const token = generateSessionToken();
    expect(sessionIdFromToken(token)).toBe(sha256Hex(token));
  });

  it('matches a known SHA-256 vector', () => {
    expect(sessionIdFromToken('abc')).toBe('ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad');
  });

  it('is 64 lower-case hex characters and never the token itself', () => {
    const token = generateSessionToken();
    const id = sessionIdFromToken(token);
    expect(id).toMatch(/^[0-9a-f]{64}$/);
    expect(id).not.toContain(token);
  });

  it('is stable for a token and differs between tokens', () => {
    const token = 'aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa';
    expect(sessionIdFromToken(token)).toBe(sessionIdFromToken(token));
    expect(sessionIdFromToken(token)).not.toBe(sessionIdFromToken('aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaab'));
  });

  it('hashes the UTF-8 bytes of the text', () => {
    expect(sessionIdFromToken('señal')).toBe(sha256Hex('señal'));
  });
});
