import cluster, { type Worker } from 'node:cluster';
import { randomUUID } from 'node:crypto';
import client from 'prom-client';
import { isUuid } from '@/lib/ids';

/**
 * Prometheus metrics (prom-client), served at /api/metrics (app/api/metrics/route.ts).
 *
 * One registry per process, kept in globalThis: our HTTP server (scripts/server.ts) and the route
 * handlers Next bundles load this module, and even prom-client, as separate instances, so a
 * module-level registry would be two registries. With several workers (`WEB_CONCURRENCY`), a
 * scrape reaches one of them: it asks the primary, which collects every worker's registry over
 * the cluster's IPC channel and sums them with prom-client's AggregatorRegistry
 * (`clusterMetricsText`).
 */

type Metrics = ReturnType<typeof create>;
const g = globalThis as unknown as { __sealpostMetrics?: Metrics; __sealpostMetricsWorker?: boolean };

function create() {
  const registry = new client.Registry();
  const registers = [registry];
  client.collectDefaultMetrics({ prefix: 'sealpost_', register: registry });
  return {
    registry,
    httpRequests: new client.Counter({
      name: 'sealpost_http_requests_total',
      help: 'HTTP requests answered, by method, route and status.',
      labelNames: ['method', 'route', 'status'] as const,
      registers,
    }),
    httpDuration: new client.Histogram({
      name: 'sealpost_http_request_duration_seconds',
      help: 'Time from a request to the end of its response, by method and route.',
      labelNames: ['method', 'route'] as const,
      buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10],
      registers,
    }),
    jobs: new client.Counter({
      name: 'sealpost_jobs_total',
      help: 'Background jobs run by this process, by queue and outcome (completed, retry, failed).',
      labelNames: ['queue', 'outcome'] as const,
      registers,
    }),
    smtpSessions: new client.Counter({ name: 'sealpost_smtp_sessions_total', help: 'SMTP sessions the gateway opened.', registers }),
    smtpMessages: new client.Counter({
      name: 'sealpost_smtp_messages_total',
      help: 'Messages at the SMTP gateway, by outcome: accepted (stored, 250), duplicate (a resubmitted Message-ID, 250 again), bounce (a bounce at a return path, read and stored), refused.',
      labelNames: ['outcome'] as const,
      registers,
    }),
    smtpRefusals: new client.Counter({
      name: 'sealpost_smtp_refusals_total',
      help: 'Refusals of the SMTP gateway, by SMTP reply code and the command refused.',
      labelNames: ['code', 'stage'] as const,
      registers,
    }),
    smtpAcceptDuration: new client.Histogram({
      name: 'sealpost_smtp_accept_duration_seconds',
      help: 'Time from the end of a message\'s DATA to the gateway\'s 250 (the message and its processing job committed).',
      buckets: [0.001, 0.002, 0.003, 0.005, 0.0075, 0.01, 0.015, 0.02, 0.03, 0.05, 0.075, 0.1, 0.15, 0.2, 0.3, 0.5, 0.75, 1, 2, 5],
      registers,
    }),
    smtpDeliveries: new client.Counter({
      name: 'sealpost_smtp_deliveries_total',
      help: 'Outbound delivery attempts per recipient, by outcome (delivered, deferred, bounced, secure_portal).',
      labelNames: ['outcome'] as const,
      registers,
    }),
    pdfRenders: new client.Counter({ name: 'sealpost_pdf_renders_total', help: 'Invoice PDF renders, by outcome.', labelNames: ['outcome'] as const, registers }),
    pdfRenderDuration: new client.Histogram({
      name: 'sealpost_pdf_render_duration_seconds',
      help: 'Time to render one invoice PDF.',
      buckets: [0.1, 0.25, 0.5, 1, 2, 5, 10, 30],
      registers,
    }),
    pdfPool: new client.Gauge({
      name: 'sealpost_pdf_pool',
      help: 'The invoice PDF renderer: Chromium pages open, in use and idle, renders waiting for a page, and browser launches (the first and each relaunch after a crash).',
      labelNames: ['stat'] as const,
      registers,
      collect() {
        const stats = (globalThis as { __sealpostPdfPoolStats?: () => Record<'openPages' | 'inUse' | 'idle' | 'waiting' | 'launches', number> }).__sealpostPdfPoolStats?.();
        if (!stats) return;
        for (const stat of ['openPages', 'inUse', 'idle', 'waiting', 'launches'] as const) this.set({ stat }, stats[stat]);
      },
    }),
  };
}

export function metrics(): Metrics {
  if (!g.__sealpostMetrics) {
    g.__sealpostMetrics = create();
    answerCollections();
  }
  return g.__sealpostMetrics;
}

