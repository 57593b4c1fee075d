// Copies browser assets from node_modules into static/vendor (never served from a CDN).
import { copyFileSync, mkdirSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';

const require = createRequire(import.meta.url);
const root = join(dirname(new URL(import.meta.url).pathname), '..');
const target = join(root, 'static', 'vendor');
mkdirSync(target, { recursive: true });
const htmxDist = join(dirname(require.resolve('htmx.org/package.json')), 'dist');
copyFileSync(join(htmxDist, 'htmx.min.js'), join(target, 'htmx.min.js'));
