import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { probeStartTls } from './probe';
import { staticResolver } from './route';
import { closedPort, createTestCa, startMx, type TestCa, type TestMx } from './test-servers';

let ca: TestCa;
const servers: TestMx[] = [];
beforeAll(() => {
  ca = createTestCa();
});
afterAll(async () => {
  await Promise.all(servers.map((s) => s.close()));
});

async function probe(domain: string, hosts: { name: string; port: number; priority: number }[]) {
  return probeStartTls(domain, {
    heloName: 'out.sealpost.test',
    ca: ca.cert,
    timeouts: { connect: 2000, greeting: 5000, socket: 5000 },
    resolver: staticResolver({
      mx: { [domain]: hosts.map((h) => ({ exchange: h.name, priority: h.priority })) },
      a: Object.fromEntries(hosts.map((h) => [h.name, ['127.0.0.1']])),
    }),
    ports: Object.fromEntries(hosts.map((h) => [h.name, h.port])),
  });
}

describe('probeStartTls', () => {
  it('reports verified STARTTLS, and sends no mail', async () => {
    const server = await startMx({ tls: ca.issue(['mx.good.test']) });
    servers.push(server);
    const result = await probe('good.test', [{ name: 'mx.good.test', port: server.port, priority: 10 }]);
    expect(result).toMatchObject({ reachable: true, host: 'mx.good.test', starttls: true, verified: true, tls: { verified: true } });
    expect(server.events).toEqual(['connect']);
  });

  it('reports an MX without STARTTLS', async () => {
    const server = await startMx({ tls: null });
    servers.push(server);
    expect(await probe('plain.test', [{ name: 'mx.plain.test', port: server.port, priority: 10 }])).toMatchObject({
      reachable: true,
      starttls: false,
      verified: false,
    });
  });

  it('reports STARTTLS with a certificate for another name as not verified', async () => {
    const server = await startMx({ tls: ca.issue(['elsewhere.test']) });
    servers.push(server);
    const result = await probe('wrong.test', [{ name: 'mx.wrong.test', port: server.port, priority: 10 }]);
    expect(result).toMatchObject({ reachable: true, starttls: true, verified: false });
    expect(result.detail).toMatch(/not valid for mx\.wrong\.test/);
  });

  it('asks the next MX when the best one is down, and says when none answers', async () => {
    const server = await startMx({ tls: ca.issue(['mx2.backup.test']) });
    servers.push(server);
    const down = await closedPort();
    expect(
      await probe('backup.test', [
        { name: 'mx1.backup.test', port: down, priority: 10 },
        { name: 'mx2.backup.test', port: server.port, priority: 20 },
      ]),
    ).toMatchObject({ reachable: true, host: 'mx2.backup.test', verified: true });
    expect(await probe('dead.test', [{ name: 'mx.dead.test', port: down, priority: 10 }])).toMatchObject({ reachable: false, host: null, verified: false });
  });
});
