import { createHash } from 'node:crypto';
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { extname, join, relative } from 'node:path';

export type Asset = { body: Buffer; hash: string; type: string };

export type Assets = {
  /** '/static/css/app.3f9a1c2b.css' for 'css/app.css'. */
  url(path: string): string;
  /** The asset for a request path below /static/, and whether it named the current hash. */
  lookup(path: string): { asset: Asset; hashed: boolean } | undefined;
};

const TYPES: Record<string, string> = {
  '.css': 'text/css; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.ico': 'image/x-icon',
  '.woff2': 'font/woff2',
  '.txt': 'text/plain; charset=utf-8',
};

/** Reads static/ once at start-up; file names get a content hash so they can be cached for a year. */
export function loadAssets(folder: string): Assets {
  const files = new Map<string, Asset>();
  const walk = (dir: string) => {
    for (const name of readdirSync(dir)) {
      const full = join(dir, name);
      if (statSync(full).isDirectory()) walk(full);
      else {
        const body = readFileSync(full);
        const type = TYPES[extname(name)] ?? 'application/octet-stream';
        files.set(relative(folder, full).split('\\').join('/'), { body, type, hash: createHash('sha256').update(body).digest('hex').slice(0, 10) });
      }
    }
  };
  walk(folder);
  return {
    url(path) {
      const asset = files.get(path);
      if (!asset) throw new Error(`Unknown static asset ${path} (run npm run build to copy vendored files)`);
      const ext = extname(path);
      return `/static/${path.slice(0, path.length - ext.length)}.${asset.hash}${ext}`;
    },
    lookup(path) {
      const direct = files.get(path);
      if (direct) return { asset: direct, hashed: false };
      const m = /^(.*)\.([0-9a-f]{10})((?:\.[a-z0-9]+)?)$/.exec(path);
      if (!m) return undefined;
      const asset = files.get(`${m[1]}${m[3]}`);
      return asset && asset.hash === m[2] ? { asset, hashed: true } : undefined;
    },
  };
}
