/**
 * One delivery attempt of one message to the recipients of one domain, over SMTP with
 * nodemailer's SMTPConnection (the low-level client: the high-level transport hides per-recipient
 * RCPT replies and the TLS session). No database: the caller records what this returns.
 *
 * Order of events (RFC 5321 §5.1): hosts by MX preference, each host's addresses in turn; the
 * next address/host on a connection failure or a refused session (4xx/5xx greeting, EHLO, TLS);
 * once a host has taken the envelope its replies are final for this attempt.
 */
import net from 'node:net';
import { Readable } from 'node:stream';
import tls from 'node:tls';
import SMTPConnection, { type SMTPConnectionEnvelope, type SMTPEnvelope } from 'nodemailer/lib/smtp-connection';
import { parseReply, type SmtpReply } from './reply';
import { normaliseDomain, resolveRoute, type DnsResolver, type Route, type RouteHost, type SmartHost } from './route';

export type TlsMode = 'opportunistic' | 'verified';

export type TlsInfo = {
  /** e.g. "TLSv1.3". */
  version: string | null;
  /** OpenSSL cipher name, e.g. "TLS_AES_256_GCM_SHA384". */
  cipher: string | null;
  /** The certificate chains to a trusted CA and names the MX host (RFC 6125 / RFC 7817). */
  verified: boolean;
};

export type Outcome = 'delivered' | 'deferred' | 'bounced' | 'tls_unavailable';

export type RecipientResult = {
  recipient: string;
  outcome: Outcome;
  /** The host name that answered for this recipient (MX or smart host); null when none did. */
  remoteServer: string | null;
  /** "address:port" of that host. */
  remoteAddress: string | null;
  /** The remote reply code; null when the outcome comes from us (DNS, connection, TLS). */
  smtpCode: number | null;
  /** RFC 3463 code: the remote one, or ours for failures of our own; "" when the remote sent none. */
  enhancedCode: string;
  /** The remote reply on one line, or our explanation when there was no reply. */
  diagnostic: string;
  /** null: plain text, or no session at all. */
  tls: TlsInfo | null;
};

/** One connection tried, for the delivery log: why the engine moved on, or what it got. */
export type HostAttempt = {
  host: string;
  address: string;
  port: number;
  /** STARTTLS used (false: plain text or never got that far). */
  tls: TlsInfo | null;
  /** true when the envelope was sent over this connection. */
  transaction: boolean;
  /** Why this connection did not carry the message; null when it did. */
  error: string | null;
};

export type DeliveryReport = { recipients: RecipientResult[]; attempts: HostAttempt[] };

export type Timeouts = {
  /** TCP connect, per address. Default 30 s (Postfix smtp_connect_timeout). */
  connect?: number;
  /** Waiting for the 220 greeting and for STARTTLS. Default 120 s. */
  greeting?: number;
  /** Inactivity during the session, including the wait after the final dot. Default 600 s (RFC 5321 §4.5.3.2.6). */
  socket?: number;
};

export type DeliverOptions = {
  envelope: {
    /** Return path; "" for the null sender of a DSN. */
    from: string;
    /** Recipients, all in one domain. */
    to: string[];
  };
  /** Opens the raw RFC 5322 message; called once per connection that gets as far as DATA. */
  message: () => Readable;
  tls: TlsMode;
  /** Our name in EHLO: the sending host's fully qualified name. */
  heloName: string;
  /** A route already resolved; otherwise it is resolved with the options below. */
  route?: Route;
  resolver?: DnsResolver;
  relay?: SmartHost | null;
  ports?: Readonly<Record<string, number>>;
  defaultPort?: number;
  random?: () => number;
  timeouts?: Timeouts;
  /** Trusted CAs instead of Node's bundled roots (tests). */
  ca?: string | Buffer | Array<string | Buffer>;
  /** Message size in bytes, announced with SIZE so a server can refuse it before DATA. */
  size?: number;
  /** At most this many addresses are tried (Postfix smtp_mx_address_limit). Default 10. */
  maxAddresses?: number;
};

export type SessionFailure = { reason: string; reply: SmtpReply | null; tlsFailure: boolean; handshakeFailed: boolean };
export type Session = { conn: SMTPConnection; tls: TlsInfo | null };
type Failure = SessionFailure;

const ADDRESS = /^[^\s<>@\x00-\x1f\x7f]+@[^\s<>@\x00-\x1f\x7f]+$/;

/** One line: these texts end up in delivery events and DSN fields. */
function errorText(err: unknown): string {
  const e = err as { message?: unknown } | null;
  return String(e?.message ?? err).replace(/\s+/g, ' ').trim();
}

