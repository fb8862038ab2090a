import { describe, expect, it } from 'vitest';
import { parseSmartHost, resolveRoute, staticResolver, type DnsResolver } from './route';

const table = staticResolver({
  mx: {
    'dest.test': [
      { exchange: 'mx3.dest.test', priority: 30 },
      { exchange: 'mx1.dest.test', priority: 10 },
      { exchange: 'mx2a.dest.test', priority: 20 },
      { exchange: 'mx2b.dest.test', priority: 20 },
      { exchange: 'MX1.dest.test.', priority: 40 }, // the same host again, listed worse
    ],
    'nullmx.test': [{ exchange: '', priority: 0 }],
    'dotmx.test': [{ exchange: '.', priority: 0 }],
    'noaddr.test': [{ exchange: 'ghost.noaddr.test', priority: 10 }],
  },
  a: {
    'mx1.dest.test': ['192.0.2.1'],
    'mx2a.dest.test': ['192.0.2.2'],
    'mx2b.dest.test': ['192.0.2.3'],
    'mx3.dest.test': ['192.0.2.4'],
    'implicit.test': ['192.0.2.10'],
    'relay.isp.test': ['192.0.2.99'],
  },
  aaaa: { 'mx1.dest.test': ['2001:db8::1'], 'v6only.test': ['2001:db8::6'] },
});

describe('resolveRoute', () => {
  it('orders MX hosts by preference, IPv4 before IPv6, one entry per host', async () => {
    const route = await resolveRoute('Dest.Test.', { resolver: table, random: () => 0, ports: { 'mx3.dest.test': 2525 } });
    expect(route).toMatchObject({ ok: true, via: 'mx', relay: null });
    if (!route.ok) return;
    expect(route.hosts.map((h) => [h.name, h.preference, h.port])).toEqual([
      ['mx1.dest.test', 10, 25],
      ['mx2b.dest.test', 20, 25],
      ['mx2a.dest.test', 20, 25],
      ['mx3.dest.test', 30, 2525],
    ]);
    expect(route.hosts[0].addresses).toEqual(['192.0.2.1', '2001:db8::1']);
  });

  it('randomises the order of MX hosts of equal preference', async () => {
    const orders = new Set<string>();
    for (const r of [0, 0.99]) {
      const route = await resolveRoute('dest.test', { resolver: table, random: () => r });
      if (route.ok) orders.add(route.hosts.slice(1, 3).map((h) => h.name).join(','));
    }
    expect(orders).toEqual(new Set(['mx2b.dest.test,mx2a.dest.test', 'mx2a.dest.test,mx2b.dest.test']));
  });

  it('uses the domain itself when it has no MX (RFC 5321 §5.1), IPv6 alone included', async () => {
    expect(await resolveRoute('implicit.test', { resolver: table })).toMatchObject({
      ok: true,
      via: 'implicit-mx',
      hosts: [{ name: 'implicit.test', preference: 0, addresses: ['192.0.2.10'] }],
    });
    expect(await resolveRoute('v6only.test', { resolver: table })).toMatchObject({ ok: true, hosts: [{ addresses: ['2001:db8::6'] }] });
  });

  it('refuses a null MX for good (RFC 7505), however it is spelt', async () => {
    for (const domain of ['nullmx.test', 'dotmx.test']) {
      expect(await resolveRoute(domain, { resolver: table })).toMatchObject({ ok: false, permanent: true, enhancedCode: '5.1.10' });
    }
  });

  it('bounces a domain that does not exist or whose hosts have no address', async () => {
    expect(await resolveRoute('nowhere.test', { resolver: table })).toMatchObject({ ok: false, permanent: true, enhancedCode: '5.1.2' });
    expect(await resolveRoute('noaddr.test', { resolver: table })).toMatchObject({ ok: false, permanent: true, enhancedCode: '5.4.4' });
  });

  it('defers when DNS itself fails', async () => {
    const failing: DnsResolver = {
      resolveMx: () => Promise.reject(Object.assign(new Error('timeout'), { code: 'ETIMEOUT' })),
      resolve4: () => Promise.reject(Object.assign(new Error('servfail'), { code: 'ESERVFAIL' })),
      resolve6: () => Promise.reject(Object.assign(new Error('servfail'), { code: 'ESERVFAIL' })),
    };
    expect(await resolveRoute('dest.test', { resolver: failing })).toMatchObject({ ok: false, permanent: false, enhancedCode: '4.4.3' });
    const mxOnly: DnsResolver = { ...table, resolve4: failing.resolve4, resolve6: failing.resolve6 };
    expect(await resolveRoute('dest.test', { resolver: mxOnly })).toMatchObject({ ok: false, permanent: false, enhancedCode: '4.4.3' });
  });

  it('sends everything to the smart host instead of looking up MX', async () => {
    const relay = { host: 'relay.isp.test', port: 587, auth: { user: 'u', pass: 'p' } };
    expect(await resolveRoute('dest.test', { resolver: table, relay })).toEqual({
      ok: true,
      via: 'relay',
      relay,
      skipped: [],
      hosts: [{ name: 'relay.isp.test', port: 587, preference: 0, addresses: ['192.0.2.99'] }],
    });
    expect(await resolveRoute('nullmx.test', { resolver: table, relay: { host: '192.0.2.50' } })).toMatchObject({
      ok: true,
      hosts: [{ name: '192.0.2.50', port: 25, addresses: ['192.0.2.50'] }],
    });
    expect(await resolveRoute('dest.test', { resolver: table, relay: { host: 'missing.isp.test' } })).toMatchObject({ ok: false, permanent: false });
  });

  it('routes address literals straight to the address', async () => {
    expect(await resolveRoute('[192.0.2.7]', { resolver: table })).toMatchObject({ ok: true, via: 'address-literal', hosts: [{ addresses: ['192.0.2.7'] }] });
    expect(await resolveRoute('[IPv6:2001:db8::7]', { resolver: table })).toMatchObject({ ok: true, hosts: [{ addresses: ['2001:db8::7'] }] });
    expect(await resolveRoute('[not-an-ip]', { resolver: table })).toMatchObject({ ok: false, permanent: true });
  });
});

describe('parseSmartHost', () => {
  it.each([
    ['relay.isp.test', { host: 'relay.isp.test', port: 25, implicitTls: false }],
    ['Relay.ISP.test:587', { host: 'relay.isp.test', port: 587, implicitTls: false }],
    ['smtp.isp.test:465', { host: 'smtp.isp.test', port: 465, implicitTls: true }],
    ['192.0.2.5:2525', { host: '192.0.2.5', port: 2525, implicitTls: false }],
    ['[2001:db8::5]:587', { host: '2001:db8::5', port: 587, implicitTls: false }],
  ])('%s', (value, expected) => {
    expect(parseSmartHost(value)).toEqual(expected);
  });

  it('refuses what is not a host (and port)', () => {
    for (const bad of ['', '   ', 'relay.isp.test:0', 'relay.isp.test:70000', 'user@relay.isp.test', 'relay isp', '[not-v6]:25', 'smtp://relay:25']) {
      expect(parseSmartHost(bad)).toBeNull();
    }
    expect(parseSmartHost(undefined)).toBeNull();
  });

  it('carries credentials when given', () => {
    expect(parseSmartHost('relay.isp.test:587', { user: 'u', pass: 'p' })).toEqual({ host: 'relay.isp.test', port: 587, implicitTls: false, auth: { user: 'u', pass: 'p' } });
  });
});
