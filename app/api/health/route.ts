import { sql } from 'drizzle-orm';
import { getDb } from '@/db/client';
import { machineRoute } from '@/lib/http/route';

export const dynamic = 'force-dynamic';

/** Liveness and database reachability, for load balancers. Public: reveals nothing else. */
export const GET = machineRoute(['/api/health', 'GET'], async () => {
  try {
    await getDb().execute(sql`select 1`);
    return Response.json({ status: 'ok' }, { headers: { 'Cache-Control': 'no-store' } });
  } catch {
    return Response.json({ status: 'unavailable' }, { status: 503, headers: { 'Cache-Control': 'no-store' } });
  }
});
