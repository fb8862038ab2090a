/**
 * Where mail for a domain goes (RFC 5321 §5.1): its MX hosts by preference, the domain itself
 * when it has no MX ("implicit MX"), nothing when it publishes a null MX (RFC 7505), or a
 * configured smart host instead of all of that. DNS comes from an injected resolver so that tests
 * (and a static route table) never touch the internet; `node:dns/promises` fits the interface.
 */
import dns from 'node:dns/promises';
import net from 'node:net';
import { domainToASCII } from 'node:url';

export type MxRecord = { exchange: string; priority: number };

/** The three look-ups the engine needs; `node:dns/promises` and a `dns.promises.Resolver` fit. */
export interface DnsResolver {
  resolveMx(domain: string): Promise<MxRecord[]>;
  resolve4(host: string): Promise<string[]>;
  resolve6(host: string): Promise<string[]>;
}

/** A relay that takes all outbound mail (SMTP_RELAY_HOST), replacing MX look-ups. */
export type SmartHost = {
  host: string;
  /** Defaults to 25. */
  port?: number;
  /** Sent only over TLS: credentials never travel in plain text. */
  auth?: { user: string; pass: string };
  /** TLS from the first byte (port 465, RFC 8314) instead of STARTTLS. */
  implicitTls?: boolean;
};

export type RouteHost = {
  /** The MX (or relay) host name: the name its certificate must carry. */
  name: string;
  port: number;
  preference: number;
  /** IP addresses to try in order (IPv4 first). */
  addresses: string[];
};

export type Route =
  | {
      ok: true;
      via: 'mx' | 'implicit-mx' | 'relay' | 'address-literal';
      hosts: RouteHost[];
      relay: SmartHost | null;
      /** MX hosts left out because they have no address, with the reason (for diagnostics). */
      skipped: { name: string; reason: string }[];
    }
  | {
      ok: false;
      /** true: the domain cannot receive mail (bounce); false: DNS trouble, try again later. */
      permanent: boolean;
      enhancedCode: string;
      diagnostic: string;
    };

export type RouteOptions = {
  resolver?: DnsResolver;
  relay?: SmartHost | null;
  /** Port per host name, for tests and unusual setups; every other host gets `defaultPort`. */
  ports?: Readonly<Record<string, number>>;
  /** Defaults to 25. */
  defaultPort?: number;
  /** Orders MX hosts of equal preference (RFC 5321 §5.1 asks for a random order); [0, 1). */
  random?: () => number;
};

/** NXDOMAIN or "no record of that type": an answer, not a failure to get one. */
function isNoData(err: unknown): boolean {
  const code = (err as { code?: unknown } | null)?.code;
  return code === 'ENODATA' || code === 'ENOTFOUND' || code === 'ENONAME';
}

function isNxDomain(err: unknown): boolean {
  const code = (err as { code?: unknown } | null)?.code;
  return code === 'ENOTFOUND' || code === 'ENONAME';
}

function describe(err: unknown): string {
  const e = err as { code?: unknown; message?: unknown } | null;
  return String(e?.code ?? e?.message ?? err);
}

/** Lower-case, no trailing dot, IDNs as A-labels (what DNS and certificates use). */
export function normaliseDomain(domain: string): string {
  const trimmed = domain.trim().replace(/\.$/, '').toLowerCase();
  if (trimmed.startsWith('[')) return trimmed;
  return domainToASCII(trimmed) || trimmed;
}

type Addresses = { addresses: string[]; error: null } | { addresses: []; error: { permanent: boolean; reason: string } };

async function addressesOf(resolver: DnsResolver, host: string): Promise<Addresses> {
  if (net.isIP(host)) return { addresses: [host], error: null };
  const [v4, v6] = await Promise.allSettled([resolver.resolve4(host), resolver.resolve6(host)]);
  const addresses = [
    ...(v4.status === 'fulfilled' ? v4.value : []),
    ...(v6.status === 'fulfilled' ? v6.value : []),
  ];
  if (addresses.length) return { addresses, error: null };
  const errors = [v4, v6].flatMap((r) => (r.status === 'rejected' ? [r.reason] : []));
  const permanent = errors.every(isNoData);
  return {
    addresses: [],
    error: {
      permanent,
      reason: permanent ? `${host} has no A or AAAA record` : `DNS lookup of ${host} failed (${errors.map(describe).join(', ')})`,
    },
  };
}

function shuffleEqualPreferences(records: MxRecord[], random: () => number): MxRecord[] {
  const byPreference = new Map<number, MxRecord[]>();
  for (const r of records) byPreference.set(r.priority, [...(byPreference.get(r.priority) ?? []), r]);
  return [...byPreference.keys()]
    .sort((a, b) => a - b)
    .flatMap((p) => {
      const group = [...(byPreference.get(p) ?? [])];
      for (let i = group.length - 1; i > 0; i--) {
        const j = Math.floor(random() * (i + 1));
        [group[i], group[j]] = [group[j], group[i]];
      }
      return group;
    });
}

