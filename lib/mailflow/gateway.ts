import 'server-only';
import type { AddressInfo } from 'node:net';
import { and, eq } from 'drizzle-orm';
import { SMTPServer, type SMTPServerAddress, type SMTPServerAuthentication, type SMTPServerDataStream, type SMTPServerSession } from 'smtp-server';
import { getDb, type Db } from '@/db/client';
import { domains } from '@/db/schema';
import { isDatabaseUnavailable } from '@/lib/errors/database-unavailable';
import { errorFields, log } from '@/lib/log';
import { metrics } from '@/lib/metrics';
import { blobStore, TooLargeError, type BlobStore } from '@/lib/storage/storage';
import { acceptMessage, MAX_HEADER_BYTES } from './accept-message';
import { bounceTargetFor, MAX_BOUNCE_BYTES, receiveBounce, type BounceIntake, type BounceTarget } from './bounce-intake';
import { authenticateConnector, connectorForAddress, type RecognisedConnector } from './connectors';
import { countMessage, recordRefusal, type Refusal } from './counters';
import { HeaderSectionTooLargeError, MalformedMessageError } from './header-sniffer';
import { normaliseClientAddress } from './ip-ranges';

/**
 * The SMTP gateway (README "Mail flow"): an organisation's mail server relays outbound mail
 * here. Every decision that matters is in PostgreSQL (connectors, rate counters, Message-ID
 * dedupe, the message and its job), so any number of gateway processes can share a database and
 * a client may reconnect to any of them.
 */
export type GatewayOptions = {
  port: number;
  host: string;
  /** The name in the greeting. */
  hostname: string;
  /** STARTTLS certificate and key (PEM). Without them STARTTLS is not offered, and so neither is AUTH. */
  tls?: { key: string | Buffer; cert: string | Buffer };
  maxMessageBytes: number;
  maxRecipients: number;
  rateLimitPerMinute: number;
  db?: () => Db;
  store?: () => BlobStore;
  now?: () => Date;
  /** Seconds before close() drops connections still open. */
  closeTimeoutSeconds?: number;
  /** Bounces at our return paths are taken without a connector (bounce-intake.ts); without this, none are. */
  bounces?: BounceIntake;
};

export type Gateway = { port: number; close: () => Promise<void>; server: SMTPServer };

/** An SMTP reply: code, RFC 3463 enhanced code and a human text. smtp-server sends `code message`. */
const gatewayLog = log('gateway');

export class SmtpReply extends Error {
  readonly responseCode: number;
  constructor(readonly refusal: Refusal) {
    super(`${refusal.enhanced} ${refusal.text}`);
    this.name = 'SmtpReply';
    this.responseCode = refusal.code;
  }
}

const reply = (code: number, enhanced: string, text: string, stage: string) => new SmtpReply({ code, enhanced, text, stage });

export const REFUSALS = {
  authRequired: () => reply(530, '5.7.0', 'Authentication required: sign in with SMTP AUTH after STARTTLS, or connect from an address of your connector.', 'mail_from'),
  badCredentials: () => reply(535, '5.7.8', 'Authentication credentials invalid: check the connector user name and secret.', 'auth'),
  authUnavailable: () => reply(454, '4.7.0', 'Temporary authentication failure; try again later.', 'auth'),
  foreignSender: (sender: string) => reply(550, '5.7.1', `Relaying denied: ${sender || 'the null sender'} is not an address of your organisation's domains.`, 'mail_from'),
  rateLimited: (limit: number) => reply(421, '4.7.0', `Too many messages from this connector (more than ${limit} a minute); try again shortly.`, 'mail_from'),
  badRecipient: (address: string) => reply(553, '5.1.3', `${address} is not a valid recipient address.`, 'rcpt_to'),
  tooManyRecipients: (max: number) => reply(452, '4.5.3', `Too many recipients: at most ${max} per message; send the rest in another message.`, 'rcpt_to'),
  tooBig: (max: number) => reply(552, '5.3.4', `Message too big: the limit is ${max} bytes.`, 'data'),
  headerTooBig: () => reply(552, '5.3.4', `Message header section too big: the limit is ${MAX_HEADER_BYTES} bytes.`, 'data'),
  malformed: (why: string) => reply(554, '5.6.0', `Malformed message: ${why}`, 'data'),
  temporary: () => reply(451, '4.3.0', 'Temporary local problem: the message was not stored; try again later.', 'data'),
  temporaryAt: (stage: string) => reply(451, '4.3.0', 'Temporary local problem; try again later.', stage),
  shuttingDown: (stage: string) => reply(421, '4.3.2', 'Sealpost is restarting; try again in a moment.', stage),
  /** An unauthenticated session may only write to return paths; anything else is refused as without a connector. */
  notReturnPath: () => reply(530, '5.7.0', 'Authentication required: sign in with SMTP AUTH after STARTTLS, or connect from an address of your connector.', 'rcpt_to'),
  unknownReturnPath: () => reply(550, '5.1.1', 'No such return path: the message it belongs to is no longer kept here.', 'rcpt_to'),
  bounceTooBig: () => reply(552, '5.3.4', `Bounce too big: the limit is ${MAX_BOUNCE_BYTES} bytes.`, 'data'),
} as const;

