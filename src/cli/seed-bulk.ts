import { BULK_MAX_RECORDS, bulkSeed } from '../bench/bulk-seed.js';
import { loadConfig } from '../config.js';
import { openDatabase } from '../db/database.js';
import { migrateToLatest } from '../db/migrate.js';
import { exitWithFailure, OperatorError } from '../errors.js';
import { createLogger } from '../log.js';
import { resolveDatabase } from '../runtime.js';

const USAGE = `Usage: npm run seed:bulk -- --records N   (N from 1 to ${BULK_MAX_RECORDS.toLocaleString('en')}; 1_000_000 and 1e6 are fine)`;

class UsageError extends OperatorError {}

/** `--records N` or `--records=N`; underscores, commas and exponents such as 1e6 are accepted. */
function parseRecordsArg(argv: string[]): number {
  let raw: string | undefined;
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i] ?? '';
    if (arg === '--records') raw = argv[++i];
    else if (arg.startsWith('--records=')) raw = arg.slice('--records='.length);
    else throw new UsageError(`Unknown argument "${arg}".\n${USAGE}`);
  }
  if (raw === undefined) throw new UsageError(`Say how many records to generate.\n${USAGE}`);
  const cleaned = raw.replace(/[_,]/g, '');
  const value = /^\d+(\.\d+)?(e\d+)?$/i.test(cleaned) ? Number(cleaned) : Number.NaN;
  if (!Number.isInteger(value) || value < 1 || value > BULK_MAX_RECORDS) {
    throw new UsageError(`--records must be a whole number from 1 to ${BULK_MAX_RECORDS.toLocaleString('en')}, not "${raw}".\n${USAGE}`);
  }
  return value;
}

// `npm run seed:bulk -- --records N`: generated accounts, contacts, deals and cases for benchmarks.
async function main() {
  const records = parseRecordsArg(process.argv.slice(2));
  const config = loadConfig();
  const log = createLogger(config);
  const { url, embedded } = await resolveDatabase(config, log);
  const { db, close } = openDatabase(url, 2);
  try {
    await migrateToLatest(db);
    console.log(`Generating ${records.toLocaleString('en')} records…`);
    let last = '';
    const result = await bulkSeed(db, {
      records,
      onProgress: (module, done, total) => {
        const line = `  ${module}: ${done.toLocaleString('en')} / ${total.toLocaleString('en')}`;
        if (line !== last) console.log(line);
        last = line;
      },
    });
    const { accounts, contacts, deals, cases } = result.counts;
    console.log(
      `Done in ${(result.ms / 1000).toFixed(1)} s: ${accounts.toLocaleString('en')} accounts, ${contacts.toLocaleString('en')} contacts, ` +
        `${deals.toLocaleString('en')} deals, ${cases.toLocaleString('en')} cases (about 1% of them in the recycle bin).`,
    );
  } finally {
    await close();
    await embedded?.stop();
  }
}

main().catch((err) => exitWithFailure(err, 'Seeding failed'));
