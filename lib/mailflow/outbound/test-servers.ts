/**
 * Test support (imported by *.test.ts only): a certificate authority made in the test run, and
 * real SMTP servers (smtp-server) on 127.0.0.1 standing in for recipient MX hosts and relays.
 */
import { createHash, generateKeyPairSync, randomBytes } from 'node:crypto';
import net from 'node:net';
import type tls from 'node:tls';
import forge from 'node-forge';
import { SMTPServer, type SMTPServerSession } from 'smtp-server';

export type KeyAndCert = { key: string; cert: string };

export type TestCa = {
  /** PEM of the CA certificate: what the delivery engine is told to trust. */
  cert: string;
  /** A server certificate for these DNS names (or IP addresses), signed by this CA. */
  issue(names: string[]): KeyAndCert;
};

function rsaKeys() {
  // Node's native key generation: node-forge's pure JS RSA would take seconds.
  const { privateKey, publicKey } = generateKeyPairSync('rsa', {
    modulusLength: 2048,
    publicKeyEncoding: { type: 'spki', format: 'pem' },
    privateKeyEncoding: { type: 'pkcs1', format: 'pem' },
  });
  return { pem: privateKey, privateKey: forge.pki.privateKeyFromPem(privateKey), publicKey: forge.pki.publicKeyFromPem(publicKey) };
}

function serial(): string {
  // Positive (leading bit clear), as X.509 requires.
  return '01' + randomBytes(15).toString('hex');
}

function validity(cert: forge.pki.Certificate) {
  cert.validity.notBefore = new Date(Date.now() - 60 * 60 * 1000);
  cert.validity.notAfter = new Date(Date.now() + 24 * 60 * 60 * 1000);
}

export function createTestCa(commonName = 'Sealpost Test CA'): TestCa {
  const caKeys = rsaKeys();
  const caCert = forge.pki.createCertificate();
  caCert.publicKey = caKeys.publicKey;
  caCert.serialNumber = serial();
  validity(caCert);
  const caSubject = [{ name: 'commonName', value: commonName }];
  caCert.setSubject(caSubject);
  caCert.setIssuer(caSubject);
  caCert.setExtensions([
    { name: 'basicConstraints', cA: true, critical: true },
    { name: 'keyUsage', keyCertSign: true, cRLSign: true, critical: true },
    { name: 'subjectKeyIdentifier' },
  ]);
  caCert.sign(caKeys.privateKey, forge.md.sha256.create());

  return {
    cert: forge.pki.certificateToPem(caCert),
    issue(names) {
      const keys = rsaKeys();
      const cert = forge.pki.createCertificate();
      cert.publicKey = keys.publicKey;
      cert.serialNumber = serial();
      validity(cert);
      cert.setSubject([{ name: 'commonName', value: names[0] }]);
      cert.setIssuer(caSubject);
      cert.setExtensions([
        { name: 'basicConstraints', cA: false },
        { name: 'keyUsage', digitalSignature: true, keyEncipherment: true, critical: true },
        { name: 'extKeyUsage', serverAuth: true },
        { name: 'subjectAltName', altNames: names.map((n) => (net.isIP(n) ? { type: 7, ip: n } : { type: 2, value: n })) },
        { name: 'authorityKeyIdentifier', keyIdentifier: caCert.generateSubjectKeyIdentifier().getBytes() },
      ]);
      cert.sign(caKeys.privateKey, forge.md.sha256.create());
      return { key: keys.pem, cert: forge.pki.certificateToPem(cert) };
    },
  };
}

export type ReceivedMessage = {
  from: string;
  to: string[];
  bytes: number;
  sha256: string;
  /** Kept only when `keepBodies` is set (small messages). */
  body: Buffer | null;
  secure: boolean;
  servername: string | null;
  user: string | null;
};

export type SmtpReplyError = Error & { responseCode: number };

/** An error smtp-server turns into the reply "<code> <message>". */
export function reply(code: number, text: string): SmtpReplyError {
  return Object.assign(new Error(text), { responseCode: code });
}

export type TestMxOptions = {
  /** Certificate for STARTTLS; null: STARTTLS neither offered nor accepted. */
  tls: KeyAndCert | null;
  /** Refuse the connection at greeting (e.g. reply(421, ...)); n counts connections from 1. */
  onConnect?: (n: number) => SmtpReplyError | null;
  onMailFrom?: (address: string, n: number) => SmtpReplyError | null;
  /** n counts RCPT commands for this address from 1. */
  onRcptTo?: (address: string, n: number) => SmtpReplyError | null;
  /** Reply to the final dot instead of 250. */
  onData?: (received: ReceivedMessage) => SmtpReplyError | null;
  /** Require AUTH PLAIN/LOGIN with these credentials (after STARTTLS). */
  auth?: { user: string; pass: string };
  keepBodies?: boolean;
  /** Extra TLS settings for the server side of STARTTLS (e.g. protocol versions). */
  tlsOptions?: tls.SecureContextOptions;
  /** SIZE limit announced in EHLO. */
  size?: number;
};

