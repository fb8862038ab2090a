/**
 * `import 'server-only'` marks the modules that must never reach a browser (db/client.ts and the
 * use cases that read or write the database): Next resolves it itself, to an empty module on the
 * server and to a build error in a client component. Plain Node (the tsx scripts, the SMTP
 * gateway's process, the benches) has no such package, so this hook answers that one specifier
 * with an empty module. Loaded with `node --import` (NODE_OPTIONS, set by scripts/node.sh for
 * every npm script) or imported first by an entry point that loads the rest dynamically
 * (scripts/start.ts). Vitest aliases it instead (vitest.config.ts).
 */
import module from 'node:module';

const EMPTY = 'data:text/javascript,export%20%7B%7D';

if (typeof module.registerHooks === 'function') {
  // Node 22.15+ / 23.5+: synchronous, in this thread, for import and require alike.
  module.registerHooks({
    resolve(specifier, context, nextResolve) {
      if (specifier === 'server-only') return { url: EMPTY, format: 'module', shortCircuit: true };
      return nextResolve(specifier, context);
    },
  });
} else {
  const hooks = `export async function resolve(specifier, context, next) {
    if (specifier === 'server-only') return { url: ${JSON.stringify(EMPTY)}, format: 'module', shortCircuit: true };
    return next(specifier, context);
  }`;
  module.register(`data:text/javascript,${encodeURIComponent(hooks)}`);
}
