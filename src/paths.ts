import { existsSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

/** The project folder: the one holding package.json, whether running from src/ or dist/src/. */
function findRoot(start: string): string {
  let dir = start;
  while (!existsSync(join(dir, 'package.json'))) {
    const parent = dirname(dir);
    if (parent === dir) throw new Error(`package.json not found above ${start}`);
    dir = parent;
  }
  return dir;
}

const here = dirname(fileURLToPath(import.meta.url));
export const projectRoot = findRoot(here);
/** Compiled code lives in dist/; its migrations are there too. */
export const codeRoot = here.includes(`${join('dist', 'src')}`) ? join(projectRoot, 'dist') : projectRoot;