function tlsOf(conn: SMTPConnection): TlsInfo | null {
  const socket = conn._socket;
  if (!(socket instanceof tls.TLSSocket) || !conn.secure) return null;
  return { version: socket.getProtocol() ?? null, cipher: socket.getCipher()?.name ?? null, verified: socket.authorized };
}

function outcomeOf(code: number): Outcome {
  if (code < 400) return 'delivered';
  return code < 500 ? 'deferred' : 'bounced';
}

/** Opens the message only when the server asks for it, so a refused envelope reads no bytes. */
function lazyMessage(open: () => Readable): Readable {
  return Readable.from(
    (async function* () {
      const source = open();
      try {
        for await (const chunk of source) yield chunk as Buffer;
      } finally {
        source.destroy();
      }
    })(),
    { objectMode: false },
  );
}

/** Connects, says EHLO, does STARTTLS (and AUTH to a smart host): ready for MAIL FROM. Shared with probe.ts. */
export function openSession(o: {
  host: RouteHost;
  address: string;
  mode: TlsMode | 'plain';
  heloName: string;
  relay: SmartHost | null;
  timeouts: Required<Timeouts>;
  ca?: DeliverOptions['ca'];
}): Promise<{ ok: true; session: Session } | { ok: false; failure: Failure }> {
  const name = o.host.name;
  const verify = o.mode === 'verified';
  const conn = new SMTPConnection({
    host: o.address,
    port: o.host.port,
    name: o.heloName,
    // SNI and the certificate check use the MX name, never the address we connect to.
    servername: net.isIP(name) ? undefined : name,
    secure: Boolean(o.relay?.implicitTls),
    requireTLS: verify,
    opportunisticTLS: o.mode === 'opportunistic',
    ignoreTLS: o.mode === 'plain',
    connectionTimeout: o.timeouts.connect,
    greetingTimeout: o.timeouts.greeting,
    socketTimeout: o.timeouts.socket,
    logger: false,
    tls: {
      rejectUnauthorized: verify,
      ...(o.ca ? { ca: o.ca } : {}),
      // RFC 7817 §3: the reference identity is the MX host name (the relay's name for a smart
      // host). Stated explicitly so that no later default can substitute the IP we dialled.
      checkServerIdentity: (_servername, cert) => tls.checkServerIdentity(name, cert),
    },
  });
  return new Promise((resolve) => {
    let settled = false;
    const fail = (failure: Failure) => {
      if (settled) return;
      settled = true;
      conn.close();
      resolve({ ok: false, failure });
    };
    conn.on('error', (err: Error & { code?: string; originalCode?: string; response?: string; command?: string }) => {
      const upgrading = conn.upgrading === true;
      // With implicit TLS (smart host on 465) the handshake is part of connecting: a certificate
      // or protocol error there is a TLS failure too, not an unreachable host.
      const implicitTlsFailure = Boolean(o.relay?.implicitTls) && /CERT|SSL|TLS|SELF_SIGNED|UNABLE_TO_(GET|VERIFY)/.test(err.originalCode ?? '');
      const tlsFailure = err.code === 'ETLS' || upgrading || implicitTlsFailure || (verify && !conn.secure && err.command === 'STARTTLS');
      const reply = err.response ? parseReply(err.response) : null;
      fail({
        reason: tlsFailure
          ? `TLS with ${name} failed: ${errorText(err)}`
          : reply
            ? `${name} refused the session: ${reply.line}`
            : `${name}: ${errorText(err)}`,
        reply,
        tlsFailure,
        // The handshake itself broke (as opposed to STARTTLS not being offered or refused).
        handshakeFailed: upgrading,
      });
    });
    conn.once('end', () => fail({ reason: `${name} closed the connection before the session was ready`, reply: null, tlsFailure: false, handshakeFailed: false }));
    conn.connect(() => {
      if (settled) return;
      const info = tlsOf(conn);
      // The one guarantee of "verified": no byte of the envelope or message goes out unless this
      // session is TLS with a certificate checked for the MX name. nodemailer's requireTLS and
      // rejectUnauthorized already ensure it; this check keeps it true whatever they do.
      if (verify && !info?.verified) {
        fail({ reason: `TLS with ${name} is not verified`, reply: null, tlsFailure: true, handshakeFailed: false });
        return;
      }
      const auth = o.relay?.auth;
      if (!auth) {
        settled = true;
        resolve({ ok: true, session: { conn, tls: info } });
        return;
      }
      if (!info) {
        fail({ reason: `Smart host ${name} offers no TLS: credentials are not sent in plain text`, reply: null, tlsFailure: true, handshakeFailed: false });
        return;
      }
      conn.login({ user: auth.user, pass: auth.pass }, (err) => {
        if (err) {
          const reply = err.response ? parseReply(err.response) : null;
          fail({ reason: `Smart host ${name} refused our credentials: ${reply?.line ?? errorText(err)}`, reply, tlsFailure: false, handshakeFailed: false });
          return;
        }
        settled = true;
        resolve({ ok: true, session: { conn, tls: info } });
      });
    });
  });
}