const ADDRESS = /^[^\s@<>()[\]\\,;:"]+@[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?(?:\.[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?)+$/i;

function normalisedAddress(address: SMTPServerAddress | false): string {
  return address ? address.address.trim().toLowerCase() : '';
}

/** The driver's message under Drizzle's "Failed query" wrapper. */
function causeOf(error: unknown): string {
  const cause = error instanceof Error && error.cause instanceof Error ? error.cause : error;
  return message(cause);
}

function message(error: unknown): string {
  return error instanceof Error ? error.message.split('\n')[0] : String(error);
}

export async function startGateway(options: GatewayOptions): Promise<Gateway> {
  const db = options.db ?? getDb;
  const store = options.store ?? blobStore;
  const now = options.now ?? (() => new Date());
  /** The connector of each session once recognised (by AUTH or by address); only for the session's life. */
  const recognised = new WeakMap<SMTPServerSession, RecognisedConnector>();
  /** Sender domains already found to be the connector's in this session: a relay sends message after message from them. */
  const ownDomains = new WeakMap<SMTPServerSession, Set<string>>();
  /** Sessions without a connector that may deliver bounces to return paths, with the messages named so far. */
  const bounceSessions = new WeakMap<SMTPServerSession, BounceTarget[]>();
  /** Set by close(): new sessions and new transactions are answered 421; those under way finish. */
  let closing = false;

  const refuse = async (session: SMTPServerSession, error: SmtpReply, detail?: string): Promise<SmtpReply> => {
    const { code, enhanced, stage } = error.refusal;
    metrics().smtpRefusals.inc({ code: String(code), stage });
    if (stage === 'data') metrics().smtpMessages.inc({ outcome: 'refused' });
    // The code and the stage, never the reply's text: it can name the sender's address.
    gatewayLog.info({ connectorId: recognised.get(session)?.id, client: session.remoteAddress, code, enhanced, stage, detail }, 'refused');
    await recordRefusal(db(), { connector: recognised.get(session) ?? null, refusal: error.refusal, clientAddress: session.remoteAddress, now: now() });
    return error;
  };

  const server = new SMTPServer({
    name: options.hostname,
    banner: 'Sealpost secure mail gateway',
    secure: false,
    ...(options.tls ? { key: options.tls.key, cert: options.tls.cert, minVersion: 'TLSv1.2' as const } : { hideSTARTTLS: true }),
    authMethods: ['PLAIN', 'LOGIN'],
    // A connector recognised by its client address needs no AUTH; one without is refused at MAIL FROM.
    authOptional: true,
    // AUTH only inside TLS: credentials never cross the network in the clear.
    allowInsecureAuth: false,
    size: options.maxMessageBytes,
    disabledCommands: options.tls ? [] : ['AUTH'],
    closeTimeout: (options.closeTimeoutSeconds ?? 30) * 1000,
    logger: false,
    disableReverseLookup: true,

    onConnect(session, callback) {
      metrics().smtpSessions.inc();
      if (closing) return callback(REFUSALS.shuttingDown('connect'));
      callback();
    },

    onAuth(auth: SMTPServerAuthentication, session, callback) {
      void (async () => {
        try {
          const connector = await authenticateConnector(db(), auth.username ?? '', auth.password ?? '', now());
          if (!connector) return callback(await refuse(session, REFUSALS.badCredentials(), `user ${JSON.stringify((auth.username ?? '').slice(0, 64))}`));
          recognised.set(session, connector);
          callback(null, { user: connector.id });
        } catch (error) {
          gatewayLog.error({ client: session.remoteAddress, ...errorFields(error, false) }, 'AUTH failed on our side');
          callback(REFUSALS.authUnavailable());
        }
      })();
    },

    onMailFrom(address, session, callback) {
      void (async () => {
        if (closing) return callback(REFUSALS.shuttingDown('mail_from'));
        try {
          let connector = recognised.get(session) ?? null;
          if (!connector) {
            const client = normaliseClientAddress(session.remoteAddress);
            connector = client ? await connectorForAddress(db(), client) : null;
            if (connector) recognised.set(session, connector);
          }
          bounceSessions.delete(session);
          if (!connector && options.bounces) {
            // Perhaps a bounce: RCPT TO decides (only our return paths; everything else is refused there).
            bounceSessions.set(session, []);
            return callback();
          }
          if (!connector) return callback(await refuse(session, REFUSALS.authRequired()));
          const sender = normalisedAddress(address);
          const domain = sender.split('@')[1] ?? '';
          const known = ownDomains.get(session);
          const [own] = !ADDRESS.test(sender)
            ? []
            : known?.has(domain)
              ? [{ id: domain }]
              : await db()
                  .select({ id: domains.id })
                  .from(domains)
                  .where(and(eq(domains.orgId, connector.orgId), eq(domains.domain, domain)));
          if (!own) return callback(await refuse(session, REFUSALS.foreignSender(sender)));
          ownDomains.set(session, (known ?? new Set<string>()).add(domain));
          const count = await countMessage(db(), connector.id, now());
          if (count > options.rateLimitPerMinute) return callback(await refuse(session, REFUSALS.rateLimited(options.rateLimitPerMinute)));
          callback();
        } catch (error) {
          gatewayLog.error({ client: session.remoteAddress, ...errorFields(error, false) }, 'MAIL FROM failed on our side');
          callback(REFUSALS.temporaryAt('mail_from'));
        }
      })();
    },

    onRcptTo(address, session, callback) {
      void (async () => {
        const recipient = normalisedAddress(address);
        const bounceTargets = bounceSessions.get(session);
        if (bounceTargets && options.bounces) {
          try {
            const target = await bounceTargetFor(db(), recipient, options.bounces);
            if (target === 'not_ours') return callback(await refuse(session, REFUSALS.notReturnPath()));
            if (target === 'unknown') return callback(await refuse(session, REFUSALS.unknownReturnPath()));
            if (bounceTargets.length >= options.maxRecipients) return callback(await refuse(session, REFUSALS.tooManyRecipients(options.maxRecipients)));
            if (!bounceTargets.some((t) => t.address === recipient)) bounceTargets.push(target);
            return callback();
          } catch (error) {
            gatewayLog.error({ client: session.remoteAddress, ...errorFields(error, false) }, 'RCPT TO failed on our side');
            return callback(REFUSALS.temporaryAt('rcpt_to'));
          }
        }
        if (recipient.length > 254 || !ADDRESS.test(recipient)) return callback(await refuse(session, REFUSALS.badRecipient(recipient.slice(0, 254))));
        const already = new Set(session.envelope.rcptTo.map((r) => normalisedAddress(r)));
        if (!already.has(recipient) && already.size >= options.maxRecipients) return callback(await refuse(session, REFUSALS.tooManyRecipients(options.maxRecipients)));
        callback();
      })();
    },

    onData(stream: SMTPServerDataStream, session, callback) {
      void (async () => {
        const connector = recognised.get(session);
        // The end of DATA (the client's final dot) to our answer: the time a client waits on "accepted means kept".
        let dataEnd = 0;
        stream.once('end', () => {
          dataEnd = performance.now();
        });
        const bounceTargets = bounceSessions.get(session);
        if (!connector && bounceTargets && options.bounces) {
          try {
            const answer = await takeBounce(session, stream, bounceTargets, options.bounces);
            return answer instanceof SmtpReply ? callback(answer) : callback(null, answer);
          } catch (error) {
            // The stream failed (the client went away): nothing was stored.
            gatewayLog.warn({ client: session.remoteAddress, cause: causeOf(error) }, 'a bounce was not read');
            return callback(REFUSALS.temporary());
          }
        }
        try {
          if (!connector) throw REFUSALS.authRequired();
          const recipients = [...new Set(session.envelope.rcptTo.map((r) => normalisedAddress(r)))];
          const accepted = await acceptMessage({
            db: db(),
            store: store(),
            connector,
            envelopeFrom: normalisedAddress(session.envelope.mailFrom),
            recipients,
            clientAddress: normaliseClientAddress(session.remoteAddress) ?? session.remoteAddress,
            stream,
            maxBytes: options.maxMessageBytes,
            now,
          });
          metrics().smtpMessages.inc({ outcome: accepted.duplicate ? 'duplicate' : 'accepted' });
          gatewayLog.info({ connectorId: connector.id, gatewayMessageId: accepted.id, recipients: recipients.length, duplicate: accepted.duplicate }, 'accepted');
          if (dataEnd) metrics().smtpAcceptDuration.observe((performance.now() - dataEnd) / 1000);
          callback(null, accepted.duplicate ? `2.0.0 Already accepted as ${accepted.id}` : `2.0.0 Accepted as ${accepted.id}`);
        } catch (error) {
          // Whatever happened, the message is not kept: never 250 here.
          let answer: SmtpReply;
          if (error instanceof SmtpReply) answer = error;
          else if (error instanceof TooLargeError) answer = REFUSALS.tooBig(options.maxMessageBytes);
          else if (error instanceof HeaderSectionTooLargeError) answer = REFUSALS.headerTooBig();
          else if (error instanceof MalformedMessageError) answer = REFUSALS.malformed(error.message);
          else {
            answer = REFUSALS.temporary();
            gatewayLog.error({ connectorId: connector?.id, cause: isDatabaseUnavailable(error) ? 'database unavailable' : causeOf(error) }, 'a message was not stored');
          }
          callback(await refuse(session, answer));
        }
      })();
    },
  });
  /** A bounce at our return paths: read whole (bounded), then one ingest per message it was addressed to. */
  async function takeBounce(session: SMTPServerSession, stream: SMTPServerDataStream, targets: BounceTarget[], intake: BounceIntake): Promise<SmtpReply | string> {
    const limit = Math.min(options.maxMessageBytes, MAX_BOUNCE_BYTES);
    const chunks: Buffer[] = [];
    let size = 0;
    for await (const chunk of stream as AsyncIterable<Buffer>) {
      size += chunk.length;
      if (size <= limit) chunks.push(chunk);
    }
    if (size > limit || stream.sizeExceeded) return refuse(session, REFUSALS.bounceTooBig());
    const raw = Buffer.concat(chunks);
    try {
      for (const target of targets) {
        const outcome = await receiveBounce(db(), { raw, target, intake, now: now() });
        gatewayLog.info({ orgId: target.orgId, gatewayMessageId: target.messageId, kind: outcome.kind, events: outcome.events.length }, 'bounce received');
      }
      metrics().smtpMessages.inc({ outcome: 'bounce' });
      return '2.0.0 Bounce received, thank you';
    } catch (error) {
      gatewayLog.error({ client: session.remoteAddress, cause: isDatabaseUnavailable(error) ? 'database unavailable' : causeOf(error) }, 'a bounce was not stored');
      return refuse(session, REFUSALS.temporary());
    }
  }

  server.on('error', (error) => gatewayLog.error(errorFields(error, false), 'SMTP server error'));

  await new Promise<void>((resolve, reject) => {
    server.server.once('error', reject);
    server.listen(options.port, options.host, () => {
      server.server.off('error', reject);
      resolve();
    });
  });
  const port = (server.server.address() as AddressInfo).port;
  return {
    port,
    server,
    /**
     * Stops like an MTA: new sessions and new transactions get `421 4.3.2` (the client retries
     * later, elsewhere or here), a message being transferred finishes and gets its answer; once
     * every session has ended, or after closeTimeoutSeconds, the listener closes (smtp-server then
     * answers any session still open 421 and drops it).
     */
    close: async () => {
      closing = true;
      const connections = (server as unknown as { connections: Set<unknown> }).connections;
      const deadline = Date.now() + (options.closeTimeoutSeconds ?? 30) * 1000;
      while (connections.size > 0 && Date.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 50));
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
