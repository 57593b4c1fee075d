import { describe, expect, it } from 'vitest';
import { decodeCursor, encodeCursor } from '../../src/db/cursor.js';

const ID = '3f2b8c1e-9a4d-4e6f-8b2a-1c3d5e7f9a0b';

describe('the keyset cursor', () => {
  it('carries a text, a number or no value with the row id, and reads back the same', () => {
    for (const value of ['Núñez, Carla', 42.5, null, '']) expect(decodeCursor(encodeCursor(value, ID))).toEqual({ value, id: ID });
  });

  it('is opaque in an address: base64url, nothing a URL must escape', () => {
    expect(encodeCursor('a/b?c=d&e', ID)).toMatch(/^[A-Za-z0-9_-]+$/);
  });

  it('reads anything Porta did not write as no cursor', () => {
    const b64 = (x: unknown) => Buffer.from(JSON.stringify(x)).toString('base64url');
    for (const text of [
      undefined,
      '',
      'not base64 json',
      b64(['x', 'not-a-uuid']),
      b64(['x', ID, 'extra']),
      b64({ v: 'x', id: ID }),
      b64([{ nested: true }, ID]),
      b64([true, ID]),
      encodeCursor('x'.repeat(500), ID),
    ])
      expect(decodeCursor(text), String(text)).toBeUndefined();
  });
});
