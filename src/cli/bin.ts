/**
 * The `seam` program (dist/cli.js). `seam env` answered from the cache loads only the cache reader
 * (envCached.ts); every other command, and a cache miss, loads the whole CLI (dist/seam-cli.js).
 */
import { cachedEnvOutput } from './envCached';

const argv = process.argv.slice(2);
const cached = argv[0] === 'env' ? cachedEnvOutput(argv.slice(1), process.cwd(), process.env) : null;
if (cached !== null) process.stdout.write(cached);
else (require('./seam-cli.js') as typeof import('./main')).main();