type TransactionResult = Map<string, { outcome: Outcome; reply: SmtpReply | null; diagnostic: string; enhancedCode: string }>;

function transact(session: Session, from: string, recipients: string[], open: () => Readable, size?: number): Promise<TransactionResult> {
  const { conn } = session;
  // nodemailer keeps its per-recipient bookkeeping (accepted, rejected, rejectedErrors) on the
  // envelope object handed to send(); it is read back below because the error paths (a DATA or
  // final-dot refusal after some RCPTs were refused) do not return it.
  // BODY=8BITMIME (sent only when the server offers it): the raw message may carry 8-bit text
  // as the organisation's server handed it over, and we relay it unchanged.
  const envelope: SMTPEnvelope = { from: from === '' ? false : from, to: [...recipients], use8BitMime: true, ...(size ? { size } : {}) };
  return new Promise((resolve) => {
    conn.send(envelope, lazyMessage(open), (err, info) => {
      const tracked = envelope as Partial<SMTPConnectionEnvelope>;
      const results: TransactionResult = new Map();
      // A refused MAIL FROM speaks for everyone: with PIPELINING the RCPTs sent along with it
      // only collect "503 need MAIL first", which says nothing about the recipients.
      const senderRefused = err?.command === 'MAIL FROM';
      for (const rejected of senderRefused ? [] : (tracked.rejectedErrors ?? info?.rejectedErrors ?? [])) {
        const recipient = (rejected as { recipient?: string }).recipient;
        const reply = rejected.response ? parseReply(rejected.response) : null;
        if (!recipient) continue;
        results.set(recipient, reply
          ? { outcome: outcomeOf(reply.code), reply, diagnostic: reply.line, enhancedCode: reply.enhancedCode }
          : { outcome: 'deferred', reply: null, diagnostic: errorText(rejected), enhancedCode: '4.4.2' });
      }
      const finalReply = err ? (err.response ? parseReply(err.response) : null) : parseReply(info?.response ?? '');
      for (const recipient of recipients) {
        if (results.has(recipient)) continue;
        if (finalReply) {
          // MAIL FROM, DATA and the final reply speak for every recipient not refused at RCPT.
          results.set(recipient, { outcome: outcomeOf(finalReply.code), reply: finalReply, diagnostic: finalReply.line, enhancedCode: finalReply.enhancedCode });
        } else if (err?.code === 'EMESSAGE') {
          // nodemailer refuses before DATA a message larger than the server's announced SIZE.
          results.set(recipient, { outcome: 'bounced', reply: null, diagnostic: errorText(err), enhancedCode: '5.3.4' });
        } else if (err?.code === 'ESTREAM') {
          results.set(recipient, { outcome: 'deferred', reply: null, diagnostic: `Reading the message failed: ${errorText(err)}`, enhancedCode: '4.3.0' });
        } else {
          // Connection lost or timed out mid-transaction: no verdict, so try again later. If the
          // remote had already said 250 this may deliver twice; receivers dedupe by Message-ID.
          results.set(recipient, { outcome: 'deferred', reply: null, diagnostic: `Connection lost during the transaction: ${errorText(err)}`, enhancedCode: '4.4.2' });
        }
      }
      if (err) conn.close();
      else conn.quit();
      resolve(results);
    });
  });
}

function domainOf(address: string): string {
  return normaliseDomain(address.slice(address.lastIndexOf('@') + 1));
}

