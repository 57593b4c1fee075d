import { describe, expect, it } from 'vitest';
import { safeBackPath } from '../../src/http/request.js';

const fallback = '/admin';

describe('safeBackPath', () => {
  it('keeps a same-site path with its query string', () => {
    expect(safeBackPath('/admin?x=1', fallback)).toBe('/admin?x=1');
  });

  it('keeps the root and deep paths with fragments', () => {
    expect(safeBackPath('/', fallback)).toBe('/');
    expect(safeBackPath('/portal/accounts/42#notes', fallback)).toBe('/portal/accounts/42#notes');
  });

  it('refuses a protocol-relative URL to another site', () => {
    expect(safeBackPath('//evil.com', fallback)).toBe(fallback);
    expect(safeBackPath('//evil.com/admin', fallback)).toBe(fallback);
  });

  it('refuses a backslash trick that browsers read as //', () => {
    expect(safeBackPath('/\\evil.com', fallback)).toBe(fallback);
  });

  it('refuses absolute URLs', () => {
    expect(safeBackPath('http://x', fallback)).toBe(fallback);
    expect(safeBackPath('https://evil.com/admin', fallback)).toBe(fallback);
    expect(safeBackPath('javascript:alert(1)', fallback)).toBe(fallback);
  });

  it('refuses relative paths that do not start with /', () => {
    expect(safeBackPath('admin', fallback)).toBe(fallback);
    expect(safeBackPath(' /admin', fallback)).toBe(fallback);
  });

  it('uses the fallback for an empty or missing value', () => {
    expect(safeBackPath('', fallback)).toBe(fallback);
    expect(safeBackPath(undefined, fallback)).toBe(fallback);
  });

  it('returns whatever fallback it is given', () => {
    expect(safeBackPath('//evil.com', '')).toBe('');
    expect(safeBackPath(undefined, '/')).toBe('/');
  });
});

describe('safeBackPath against browser URL quirks', () => {
  it('refuses paths that browsers would turn into another host', () => {
    expect(safeBackPath('/\t/evil.example', '/')).toBe('/');
    expect(safeBackPath('/\n/evil.example', '/')).toBe('/');
    expect(safeBackPath('/\\evil.example', '/')).toBe('/');
    expect(safeBackPath('/admin\\..\\x', '/')).toBe('/');
  });
});
