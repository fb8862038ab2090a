import fs from 'node:fs';
import path from 'node:path';
import { generate } from 'selfsigned';
import { env } from '@/lib/env';
import { returnPathKeyFrom } from './deliver-message';
import { startGateway, type Gateway } from './gateway';

/**
 * The STARTTLS pair: SMTP_TLS_CERT / SMTP_TLS_KEY when set; in demo mode a self-signed pair made
 * once under the data folder (so a mail client can be told to trust it once); otherwise none, and
 * then the gateway offers neither STARTTLS nor AUTH (connectors by IP range still work).
 */
export async function gatewayTls(): Promise<{ key: Buffer; cert: Buffer } | undefined> {
  const config = env();
  if (config.SMTP_TLS_CERT || config.SMTP_TLS_KEY) {
    if (!config.SMTP_TLS_CERT || !config.SMTP_TLS_KEY) throw new Error('Set both SMTP_TLS_CERT and SMTP_TLS_KEY, or neither.');
    return { cert: fs.readFileSync(config.SMTP_TLS_CERT), key: fs.readFileSync(config.SMTP_TLS_KEY) };
  }
  if (!config.SEALPOST_DEMO) return undefined;
  const dir = path.resolve(config.SEALPOST_DATA_DIR ?? '.data', 'smtp-tls');
  const certFile = path.join(dir, 'cert.pem');
  const keyFile = path.join(dir, 'key.pem');
  if (!fs.existsSync(certFile) || !fs.existsSync(keyFile)) {
    const pems = await generate([{ name: 'commonName', value: config.SMTP_HOSTNAME }], {
      keySize: 2048,
      algorithm: 'sha256',
      notAfterDate: new Date(Date.now() + 5 * 365 * 86_400_000),
      extensions: [
        { name: 'basicConstraints', cA: false },
        { name: 'keyUsage', digitalSignature: true, keyEncipherment: true },
        { name: 'extKeyUsage', serverAuth: true },
        { name: 'subjectAltName', altNames: [{ type: 2, value: config.SMTP_HOSTNAME }, { type: 2, value: 'localhost' }, { type: 7, ip: '127.0.0.1' }, { type: 7, ip: '::1' }] },
      ],
    });
    fs.mkdirSync(dir, { recursive: true, mode: 0o700 });
    fs.writeFileSync(keyFile, pems.private, { mode: 0o600 });
    fs.writeFileSync(certFile, pems.cert);
  }
  return { cert: fs.readFileSync(certFile), key: fs.readFileSync(keyFile) };
}

/** Starts the gateway as configured (lib/env.ts): `npm start` calls this once per `npm start`, in the primary process. */
export async function startConfiguredGateway(): Promise<Gateway> {
  const config = env();
  return startGateway({
    port: config.SMTP_PORT,
    host: config.SMTP_HOST,
    hostname: config.SMTP_HOSTNAME,
    tls: await gatewayTls(),
    maxMessageBytes: config.SMTP_MAX_MESSAGE_BYTES,
    maxRecipients: config.SMTP_MAX_RECIPIENTS,
    rateLimitPerMinute: config.SMTP_RATE_LIMIT_PER_MINUTE,
    // Bounces at the return paths the delivery job signs (deliveryJobOptions: the same key).
    bounces: { domain: config.SMTP_HOSTNAME, keys: [returnPathKeyFrom(config.AUTH_SECRET ?? 'sealpost-demo-return-path')] },
  });
}
