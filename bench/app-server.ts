import { spawn } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';

/**
 * The app as it runs in production, for the workloads that go through HTTP: `scripts/start.ts
 * start` (which builds first when the build is stale) against the bench database, on its own
 * process group so stopping it stops everything it started.
 */
// The bench is a harness, like the tests: it reads its own settings and sets the environment of the app it starts.
export const BENCH_PORT = Number(process.env.BENCH_PORT ?? 3410);
export const BENCH_SECRET = 'bench-only-secret-0123456789abcdef0123456789';

export type BenchApp = {
  base: string;
  /** Worker processes serving (`WEB_CONCURRENCY`; 1 = the Next server alone). */
  workers: number;
  /**
   * The processes that serve HTTP: the one listening on the port (the Next server, or the
   * cluster primary) and its Node children (the cluster workers). Not the launcher above them,
   * nor Chromium below: their memory is not the server's.
   */
  serverPids(): number[];
  /** True while the server and every worker it started with still run (none died and was replaced). */
  alive(): boolean;
  stop(): Promise<void>;
};

async function waitForHealth(url: string, deadline: number) {
  while (Date.now() < deadline) {
    try {
      if ((await fetch(`${url}/api/health`)).ok) return;
    } catch {
      // not up yet
    }
    await new Promise((r) => setTimeout(r, 500));
  }
  throw new Error('the app did not start');
}

function childrenOf(pid: number): number[] {
  const out: number[] = [];
  for (const entry of fs.readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const stat = fs.readFileSync(`/proc/${entry}/stat`, 'utf8');
      // Field 4 (ppid) comes after the command name, which is in parentheses and may hold spaces.
      const ppid = Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]);
      if (ppid === pid) out.push(Number(entry));
    } catch {
      // the process ended while we looked
    }
  }
  return out;
}

/** Inodes of the sockets listening on `port` (IPv4 and IPv6). */
function listeningInodes(port: number): Set<string> {
  const inodes = new Set<string>();
  for (const file of ['/proc/net/tcp', '/proc/net/tcp6']) {
    if (!fs.existsSync(file)) continue;
    for (const line of fs.readFileSync(file, 'utf8').split('\n').slice(1)) {
      const cols = line.trim().split(/\s+/);
      if (cols.length < 10) continue;
      const localPort = parseInt(cols[1].split(':').at(-1) ?? '', 16);
      if (localPort === port && cols[3] === '0A') inodes.add(cols[9]);
    }
  }
  return inodes;
}

/** Among the launcher and its descendants, the process holding the listening socket of `port`. */
export function findServerPid(launcherPid: number, port: number): number | null {
  const inodes = listeningInodes(port);
  const queue = [launcherPid];
  while (queue.length > 0) {
    const pid = queue.shift() as number;
    try {
      for (const fd of fs.readdirSync(`/proc/${pid}/fd`)) {
        const link = fs.readlinkSync(`/proc/${pid}/fd/${fd}`);
        const inode = /^socket:\[(\d+)\]$/.exec(link)?.[1];
        if (inode && inodes.has(inode)) return pid;
      }
    } catch {
      // gone, or not ours to read
    }
    queue.push(...childrenOf(pid));
  }
  return null;
}

function isNode(pid: number): boolean {
  try {
    // The executable, not the process name: Node 24 names its main thread "MainThread".
    return fs.readlinkSync(`/proc/${pid}/exe`).split('/').at(-1) === 'node';
  } catch {
    return false;
  }
}

/** Resident memory of a process in bytes (VmRSS), or null once it has ended. */
export function rssBytes(pid: number): number | null {
  try {
    const match = /^VmRSS:\s+(\d+) kB/m.exec(fs.readFileSync(`/proc/${pid}/status`, 'utf8'));
    return match ? Number(match[1]) * 1024 : null;
  } catch {
    return null;
  }
}

