import { describe, expect, it } from 'vitest';
import { ownOrigins } from '../../src/http/portal-hosts.js';

describe('ownOrigins', () => {
  it('is BASE_URL’s origin for a public name', () => {
    expect(ownOrigins('https://crm.example.com')).toEqual(['https://crm.example.com']);
    expect(ownOrigins('https://crm.example.com:8443/')).toEqual(['https://crm.example.com:8443']);
  });

  it('adds the other loopback names of the same port for a server on this machine', () => {
    expect(ownOrigins('http://localhost:3000')).toEqual(['http://localhost:3000', 'http://127.0.0.1:3000', 'http://[::1]:3000']);
    expect(ownOrigins('http://127.0.0.1:3917')).toContain('http://localhost:3917');
    expect(ownOrigins('http://localhost:3000')).not.toContain('http://localhost:3001');
  });
});
