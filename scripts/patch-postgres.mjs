#!/usr/bin/env node
/**
 * Patches postgres.js 3.4.9 (run by `npm install` as the postinstall step; idempotent).
 *
 * When a connection dies inside `sql.begin()` or `sql.reserve()` (pg_terminate_backend, a server
 * restart, a network cut), 3.4.9 still sends that transaction's next statement — at the latest
 * its own ROLLBACK — to the dead connection. The write is flushed from a setImmediate that
 * dereferences the socket the close already set to null, so it throws where nothing can catch
 * it: an uncaughtException that ends the Node process (upstream issues porsager/postgres #1066
 * and #1208, fix proposed in #1209). Where a listener keeps the process alive (Next's server
 * logs uncaught exceptions), the connection is poisoned instead: the stale bytes and the cleared
 * but non-null timer make its next connect hang until connect_timeout. Worse, a transaction's
 * later statement could reach the pool's *replacement* session for that slot and run there
 * outside any transaction. tests/faults/database.db.test.ts shows all of it.
 *
 * The patch:
 * 1. `sql.begin()`: once its connection closes, the transaction's statements (its ROLLBACK or
 *    COMMIT included) are rejected with the close error and never sent anywhere.
 * 2. `sql.reserve()`: the same; and `release()` of a connection that died leaves it to the pool's
 *    reconnect logic instead of putting a dead connection back into the open queue.
 * 3. A write with no socket fails the queries waiting on it (a catchable CONNECTION_CLOSED)
 *    instead of throwing from a timer.
 * 4. A close forgets the dead session's pending write, its timer and its pending error. Unpatched,
 *    a query killed in flight (the server's FATAL 57P01 arrives before the close) leaves its
 *    error behind, and the first query of the slot's next session fails with it.
 *
 * If postgres is upgraded, check whether upstream fixed these; the fault tests fail if not.
 */
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const MARKER = 'sealpost-patch';
const PATCHED_VERSION = '3.4.9';
const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const pkgDir = path.join(root, 'node_modules', 'postgres');

/** [file name, [before, after][]]: each `before` must occur exactly once. */
const edits = [
  [
    'index.js',
    [
      [
        `    let savepoints = 0
      , connection
      , prepare = null
`,
        `    let savepoints = 0
      , connection
      , prepare = null
      , lost = null // ${MARKER}: the error that closed this transaction's connection
`,
      ],
      [
        `        new Promise((_, reject) => connection.onclose = reject)`,
        `        new Promise((_, reject) => connection.onclose = e => { // ${MARKER}
          lost = e
          while (queries.length) queries.shift().reject(e)
          reject(e)
        })`,
      ],
      [
        `      function handler(q) {
        q.catch(e => uncaughtError || (uncaughtError = e))
        c.queue === full`,
        `      function handler(q) {
        q.catch(e => uncaughtError || (uncaughtError = e))
        if (lost) return q.reject(lost) // ${MARKER}: never to a dead or replacement session
        c.queue === full`,
      ],
      [
        `    const sql = Sql(handler)
    sql.release = () => {
      c.reserved = null
      onopen(c)
    }

    return sql

    function handler(q) {
      c.queue === full`,
        `    let lost = null // ${MARKER}
    c.onclose = e => {
      lost = e
      while (queue.length) queue.shift().reject(e)
    }
    const sql = Sql(handler)
    sql.release = () => {
      c.reserved = null
      lost || onopen(c) // ${MARKER}: a dead connection is already back in the closed queue
    }

    return sql

    function handler(q) {
      if (lost) return q.reject(lost) // ${MARKER}
      c.queue === full`,
      ],
    ],
  ],
  [
    'connection.js',
    [
      [
        `  function nextWrite(fn) {
    const x = socket.write(chunk, fn)`,
        `  function nextWrite(fn) {
    if (!socket) { // ${MARKER}: fail the waiting queries instead of throwing from a timer
      chunk = nextWriteTimer = null
      error(Errors.connection('CONNECTION_CLOSED', options))
      return true
    }
    const x = socket.write(chunk, fn)`,
      ],
      [
        `    clearImmediate(nextWriteTimer)
    socket.removeListener('data', data)`,
        `    clearImmediate(nextWriteTimer)
    nextWriteTimer = chunk = errorResponse = null // ${MARKER}: the next session starts clean
    socket.removeListener('data', data)`,
      ],
    ],
  ],
];

function main() {
  const manifest = path.join(pkgDir, 'package.json');
  if (!fs.existsSync(manifest)) {
    console.warn('[patch-postgres] node_modules/postgres is not installed; nothing to patch.');
    return;
  }
  const { version } = JSON.parse(fs.readFileSync(manifest, 'utf8'));
  for (const dir of ['src', 'cjs/src', 'cf/src']) {
    for (const [name, replacements] of edits) {
      const file = path.join(pkgDir, dir, name);
      if (!fs.existsSync(file)) continue;
      let text = fs.readFileSync(file, 'utf8');
      if (text.includes(MARKER)) continue;
      if (version !== PATCHED_VERSION) {
        console.warn(`[patch-postgres] postgres ${version} is not ${PATCHED_VERSION}: not patched. Run the fault tests (tests/faults) to see whether it needs the fix.`);
        return;
      }
      for (const [before, after] of replacements) {
        const at = text.indexOf(before);
        if (at === -1 || text.indexOf(before, at + 1) !== -1) {
          throw new Error(`[patch-postgres] ${dir}/${name}: expected text not found exactly once:\n${before}`);
        }
        text = text.slice(0, at) + after + text.slice(at + before.length);
      }
      fs.writeFileSync(file, text);
    }
  }
  console.log(`[patch-postgres] postgres ${version}: connection-loss fixes in place.`);
}

main();