/** `cwd`: another checkout of Sealpost to start instead of this one (built there beforehand), for a side-by-side comparison. */
export async function startApp(databaseUrl: string, port = BENCH_PORT, cwd = process.cwd()): Promise<BenchApp> {
  const base = `http://127.0.0.1:${port}`;
  const launcher = spawn('node_modules/.bin/tsx', ['scripts/start.ts', 'start'], {
    cwd,
    env: {
      ...process.env,
      DATABASE_URL: databaseUrl,
      PORT: String(port),
      HOST: '127.0.0.1',
      AUTH_SECRET: BENCH_SECRET,
      APP_URL: base,
      SEALPOST_DEMO: '0',
      JOBS_WORKERS: '0',
      // The web app alone: the HTTP workloads send no mail, and two apps side by side would both want the SMTP port.
      SMTP_GATEWAY: '0',
      NEXT_TELEMETRY_DISABLED: '1',
      // The deployment the README recommends: one worker per core.
      WEB_CONCURRENCY: process.env.WEB_CONCURRENCY ?? 'auto',
    },
    stdio: ['ignore', 'ignore', 'inherit'],
    detached: true,
  });
  const launcherPid = launcher.pid;
  if (!launcherPid) throw new Error('could not start the app');
  let exited = false;
  launcher.on('exit', () => {
    exited = true;
  });
  const stop = async () => {
    try {
      process.kill(-launcherPid, 'SIGTERM');
    } catch {
      return; // already gone
    }
    const deadline = Date.now() + 15_000;
    while (!exited && Date.now() < deadline) await new Promise((r) => setTimeout(r, 200));
    if (!exited) {
      try {
        process.kill(-launcherPid, 'SIGKILL');
      } catch {
        // gone between the two
      }
    }
  };
  try {
    await waitForHealth(base, Date.now() + 300_000);
    const serverPid = findServerPid(launcherPid, port);
    if (!serverPid) throw new Error(`no process of the app listens on port ${port}`);
    const serverPids = () => [serverPid, ...childrenOf(serverPid).filter(isNode)];
    // Cluster workers announce themselves before the primary reports healthy; wait for all of them.
    const wanted = process.env.WEB_CONCURRENCY === undefined || process.env.WEB_CONCURRENCY === 'auto' ? os.availableParallelism() : Number(process.env.WEB_CONCURRENCY);
    const deadline = Date.now() + 60_000;
    while (wanted > 1 && childrenOf(serverPid).filter(isNode).length < wanted && Date.now() < deadline) await new Promise((r) => setTimeout(r, 200));
    const initial = serverPids();
    const workers = Math.max(1, initial.length - 1);
    return {
      base,
      workers,
      serverPids,
      alive: () => {
        if (exited) return false;
        const now = new Set(serverPids());
        return initial.every((pid) => now.has(pid));
      },
      stop,
    };
  } catch (e) {
    await stop();
    throw e;
  }
}

function cookiesOf(response: Response): Map<string, string> {
  const jar = new Map<string, string>();
  for (const header of response.headers.getSetCookie()) {
    const [pair] = header.split(';');
    const eq = pair.indexOf('=');
    if (eq > 0) jar.set(pair.slice(0, eq).trim(), pair.slice(eq + 1).trim());
  }
  return jar;
}

/**
 * Signs in as an administrator (or a portal user) the way a browser does through Auth.js: fetch the CSRF token
 * (and its cookie), post the credentials to the administrator provider's callback, keep the
 * session cookie it sets. The same `authorize` as the login form's action runs (password hash,
 * throttling, the sign-in audit event). Returns the Cookie header to send.
 */
export async function signInOverHttp(base: string, email: string, password: string, provider: 'administrator' | 'portal' = 'administrator'): Promise<string> {
  const csrf = await fetch(`${base}/api/auth/csrf`);
  if (!csrf.ok) throw new Error(`GET /api/auth/csrf answered ${csrf.status}`);
  const { csrfToken } = (await csrf.json()) as { csrfToken: string };
  const jar = cookiesOf(csrf);
  const response = await fetch(`${base}/api/auth/callback/${provider}`, {
    method: 'POST',
    redirect: 'manual',
    headers: {
      'content-type': 'application/x-www-form-urlencoded',
      cookie: [...jar].map(([k, v]) => `${k}=${v}`).join('; '),
    },
    body: new URLSearchParams({ email, password, csrfToken, callbackUrl: `${base}${provider === 'portal' ? '/secure/inbox' : '/dashboard'}` }),
  });
  await response.arrayBuffer();
  const session = cookiesOf(response).get('authjs.session-token');
  if (!session) throw new Error(`sign-in as ${email} set no session cookie (status ${response.status}, ${response.headers.get('location') ?? 'no location'})`);
  return `authjs.session-token=${session}`;
}
