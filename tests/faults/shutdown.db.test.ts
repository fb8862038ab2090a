import { spawn, type ChildProcess } from 'node:child_process';
import http from 'node:http';
import net from 'node:net';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { getSql } from '@/db/client';

/**
 * SIGTERM, for real: a child process runs our HTTP server wrapper (as scripts/server.ts builds it)
 * around a slow stand-in for Next, real pg-boss job workers, and the shutdown scripts/start.ts
 * runs (tests/faults/shutdown-server.ts). No build needed.
 */
const SERVER = path.join(import.meta.dirname, 'shutdown-server.ts');

type Child = {
  child: ChildProcess;
  lines: string[];
  exited: Promise<{ code: number | null; signal: NodeJS.Signals | null; at: number }>;
  waitFor: (pattern: RegExp, timeoutMs?: number) => Promise<RegExpMatchArray>;
};
const children: Child[] = [];

function startServer(options: { slowMs: number; drainMs: number; jobMs: number }): Child {
  // scripts/server-only.mjs: the server's modules `import 'server-only'`, which plain Node cannot resolve alone.
  const child = spawn(process.execPath, ['--import', './scripts/server-only.mjs', '--import', 'tsx', SERVER, String(options.slowMs), String(options.drainMs), String(options.jobMs)], {
    cwd: path.join(import.meta.dirname, '..', '..'),
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  const lines: string[] = [];
  const waiters: Array<() => void> = [];
  let buffered = '';
  child.stdout.on('data', (chunk: Buffer) => {
    buffered += chunk.toString();
    const complete = buffered.split('\n');
    buffered = complete.pop() ?? '';
    lines.push(...complete);
    for (const wake of waiters.splice(0)) wake();
  });
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null; at: number }>((resolve) =>
    child.once('exit', (code, signal) => resolve({ code, signal, at: Date.now() })),
  );
  const waitFor = async (pattern: RegExp, timeoutMs = 30_000): Promise<RegExpMatchArray> => {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const found = lines.map((line) => line.match(pattern)).find((match) => match !== null);
      if (found) return found;
      if (child.exitCode !== null || Date.now() > deadline) throw new Error(`no line like ${pattern} in:\n${lines.join('\n')}`);
      await new Promise<void>((resolve) => {
        waiters.push(resolve);
        setTimeout(resolve, 200);
      });
    }
  };
  const handle = { child, lines, exited, waitFor };
  children.push(handle);
  return handle;
}

afterEach(() => {
  for (const { child } of children.splice(0)) if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
});

function get(port: number, pathname: string, agent?: http.Agent): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    http
      .get({ host: '127.0.0.1', port, path: pathname, agent }, (res) => {
        let body = '';
        res.setEncoding('utf8');
        res.on('data', (chunk: string) => (body += chunk));
        res.on('end', () => resolve({ status: res.statusCode ?? 0, body }));
        res.on('error', reject);
      })
      .on('error', reject);
  });
}

function connect(port: number): Promise<'connected' | 'refused'> {
  return new Promise((resolve, reject) => {
    const socket = net.connect(port, '127.0.0.1');
    socket.once('connect', () => {
      socket.destroy();
      resolve('connected');
    });
    socket.once('error', (error: NodeJS.ErrnoException) => (error.code === 'ECONNREFUSED' ? resolve('refused') : reject(error)));
  });
}

describe('SIGTERM', () => {
  it('refuses new connections, finishes the request and the job in flight, stops in order and exits 0', { timeout: 60_000 }, async () => {
    const server = startServer({ slowMs: 3000, drainMs: 10_000, jobMs: 4000 });
    const port = Number((await server.waitFor(/^listening (\d+)$/))[1]);
    const jobId = (await server.waitFor(/^job (\S+)$/))[1];
    await server.waitFor(/^job started$/);

    // A kept-alive connection, idle between requests, must not hold the shutdown up (keepAliveTimeout is 65 s).
    const agent = new http.Agent({ keepAlive: true });
    expect(await get(port, '/quick', agent)).toEqual({ status: 200, body: 'done /quick' });
    let slowAnswered = false;
    const slow = get(port, '/slow').finally(() => (slowAnswered = true));
    await server.waitFor(/^slow request started$/);

    const signalledAt = Date.now();
    server.child.kill('SIGTERM');
    await expect.poll(() => connect(port), { timeout: 2500, interval: 50 }).toBe('refused');
    expect(slowAnswered).toBe(false);

    expect(await slow).toEqual({ status: 200, body: 'done /slow' });
    const exit = await server.exited;
    expect({ code: exit.code, signal: exit.signal }).toEqual({ code: 0, signal: null });
    expect(exit.at - signalledAt).toBeLessThan(10_000);
    agent.destroy();

    const order = ['web server drained', 'stopped the web server', 'job finished', 'stopped the job workers', 'stopped the PDF browser', 'stopped the database stand-in'];
    expect(server.lines.filter((line) => order.includes(line))).toEqual(order);
    const [job] = await getSql()<{ state: string }[]>`select state from pgboss.job where id = ${jobId}`;
    expect(job?.state).toBe('completed');
  });

  it('cuts a request that outlasts the bound, and still exits 0 soon after it', { timeout: 60_000 }, async () => {
    const server = startServer({ slowMs: 60_000, drainMs: 1000, jobMs: 10 });
    const port = Number((await server.waitFor(/^listening (\d+)$/))[1]);
    const slow = get(port, '/slow').then(
      () => 'answered',
      (error: NodeJS.ErrnoException) => error.code,
    );
    await server.waitFor(/^slow request started$/);
    const signalledAt = Date.now();
    server.child.kill('SIGTERM');
    expect(await slow).toBe('ECONNRESET');
    const exit = await server.exited;
    expect(exit.code).toBe(0);
    expect(exit.at - signalledAt).toBeGreaterThanOrEqual(1000);
    expect(exit.at - signalledAt).toBeLessThan(5000);
    expect(server.lines).toContain('web server cut');
  });
});
