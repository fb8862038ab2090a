import { isIP } from 'node:net';

/**
 * The client's address, from a trusted hop only. Our server (scripts/server.ts) writes the
 * socket's peer address into `x-sealpost-peer`, overwriting whatever a client sent. Behind N
 * trusted reverse proxies, each appends to X-Forwarded-For, so the client is the Nth entry from
 * the right of [...X-Forwarded-For, peer]; entries further left are client-controlled.
 */
export const PEER_HEADER = 'x-sealpost-peer';

export function clientAddressFrom(headers: Pick<Headers, 'get'>, trustedHops: number): string {
  const peer = normalise(headers.get(PEER_HEADER) ?? '');
  if (trustedHops === 0) return peer;
  const forwarded = (headers.get('x-forwarded-for') ?? '')
    .split(',')
    .map((s) => normalise(s))
    .filter(Boolean);
  const chain = [...forwarded, peer].filter(Boolean);
  const index = chain.length - 1 - trustedHops;
  return index >= 0 ? chain[index] : (chain[0] ?? '');
}

function normalise(raw: string): string {
  let value = raw.trim();
  if (value.startsWith('::ffff:') && isIP(value.slice(7)) === 4) value = value.slice(7);
  return isIP(value) ? value : '';
}
