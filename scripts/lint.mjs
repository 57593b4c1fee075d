// Runs Biome from its platform package. Porta's machines are Linux x64, so only
// that build is a (optional) dependency; elsewhere lint says it is unavailable.
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';

const require = createRequire(import.meta.url);
let binary;
try {
  binary = join(dirname(require.resolve('@biomejs/cli-linux-x64/package.json')), 'biome');
} catch {
  binary = undefined;
}
if (!binary || !existsSync(binary)) {
  console.error('Biome is not installed for this platform (only @biomejs/cli-linux-x64 is a dependency); lint skipped.');
  process.exit(process.env.CI ? 1 : 0);
}
const result = spawnSync(binary, process.argv.slice(2), { stdio: 'inherit' });
process.exit(result.status ?? 1);
