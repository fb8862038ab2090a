/**
 * Does a domain's best MX offer STARTTLS with a certificate valid for its name? Used by the
 * "Recipients without TLS" policy before choosing between direct delivery and the secure portal;
 * the caller caches the answer. It connects like a delivery would (same routing, same TLS
 * checks), sends EHLO and STARTTLS, and quits without a transaction.
 */
import { openSession, type TlsInfo, type Timeouts, type DeliverOptions } from './deliver';
import { resolveRoute, type DnsResolver } from './route';

export type StartTlsProbe = {
  domain: string;
  /** false: no MX host answered (or DNS failed), so nothing is known; cache briefly if at all. */
  reachable: boolean;
  /** The MX host that answered. */
  host: string | null;
  /** A TLS session was established with STARTTLS. */
  starttls: boolean;
  /** …and its certificate chains to a trusted CA and names that host (what "TLS verified" means). */
  verified: boolean;
  tls: TlsInfo | null;
  /** What happened, in words, for the policy's log. */
  detail: string;
};

export type ProbeOptions = {
  heloName: string;
  resolver?: DnsResolver;
  ports?: Readonly<Record<string, number>>;
  defaultPort?: number;
  random?: () => number;
  timeouts?: Timeouts;
  ca?: DeliverOptions['ca'];
};

export async function probeStartTls(domain: string, options: ProbeOptions): Promise<StartTlsProbe> {
  const timeouts = { connect: 10_000, greeting: 30_000, socket: 30_000, ...options.timeouts };
  const unknown = { domain, reachable: false, host: null, starttls: false, verified: false, tls: null };
  // Always the recipient's own MX, even when mail leaves through a smart host: the question is
  // about the recipient's servers.
  const route = await resolveRoute(domain, { resolver: options.resolver, ports: options.ports, defaultPort: options.defaultPort, random: options.random });
  if (!route.ok) return { ...unknown, detail: route.diagnostic };

  const failures: string[] = [];
  for (const host of route.hosts) {
    for (const address of host.addresses) {
      const opened = await openSession({ host, address, mode: 'opportunistic', heloName: options.heloName, relay: null, timeouts, ca: options.ca });
      if (opened.ok) {
        const { tls, conn } = opened.session;
        conn.quit();
        return {
          domain,
          reachable: true,
          host: host.name,
          starttls: tls !== null,
          verified: tls?.verified ?? false,
          tls,
          detail: !tls
            ? `${host.name} does not offer STARTTLS`
            : tls.verified
              ? `${host.name} offers STARTTLS (${tls.version}) with a certificate verified for its name`
              : `${host.name} offers STARTTLS (${tls.version}) but its certificate is not valid for ${host.name} or not from a trusted CA`,
        };
      }
      if (opened.failure.handshakeFailed) {
        return { domain, reachable: true, host: host.name, starttls: false, verified: false, tls: null, detail: opened.failure.reason };
      }
      failures.push(opened.failure.reason);
    }
  }
  return { ...unknown, detail: failures.join('; ') || 'No MX host to try' };
}