export async function resolveRoute(domainInput: string, options: RouteOptions = {}): Promise<Route> {
  const resolver = options.resolver ?? dns;
  const defaultPort = options.defaultPort ?? 25;
  const portOf = (name: string) => options.ports?.[name.toLowerCase()] ?? defaultPort;
  const domain = normaliseDomain(domainInput);

  if (options.relay) {
    const relay = options.relay;
    const found = await addressesOf(resolver, relay.host);
    if (found.error) {
      // A smart host that cannot be found is our configuration or DNS problem, never the
      // recipient's: keep the mail and try again.
      return { ok: false, permanent: false, enhancedCode: '4.4.3', diagnostic: `Smart host: ${found.error.reason}` };
    }
    return {
      ok: true,
      via: 'relay',
      relay,
      skipped: [],
      hosts: [{ name: relay.host, port: relay.port ?? 25, preference: 0, addresses: found.addresses }],
    };
  }

  // RFC 5321 §4.1.3 address literal: user@[192.0.2.1] or user@[IPv6:2001:db8::1].
  const literal = /^\[(?:ipv6:)?([^\]]+)\]$/.exec(domain);
  if (literal) {
    if (!net.isIP(literal[1])) {
      return { ok: false, permanent: true, enhancedCode: '5.1.2', diagnostic: `${domain} is not a valid address literal` };
    }
    return {
      ok: true,
      via: 'address-literal',
      relay: null,
      skipped: [],
      hosts: [{ name: literal[1], port: portOf(literal[1]), preference: 0, addresses: [literal[1]] }],
    };
  }

  let records: MxRecord[];
  try {
    records = await resolver.resolveMx(domain);
  } catch (err) {
    if (isNxDomain(err)) {
      return { ok: false, permanent: true, enhancedCode: '5.1.2', diagnostic: `The domain ${domain} does not exist (DNS NXDOMAIN)` };
    }
    if (!isNoData(err)) {
      return { ok: false, permanent: false, enhancedCode: '4.4.3', diagnostic: `DNS MX lookup for ${domain} failed (${describe(err)})` };
    }
    records = [];
  }

  // RFC 7505: a "." exchange means the domain accepts no mail at all (node reports it as "").
  if (records.some((r) => r.exchange === '' || r.exchange === '.')) {
    return { ok: false, permanent: true, enhancedCode: '5.1.10', diagnostic: `The domain ${domain} publishes a null MX: it accepts no mail (RFC 7505)` };
  }

  const implicit = records.length === 0;
  // RFC 5321 §5.1: with no MX record the domain itself is the mail host, as if MX 0.
  const candidates = implicit ? [{ exchange: domain, priority: 0 }] : records;
  const seen = new Set<string>();
  const ordered = shuffleEqualPreferences(candidates, options.random ?? Math.random).filter((r) => {
    const name = normaliseDomain(r.exchange);
    if (seen.has(name)) return false;
    seen.add(name);
    return true;
  });

  const looked = await Promise.all(
    ordered.map(async (r) => ({ record: r, name: normaliseDomain(r.exchange), found: await addressesOf(resolver, normaliseDomain(r.exchange)) })),
  );
  const hosts: RouteHost[] = [];
  const skipped: { name: string; reason: string }[] = [];
  for (const { record, name, found } of looked) {
    if (found.error) skipped.push({ name, reason: found.error.reason });
    else hosts.push({ name, port: portOf(name), preference: record.priority, addresses: found.addresses });
  }
  if (!hosts.length) {
    const permanent = looked.every((l) => l.found.error?.permanent);
    return {
      ok: false,
      permanent,
      enhancedCode: permanent ? '5.4.4' : '4.4.3',
      diagnostic: implicit
        ? `The domain ${domain} has no MX record and no address: ${skipped.map((s) => s.reason).join('; ')}`
        : `No MX host of ${domain} has an address: ${skipped.map((s) => s.reason).join('; ')}`,
    };
  }
  return { ok: true, via: implicit ? 'implicit-mx' : 'mx', relay: null, hosts, skipped };
}

function dnsError(code: string, name: string): Error {
  return Object.assign(new Error(`${code} ${name}`), { code, hostname: name });
}

/**
 * A resolver answering from a fixed table (tests, or a static route table). A name absent from
 * every table is NXDOMAIN; a name known in one table but absent from another has no data of
 * that type, as in real DNS.
 */
export function staticResolver(table: {
  mx?: Readonly<Record<string, MxRecord[]>>;
  a?: Readonly<Record<string, string[]>>;
  aaaa?: Readonly<Record<string, string[]>>;
}): DnsResolver {
  const lower = <T>(t: Readonly<Record<string, T>> | undefined) =>
    new Map(Object.entries(t ?? {}).map(([k, v]) => [normaliseDomain(k), v]));
  const mx = lower(table.mx);
  const a = lower(table.a);
  const aaaa = lower(table.aaaa);
  const known = (name: string) => mx.has(name) || a.has(name) || aaaa.has(name);
  const lookup = <T>(map: Map<string, T[]>) => async (input: string) => {
    const name = normaliseDomain(input);
    const found = map.get(name);
    if (found?.length) return found;
    throw dnsError(known(name) ? 'ENODATA' : 'ENOTFOUND', name);
  };
  return { resolveMx: lookup(mx), resolve4: lookup(a), resolve6: lookup(aaaa) };
}

/**
 * SMTP_RELAY_HOST as the operator writes it: "host", "host:port" or "[IPv6]:port" (port 25 when
 * absent; 465 means TLS from the first byte, RFC 8314). Returns null for an empty or malformed
 * value, so the caller can report the setting instead of sending mail somewhere unintended.
 */
export function parseSmartHost(value: string | undefined | null, auth?: { user: string; pass: string } | null): SmartHost | null {
  const text = (value ?? '').trim();
  if (!text) return null;
  const match = /^(?:\[([0-9a-f:.]+)\]|([a-z0-9.-]+))(?::(\d{1,5}))?$/i.exec(text);
  if (!match) return null;
  const host = match[1] ?? match[2];
  if (match[1] && net.isIPv6(match[1]) === false) return null;
  const port = match[3] ? Number(match[3]) : 25;
  if (port < 1 || port > 65535) return null;
  return { host: host.toLowerCase(), port, implicitTls: port === 465, ...(auth ? { auth } : {}) };
}
