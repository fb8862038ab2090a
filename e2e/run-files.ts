import path from 'node:path';

/** The server's log lines of this run (LOG_FILE); e2e/zz-logs.spec.ts reads them. */
export const E2E_LOG_FILE = path.join(import.meta.dirname, '..', 'reports', 'e2e-server.log');
/** METRICS_TOKEN of the server under test. */
export const E2E_METRICS_TOKEN = 'e2e-metrics-token-0123456789abcdef';