export type TestMx = {
  port: number;
  /** Every event, in order: "connect", "mail:<addr>", "rcpt:<addr>", "data" … */
  events: string[];
  received: ReceivedMessage[];
  connections: number;
  /** Message bytes taken in so far, across all transactions (counted as they arrive). */
  bytesIn: number;
  close(): Promise<void>;
};

export async function startMx(options: TestMxOptions): Promise<TestMx> {
  const events: string[] = [];
  const received: ReceivedMessage[] = [];
  let connections = 0;
  let bytesIn = 0;
  const rcptCounts = new Map<string, number>();
  const userOf = (session: SMTPServerSession) => (typeof session.user === 'string' ? session.user : null);

  const server = new SMTPServer({
    secure: false,
    logger: false,
    ...(options.tls ? { ...options.tlsOptions, key: options.tls.key, cert: options.tls.cert } : {}),
    disabledCommands: [...(options.tls ? [] : ['STARTTLS']), ...(options.auth ? [] : ['AUTH'])],
    authOptional: !options.auth,
    ...(options.size ? { size: options.size } : {}),
    closeTimeout: 100,
    onAuth(auth, _session, callback) {
      if (options.auth && auth.username === options.auth.user && auth.password === options.auth.pass) {
        events.push(`auth:${auth.username}`);
        callback(null, { user: auth.username });
      } else {
        callback(reply(535, '5.7.8 Authentication credentials invalid'));
      }
    },
    onConnect(_session, callback) {
      connections += 1;
      events.push('connect');
      callback(options.onConnect?.(connections) ?? null);
    },
    onMailFrom(address, _session, callback) {
      events.push(`mail:${address.address}`);
      callback(options.onMailFrom?.(address.address, connections) ?? null);
    },
    onRcptTo(address, _session, callback) {
      const n = (rcptCounts.get(address.address) ?? 0) + 1;
      rcptCounts.set(address.address, n);
      events.push(`rcpt:${address.address}`);
      callback(options.onRcptTo?.(address.address, n) ?? null);
    },
    onData(stream, session, callback) {
      events.push('data');
      const hash = createHash('sha256');
      const chunks: Buffer[] = [];
      let bytes = 0;
      stream.on('data', (chunk: Buffer) => {
        hash.update(chunk);
        bytes += chunk.length;
        bytesIn += chunk.length;
        if (options.keepBodies) chunks.push(chunk);
      });
      stream.on('end', () => {
        const message: ReceivedMessage = {
          from: session.envelope.mailFrom ? session.envelope.mailFrom.address : '',
          to: session.envelope.rcptTo.map((r) => r.address),
          bytes,
          sha256: hash.digest('hex'),
          body: options.keepBodies ? Buffer.concat(chunks) : null,
          secure: session.secure,
          servername: typeof session.servername === 'string' ? session.servername : null,
          user: userOf(session),
        };
        const refusal = options.onData?.(message) ?? null;
        if (!refusal) received.push(message);
        callback(refusal);
      });
    },
  });
  server.on('error', () => {
    // Client disconnects mid-session surface here; the tests assert on what was received.
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.server.address() as net.AddressInfo).port;
  return {
    port,
    events,
    received,
    get connections() {
      return connections;
    },
    get bytesIn() {
      return bytesIn;
    },
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}

/** A server that accepts connections and never says anything (greeting timeout). */
export async function silentServer(): Promise<{ port: number; close(): Promise<void> }> {
  const sockets = new Set<net.Socket>();
  const server = net.createServer((socket) => {
    sockets.add(socket);
    socket.on('error', () => {});
    socket.on('close', () => sockets.delete(socket));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    port: (server.address() as net.AddressInfo).port,
    close: () =>
      new Promise<void>((resolve) => {
        for (const s of sockets) s.destroy();
        server.close(() => resolve());
      }),
  };
}

/** A port on 127.0.0.1 where nothing listens (connection refused). */
export async function closedPort(): Promise<number> {
  const probe = net.createServer();
  await new Promise<void>((resolve) => probe.listen(0, '127.0.0.1', resolve));
  const { port } = probe.address() as net.AddressInfo;
  await new Promise<void>((resolve) => probe.close(() => resolve()));
  return port;
}
