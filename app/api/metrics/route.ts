import { timingSafeEqual, createHash } from 'node:crypto';
import { getDb } from '@/db/client';
import { env } from '@/lib/env';
import { machineRoute } from '@/lib/http/route';
import { errorFields, log } from '@/lib/log';
import { clusterMetricsText, databaseGaugesText } from '@/lib/metrics';
import { readOperationalGauges } from '@/lib/metrics-queries';

export const dynamic = 'force-dynamic';

function sameToken(given: string, expected: string): boolean {
  // Hashed first so that the comparison takes the same time whatever the lengths.
  const a = createHash('sha256').update(given).digest();
  const b = createHash('sha256').update(expected).digest();
  return timingSafeEqual(a, b);
}

/**
 * Prometheus metrics (text format 0.0.4) for the operators' scraper, behind `METRICS_TOKEN`
 * (`Authorization: Bearer …`); 404 while no token is configured. Every process's counters and
 * histograms (lib/metrics.ts), and gauges read from the database: job queue depth, outbox
 * backlog, database connections.
 */
export const GET = machineRoute(['/api/metrics', 'GET'], async (request) => {
  const token = env().METRICS_TOKEN;
  if (!token) return new Response('Not found', { status: 404 });
  const given = /^Bearer\s+(.+)$/i.exec(request.headers.get('authorization') ?? '')?.[1]?.trim() ?? '';
  if (!given || !sameToken(given, token)) {
    return new Response('A bearer token is required (METRICS_TOKEN).', { status: 401, headers: { 'WWW-Authenticate': 'Bearer realm="metrics"' } });
  }
  let databaseText = '';
  try {
    databaseText = await databaseGaugesText(() => readOperationalGauges(getDb()));
  } catch (error) {
    // The process's own metrics are still worth having while the database is away.
    log('metrics').warn(errorFields(error, false), 'database gauges unavailable');
    databaseText = '# HELP sealpost_database_up Whether the database answered the scrape.\n# TYPE sealpost_database_up gauge\nsealpost_database_up 0\n';
  }
  const text = `${await clusterMetricsText()}\n${databaseText}`;
  return new Response(text, { headers: { 'Content-Type': 'text/plain; version=0.0.4; charset=utf-8', 'Cache-Control': 'no-store' } });
});