/**
 * The route label of a path: ids and numbers become `[id]`, so that the number of series stays
 * bounded whatever paths clients ask for. Paths that are not the app's (scanners) become "other".
 */
export function routeLabel(pathname: string): string {
  if (pathname.startsWith('/_next/')) return '/_next';
  const parts = pathname.split('/').filter(Boolean);
  if (parts.length > 6) return 'other';
  const label = parts
    .map((part) => (part.length > 40 || isUuid(part) || /^\d+$/.test(part) || /^[A-Za-z0-9_-]{20,}$/.test(part) ? '[id]' : part))
    .join('/');
  return /^[a-z0-9/_\-[\].]*$/.test(label) ? `/${label}` : 'other';
}

const SCRAPE = 'sealpost:metrics-scrape';
const SCRAPED = 'sealpost:metrics-scraped';
const COLLECT = 'sealpost:metrics-collect';
const COLLECTED = 'sealpost:metrics-collected';

type Message = { type?: string; id?: string; text?: string; error?: string; metrics?: client.MetricObjectWithValues<client.MetricValue<string>>[] };

/** In a worker: answers the primary's requests for this process's metrics (once per process). */
function answerCollections() {
  if (g.__sealpostMetricsWorker || !cluster.isWorker) return;
  g.__sealpostMetricsWorker = true;
  process.on('message', (message: Message) => {
    if (message?.type !== COLLECT) return;
    metrics()
      .registry.getMetricsAsJSON()
      .then((json) => process.send?.({ type: COLLECTED, id: message.id, metrics: json }));
  });
}

/** In the primary of a cluster: answers a worker's scrape with the sum of every worker's metrics. */
export function serveClusterMetrics() {
  const pending = new Map<string, { from: Worker; expected: number; parts: Message['metrics'][] }>();
  cluster.on('message', (worker, message: Message) => {
    if (message?.type === SCRAPE && message.id) {
      const workers = Object.values(cluster.workers ?? {}).filter((w): w is Worker => w !== undefined && w.isConnected());
      const id = message.id;
      pending.set(id, { from: worker, expected: workers.length, parts: [] });
      for (const w of workers) w.send({ type: COLLECT, id });
      setTimeout(() => {
        const left = pending.get(id);
        if (!left) return;
        pending.delete(id);
        left.from.send({ type: SCRAPED, id, error: 'Not every worker answered in time.' });
      }, 3000).unref();
      return;
    }
    if (message?.type === COLLECTED && message.id) {
      const scrape = pending.get(message.id);
      if (!scrape) return;
      scrape.parts.push(message.metrics ?? []);
      if (scrape.parts.length < scrape.expected) return;
      pending.delete(message.id);
      const id = message.id;
      client.AggregatorRegistry.aggregate(scrape.parts.map((part) => part ?? []))
        .metrics()
        .then(
          (text) => scrape.from.send({ type: SCRAPED, id, text }),
          (error: unknown) => scrape.from.send({ type: SCRAPED, id, error: error instanceof Error ? error.message : String(error) }),
        );
    }
  });
}

/** Every process's metrics as Prometheus text: this one's alone, or the cluster's through the primary. */
export async function clusterMetricsText(): Promise<string> {
  const { registry } = metrics();
  if (!cluster.isWorker || !process.send) return registry.metrics();
  const id = randomUUID();
  return new Promise<string>((resolve, reject) => {
    const timer = setTimeout(() => {
      process.off('message', onMessage);
      reject(new Error('The primary process did not answer the metrics request in time.'));
    }, 5000);
    const onMessage = (message: Message) => {
      if (message?.type !== SCRAPED || message.id !== id) return;
      clearTimeout(timer);
      process.off('message', onMessage);
      if (message.error !== undefined || message.text === undefined) reject(new Error(message.error ?? 'no metrics'));
      else resolve(message.text);
    };
    process.on('message', onMessage);
    process.send?.({ type: SCRAPE, id });
  });
}

/** Gauges read from the database at scrape time (the same for every process), as Prometheus text. */
export async function databaseGaugesText(read: () => Promise<{ name: string; help: string; samples: { labels: Record<string, string>; value: number }[] }[]>) {
  const registry = new client.Registry();
  for (const gauge of await read()) {
    const labelNames = [...new Set(gauge.samples.flatMap((s) => Object.keys(s.labels)))];
    const metric = new client.Gauge({ name: gauge.name, help: gauge.help, labelNames, registers: [registry] });
    for (const sample of gauge.samples) metric.set(sample.labels, sample.value);
  }
  return registry.metrics();
}
