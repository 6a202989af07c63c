#!/usr/bin/env node
// Launcher: runs the built CLI (npm run build produces dist-cli/).
import { existsSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

const here = dirname(fileURLToPath(import.meta.url));
const cli = join(here, '..', 'dist-cli', 'cli.mjs');
if (!existsSync(cli)) {
  process.stderr.write('heaplens: the CLI is not built yet; run `npm run build` in ' + join(here, '..') + '\n');
  process.exit(1);
}
const { main } = await import(pathToFileURL(cli).href);
process.exitCode = await main(process.argv.slice(2));
