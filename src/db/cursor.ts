import { isUuid } from '../http/input.js';

// Keyset pagination's cursor as it travels in a list's "next page" address:
// the last row's sort value and id, opaque to the reader (base64url JSON).

export type CursorValue = string | number | null;
export type Cursor = { value: CursorValue; id: string };

/** Longer than any cursor Porta writes: a longer one was not written by Porta. */
const MAX_LENGTH = 600;

export function encodeCursor(value: CursorValue, id: string): string {
  return Buffer.from(JSON.stringify([value, id])).toString('base64url');
}

/** The cursor an address carries, or undefined for anything Porta did not write (which then reads as the first page). */
export function decodeCursor(text: string | undefined): Cursor | undefined {
  if (!text || text.length > MAX_LENGTH) return undefined;
  try {
    const parsed: unknown = JSON.parse(Buffer.from(text, 'base64url').toString('utf8'));
    if (!Array.isArray(parsed) || parsed.length !== 2) return undefined;
    const [value, id] = parsed as unknown[];
    if (typeof id !== 'string' || !isUuid(id)) return undefined;
    if (value !== null && typeof value !== 'string' && typeof value !== 'number') return undefined;
    return { value, id };
  } catch {
    return undefined;
  }
}