export async function deliver(options: DeliverOptions): Promise<DeliveryReport> {
  const timeouts: Required<Timeouts> = { connect: 30_000, greeting: 120_000, socket: 600_000, ...options.timeouts };
  const recipients = [...new Set(options.envelope.to.map((r) => r.trim()))];
  if (!recipients.length) throw new Error('deliver: no recipients');
  const domains = new Set(recipients.filter((r) => ADDRESS.test(r)).map(domainOf));
  if (domains.size > 1) throw new Error(`deliver: recipients span several domains (${[...domains].join(', ')}); call once per domain`);
  if (options.envelope.from !== '' && !ADDRESS.test(options.envelope.from)) throw new Error('deliver: invalid return path');

  const results = new Map<string, RecipientResult>();
  const base = { remoteServer: null, remoteAddress: null, smtpCode: null, tls: null };
  for (const r of recipients) {
    if (!ADDRESS.test(r)) {
      results.set(r, { ...base, recipient: r, outcome: 'bounced', enhancedCode: '5.1.3', diagnostic: 'The recipient address is not a valid mailbox address' });
    }
  }
  const pending = recipients.filter((r) => !results.has(r));
  const attempts: HostAttempt[] = [];
  const report = (): DeliveryReport => ({ recipients: recipients.map((r) => results.get(r) as RecipientResult), attempts });
  if (!pending.length) return report();

  const [domain] = [...domains];
  const route =
    options.route ??
    (await resolveRoute(domain, {
      resolver: options.resolver,
      relay: options.relay,
      ports: options.ports,
      defaultPort: options.defaultPort,
      random: options.random,
    }));
  if (!route.ok) {
    for (const r of pending) {
      results.set(r, { ...base, recipient: r, outcome: route.permanent ? 'bounced' : 'deferred', enhancedCode: route.enhancedCode, diagnostic: route.diagnostic });
    }
    return report();
  }

  const failures: Failure[] = [];
  const maxAddresses = options.maxAddresses ?? 10;
  const targets = route.hosts.flatMap((host) => host.addresses.map((address) => ({ host, address }))).slice(0, maxAddresses);

  for (const { host, address } of targets) {
    const common = { host, address, heloName: options.heloName, relay: route.relay, timeouts, ca: options.ca };
    let opened = await openSession({ ...common, mode: options.tls });
    if (!opened.ok && options.tls === 'opportunistic' && opened.failure.handshakeFailed) {
      // Opportunistic TLS (RFC 7435): a broken handshake is no reason to keep the mail; like
      // Postfix at "may", reconnect and send in plain text, and record that it happened.
      attempts.push({ host: host.name, address, port: host.port, tls: null, transaction: false, error: `${opened.failure.reason}; retrying without TLS` });
      opened = await openSession({ ...common, mode: 'plain' });
    }
    if (!opened.ok) {
      failures.push(opened.failure);
      attempts.push({ host: host.name, address, port: host.port, tls: null, transaction: false, error: opened.failure.reason });
      continue;
    }
    const { session } = opened;
    attempts.push({ host: host.name, address, port: host.port, tls: session.tls, transaction: true, error: null });
    const outcome = await transact(session, options.envelope.from, pending, options.message, options.size);
    for (const r of pending) {
      const o = outcome.get(r);
      if (!o) continue;
      results.set(r, {
        recipient: r,
        outcome: o.outcome,
        remoteServer: host.name,
        remoteAddress: `${address}:${host.port}`,
        smtpCode: o.reply?.code ?? null,
        enhancedCode: o.enhancedCode,
        diagnostic: o.diagnostic,
        tls: session.tls,
      });
    }
    return report();
  }

  // No host took the envelope.
  const tlsUnavailable = options.tls === 'verified' && failures.some((f) => f.tlsFailure);
  const last = targets.length ? { target: targets[targets.length - 1], failure: failures[failures.length - 1] } : null;
  const lastReply = last?.failure?.reply ?? null;
  const diagnostic = failures.length
    ? failures.map((f) => f.reason).join('; ')
    : 'No mail host address to try';
  for (const r of pending) {
    results.set(r, {
      ...base,
      recipient: r,
      remoteServer: last ? last.target.host.name : null,
      remoteAddress: last ? `${last.target.address}:${last.target.host.port}` : null,
      // A host that answered without verified TLS is the decisive fact for "TLS required": the
      // caller falls back to the secure portal rather than waiting days for a host that may
      // never offer it. Hosts that were unreachable are not known to be any better.
      outcome: tlsUnavailable ? 'tls_unavailable' : 'deferred',
      smtpCode: tlsUnavailable ? null : (lastReply?.code ?? null),
      // Deferred, so a class 4 status even when a host greeted with 5xx (skipped, as Postfix's
      // smtp_skip_5xx_greeting does): the next attempt may reach a host that takes the mail.
      enhancedCode: tlsUnavailable ? '4.7.5' : lastReply?.enhancedCode.startsWith('4.') ? lastReply.enhancedCode : '4.4.1',
      diagnostic,
    });
  }
  return report();
}
