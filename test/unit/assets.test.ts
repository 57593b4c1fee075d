import { createHash } from 'node:crypto';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type Assets, loadAssets } from '../../src/http/assets.js';

const appCss = 'body { color: #1f2933; }\n';
const htmxJs = 'window.htmx = {};\n';
const logoSvg = '<svg xmlns="http://www.w3.org/2000/svg"/>';
const fontBytes = Buffer.from([0x77, 0x4f, 0x46, 0x32, 0x00, 0x01]);

const shortHash = (body: string | Buffer) => createHash('sha256').update(body).digest('hex').slice(0, 10);

let folder: string;
let assets: Assets;

beforeAll(() => {
  folder = mkdtempSync(join(tmpdir(), 'porta-assets-'));
  mkdirSync(join(folder, 'css'));
  mkdirSync(join(folder, 'vendor'));
  mkdirSync(join(folder, 'fonts'));
  writeFileSync(join(folder, 'css', 'app.css'), appCss);
  writeFileSync(join(folder, 'vendor', 'htmx.min.js'), htmxJs);
  writeFileSync(join(folder, 'logo.svg'), logoSvg);
  writeFileSync(join(folder, 'fonts', 'inter.woff2'), fontBytes);
  writeFileSync(join(folder, 'data.bin'), 'raw');
  assets = loadAssets(folder);
});

afterAll(() => {
  rmSync(folder, { recursive: true, force: true });
});

describe('loadAssets url()', () => {
  it('adds the first 10 hex digits of the SHA-256 of the content before the extension', () => {
    expect(assets.url('css/app.css')).toBe(`/static/css/app.${shortHash(appCss)}.css`);
  });

  it('handles file names with several dots and files at the root', () => {
    expect(assets.url('vendor/htmx.min.js')).toBe(`/static/vendor/htmx.min.${shortHash(htmxJs)}.js`);
    expect(assets.url('logo.svg')).toBe(`/static/logo.${shortHash(logoSvg)}.svg`);
  });

  it('has the shape /static/<path>.<10 hex>.<ext>', () => {
    expect(assets.url('css/app.css')).toMatch(/^\/static\/css\/app\.[0-9a-f]{10}\.css$/);
  });

  it('throws for a file that is not in the folder, naming it', () => {
    expect(() => assets.url('css/missing.css')).toThrow('Unknown static asset css/missing.css');
  });

  it('does not accept a leading slash or the static/ prefix', () => {
    expect(() => assets.url('/css/app.css')).toThrow(/Unknown static asset/);
    expect(() => assets.url('static/css/app.css')).toThrow(/Unknown static asset/);
  });
});

describe('loadAssets lookup()', () => {
  it('finds the current hashed name and says it is hashed', () => {
    const found = assets.lookup(`css/app.${shortHash(appCss)}.css`);
    expect(found?.hashed).toBe(true);
    expect(found?.asset.body.toString('utf8')).toBe(appCss);
    expect(found?.asset.type).toBe('text/css; charset=utf-8');
    expect(found?.asset.hash).toBe(shortHash(appCss));
  });

  it('round-trips every url() it produced', () => {
    for (const path of ['css/app.css', 'vendor/htmx.min.js', 'logo.svg', 'fonts/inter.woff2']) {
      const requested = assets.url(path).slice('/static/'.length);
      expect(assets.lookup(requested)?.hashed).toBe(true);
    }
  });

  it('refuses a stale hash of an existing file', () => {
    expect(assets.lookup('css/app.0123456789.css')).toBeUndefined();
  });

  it('serves the plain path, marked as not hashed', () => {
    const found = assets.lookup('css/app.css');
    expect(found?.hashed).toBe(false);
    expect(found?.asset.body.toString('utf8')).toBe(appCss);
  });

  it('returns undefined for unknown files and for hashes of the wrong length', () => {
    expect(assets.lookup('css/other.css')).toBeUndefined();
    expect(assets.lookup(`css/app.${shortHash(appCss).slice(0, 8)}.css`)).toBeUndefined();
    expect(assets.lookup('../package.json')).toBeUndefined();
  });

  it('gives each known extension its content type and others octet-stream', () => {
    expect(assets.lookup('vendor/htmx.min.js')?.asset.type).toBe('text/javascript; charset=utf-8');
    expect(assets.lookup('logo.svg')?.asset.type).toBe('image/svg+xml');
    expect(assets.lookup('fonts/inter.woff2')?.asset.type).toBe('font/woff2');
    expect(assets.lookup('data.bin')?.asset.type).toBe('application/octet-stream');
  });

  it('keeps binary content byte for byte', () => {
    expect(assets.lookup('fonts/inter.woff2')?.asset.body.equals(fontBytes)).toBe(true);
  });
});

describe('loadAssets with a file without extension', () => {
  it('hashes it and finds it again', () => {
    const dir = mkdtempSync(join(tmpdir(), 'porta-assets-noext-'));
    try {
      writeFileSync(join(dir, 'LICENSE'), 'MIT');
      const assets = loadAssets(dir);
      const url = assets.url('LICENSE');
      expect(url).toMatch(/^\/static\/LICENSE\.[0-9a-f]{10}$/);
      expect(assets.lookup(url.replace('/static/', ''))?.hashed).toBe(true);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
