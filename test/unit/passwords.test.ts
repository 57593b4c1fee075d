import { describe, expect, it } from 'vitest';
import { decoyHash, hashPassword, PASSWORD_MAX_LENGTH, PASSWORD_MIN_LENGTH, passwordProblem, verifyPassword } from '../../src/auth/passwords.js';

const strongPassword = 'Correct-Horse9';
const passphrase = 'correct horse battery staple'; // two kinds of character, but long

describe('passwordProblem', () => {
  it('has the documented limits', () => {
    expect(PASSWORD_MIN_LENGTH).toBe(10);
    expect(PASSWORD_MAX_LENGTH).toBe(256);
  });

  it('refuses fewer than 10 characters, even when varied', () => {
    expect(passwordProblem('Ab1!Ab1!A')).toBe('too_short'); // 9
    expect(passwordProblem('')).toBe('too_short');
  });

  it('accepts exactly 10 characters of three kinds', () => {
    expect(passwordProblem('Abcdefgh1x')).toBeUndefined();
  });

  it('refuses more than 256 characters', () => {
    expect(passwordProblem(`Aa1!${'x'.repeat(253)}`)).toBe('too_long'); // 257
  });

  it('accepts exactly 256 characters', () => {
    expect(passwordProblem('x'.repeat(256))).toBeUndefined();
  });

  it('refuses a short password of one kind', () => {
    expect(passwordProblem('abcdefghij')).toBe('too_simple');
    expect(passwordProblem('1234567890')).toBe('too_simple');
  });

  it('refuses a short password of two kinds', () => {
    expect(passwordProblem('abcdefgh12')).toBe('too_simple');
    expect(passwordProblem('Abcdefghij')).toBe('too_simple');
  });

  it('counts symbols (including spaces and accents) as a kind', () => {
    expect(passwordProblem('abcdefgh1!')).toBeUndefined();
    expect(passwordProblem('abcdefgh1 ')).toBeUndefined();
    expect(passwordProblem('abcdéfgh12')).toBeUndefined();
  });

  it('accepts a mix of three or four kinds', () => {
    expect(passwordProblem(strongPassword)).toBeUndefined();
    expect(passwordProblem('ABCDEFG12!')).toBeUndefined();
  });

  it('accepts 16 characters of a single kind as a passphrase', () => {
    expect(passwordProblem('a'.repeat(16))).toBeUndefined();
    expect(passwordProblem(passphrase)).toBeUndefined();
    expect(passwordProblem('abcdefghijklmnop')).toBeUndefined();
  });

  it('still refuses 15 characters of a single kind', () => {
    expect(passwordProblem('a'.repeat(15))).toBe('too_simple');
  });
});

describe('hashPassword and verifyPassword', () => {
  it('produces an argon2id hash with OWASP parameters', async () => {
    const hash = await hashPassword(strongPassword);
    expect(hash.startsWith('$argon2id$')).toBe(true);
    expect(hash).toMatch(/^\$argon2id\$v=19\$m=19456,t=2,p=1\$[A-Za-z0-9+/]+\$[A-Za-z0-9+/]+$/);
    expect(hash).not.toContain(strongPassword);
  });

  it('salts every hash', async () => {
    expect(await hashPassword(strongPassword)).not.toBe(await hashPassword(strongPassword));
  });

  it('verifies the right password', async () => {
    const hash = await hashPassword(strongPassword);
    expect(await verifyPassword(hash, strongPassword)).toBe(true);
  });

  it('rejects a wrong password, including a case change', async () => {
    const hash = await hashPassword(strongPassword);
    expect(await verifyPassword(hash, 'correct-horse9')).toBe(false);
    expect(await verifyPassword(hash, '')).toBe(false);
  });

  it('returns false instead of throwing on a malformed hash', async () => {
    await expect(verifyPassword('not-a-hash', strongPassword)).resolves.toBe(false);
    await expect(verifyPassword('', strongPassword)).resolves.toBe(false);
    await expect(verifyPassword('$argon2id$v=19$m=19456,t=2,p=1$broken', strongPassword)).resolves.toBe(false);
  });

  it('keeps one decoy hash that matches no guessable password', async () => {
    const decoy = await decoyHash();
    expect(decoy).toMatch(/^\$argon2id\$v=19\$m=19456,t=2,p=1\$/);
    expect(await decoyHash()).toBe(decoy);
    expect(await verifyPassword(decoy, '')).toBe(false);
  });
});
