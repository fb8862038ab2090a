import { createHash } from 'node:crypto';
import { Readable } from 'node:stream';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { deliver, type DeliverOptions } from './deliver';
import { staticResolver, type MxRecord } from './route';
import { closedPort, createTestCa, reply, silentServer, startMx, type TestCa, type TestMx } from './test-servers';

const RAW = [
  'From: Alice <alice@sender.test>',
  'To: Bob <bob@dest.test>',
  'Subject: Quarterly figures',
  'Message-ID: <m1@sender.test>',
  'Date: Mon, 07 Dec 2026 05:00:00 +0000',
  'MIME-Version: 1.0',
  'Content-Type: text/plain; charset=us-ascii',
  '',
  'Hello Bob,',
  '.a line that starts with a dot must survive dot-stuffing',
  '',
].join('\r\n');
const RAW_SHA = createHash('sha256').update(RAW).digest('hex');

let ca: TestCa;
const servers: TestMx[] = [];
let opened = 0;

beforeAll(() => {
  ca = createTestCa();
});

afterAll(async () => {
  await Promise.all(servers.map((s) => s.close()));
});

async function mx(options: Parameters<typeof startMx>[0]): Promise<TestMx> {
  const server = await startMx(options);
  servers.push(server);
  return server;
}

/** Routes for one test: MX records per domain, every host on 127.0.0.1 at its own port. */
function routes(mxTable: Record<string, MxRecord[]>, hostPorts: Record<string, number>, extraA: Record<string, string[]> = {}) {
  return {
    resolver: staticResolver({
      mx: mxTable,
      a: { ...Object.fromEntries(Object.keys(hostPorts).map((h) => [h, ['127.0.0.1']])), ...extraA },
    }),
    ports: hostPorts,
  };
}

function message(): Readable {
  opened += 1;
  return Readable.from([Buffer.from(RAW)]);
}

const base = {
  envelope: { from: 'bounce+abc@bounces.sealpost.test', to: ['bob@dest.test'] },
  message,
  heloName: 'out.sealpost.test',
  timeouts: { connect: 2000, greeting: 5000, socket: 10_000 },
} satisfies Partial<DeliverOptions>;

describe('deliver to a recipient MX', () => {
  it('delivers over verified TLS and reports the TLS session', async () => {
    const server = await mx({ tls: ca.issue(['mx.dest.test']), keepBodies: true });
    const report = await deliver({
      ...base,
      tls: 'verified',
      ca: ca.cert,
      ...routes({ 'dest.test': [{ exchange: 'mx.dest.test', priority: 10 }] }, { 'mx.dest.test': server.port }),
    });
    const [r] = report.recipients;
    expect(r).toMatchObject({
      recipient: 'bob@dest.test',
      outcome: 'delivered',
      remoteServer: 'mx.dest.test',
      remoteAddress: `127.0.0.1:${server.port}`,
      smtpCode: 250,
      tls: { verified: true },
    });
    expect(r.tls?.version).toMatch(/^TLSv1\.[23]$/);
    expect(r.tls?.cipher).toBeTruthy();
    expect(server.received).toHaveLength(1);
    expect(server.received[0]).toMatchObject({
      from: 'bounce+abc@bounces.sealpost.test',
      to: ['bob@dest.test'],
      secure: true,
      servername: 'mx.dest.test',
      sha256: RAW_SHA,
    });
  });

  it('defers on a 4xx reply and delivers on the next attempt (greylisting)', async () => {
    const server = await mx({
      tls: ca.issue(['mx.grey.test']),
      onRcptTo: (_address, n) => (n === 1 ? reply(451, '4.7.1 Greylisted, please try again later') : null),
    });
    const options = {
      ...base,
      envelope: { from: base.envelope.from, to: ['carol@grey.test'] },
      tls: 'verified' as const,
      ca: ca.cert,
      ...routes({ 'grey.test': [{ exchange: 'mx.grey.test', priority: 10 }] }, { 'mx.grey.test': server.port }),
    };
    const first = await deliver(options);
    expect(first.recipients[0]).toMatchObject({
      outcome: 'deferred',
      smtpCode: 451,
      enhancedCode: '4.7.1',
      diagnostic: '451 4.7.1 Greylisted, please try again later',
    });
    expect(server.received).toHaveLength(0);
    const second = await deliver(options);
    expect(second.recipients[0]).toMatchObject({ outcome: 'delivered', smtpCode: 250 });
    expect(server.received).toHaveLength(1);
  });

  it('bounces on a 5xx reply with the code, enhanced code and text parsed', async () => {
    const server = await mx({
      tls: ca.issue(['mx.gone.test']),
      onRcptTo: () => reply(550, '5.1.1 <dave@gone.test>: Recipient address rejected: User unknown'),
    });
    const before = opened;
    const report = await deliver({
      ...base,
      envelope: { from: base.envelope.from, to: ['dave@gone.test'] },
      tls: 'opportunistic',
      ca: ca.cert,
      ...routes({ 'gone.test': [{ exchange: 'mx.gone.test', priority: 10 }] }, { 'mx.gone.test': server.port }),
    });
    expect(report.recipients[0]).toMatchObject({
      outcome: 'bounced',
      smtpCode: 550,
      enhancedCode: '5.1.1',
      diagnostic: '550 5.1.1 <dave@gone.test>: Recipient address rejected: User unknown',
      remoteServer: 'mx.gone.test',
    });
    expect(server.events).not.toContain('data');
    // A refused envelope never opens the message (no read from storage for nothing).
    expect(opened).toBe(before);
  });

  it('without STARTTLS: opportunistic sends in plain text and says so', async () => {
    const server = await mx({ tls: null });
    const report = await deliver({
      ...base,
      envelope: { from: base.envelope.from, to: ['erin@plain.test'] },
      tls: 'opportunistic',
      ca: ca.cert,
      ...routes({ 'plain.test': [{ exchange: 'mx.plain.test', priority: 10 }] }, { 'mx.plain.test': server.port }),
    });
    expect(report.recipients[0]).toMatchObject({ outcome: 'delivered', tls: null, smtpCode: 250 });
    expect(report.attempts).toEqual([expect.objectContaining({ host: 'mx.plain.test', tls: null, transaction: true })]);
    expect(server.received).toHaveLength(1);
    expect(server.received[0].secure).toBe(false);
  });

  it('without STARTTLS: verified gives tls_unavailable and the server receives nothing', async () => {
    const server = await mx({ tls: null });
    const before = opened;
    const report = await deliver({
      ...base,
      envelope: { from: base.envelope.from, to: ['erin@plain2.test'] },
      tls: 'verified',
      ca: ca.cert,
      ...routes({ 'plain2.test': [{ exchange: 'mx.plain2.test', priority: 10 }] }, { 'mx.plain2.test': server.port }),
    });
    expect(report.recipients[0]).toMatchObject({ outcome: 'tls_unavailable', smtpCode: null, enhancedCode: '4.7.5', tls: null });
    expect(report.recipients[0].diagnostic).toMatch(/TLS with mx\.plain2\.test failed/);
    expect(server.connections).toBe(1);
    expect(server.events).toEqual(['connect']);
    expect(server.received).toHaveLength(0);
    expect(opened).toBe(before);
  });

  it('with a certificate for another name: verified gives tls_unavailable and the server receives nothing', async () => {
    const server = await mx({ tls: ca.issue(['some-other-host.test']) });
    const report = await deliver({
      ...base,
      envelope: { from: base.envelope.from, to: ['fay@wrongname.test'] },
      tls: 'verified',
      ca: ca.cert,
      ...routes({ 'wrongname.test': [{ exchange: 'mx.wrongname.test', priority: 10 }] }, { 'mx.wrongname.test': server.port }),
    });
    expect(report.recipients[0]).toMatchObject({ outcome: 'tls_unavailable', tls: null });
    expect(report.recipients[0].diagnostic).toMatch(/mx\.wrongname\.test/);
    expect(report.recipients[0].diagnostic).toMatch(/altnames|certificate/i);
    expect(server.events).toEqual(['connect']);
    expect(server.received).toHaveLength(0);
  });

  it('with a certificate from an unknown CA: verified gives tls_unavailable; opportunistic delivers, unverified', async () => {
    const otherCa = createTestCa('Some Other CA');
    const server = await mx({ tls: otherCa.issue(['mx.selfca.test']) });
    const options = {
      ...base,
      envelope: { from: base.envelope.from, to: ['gus@selfca.test'] },
      ca: ca.cert,
      ...routes({ 'selfca.test': [{ exchange: 'mx.selfca.test', priority: 10 }] }, { 'mx.selfca.test': server.port }),
    };
    const verified = await deliver({ ...options, tls: 'verified' });
    expect(verified.recipients[0].outcome).toBe('tls_unavailable');
    expect(server.received).toHaveLength(0);
    const opportunistic = await deliver({ ...options, tls: 'opportunistic' });
    expect(opportunistic.recipients[0]).toMatchObject({ outcome: 'delivered', tls: { verified: false } });
    expect(server.received[0].secure).toBe(true);
  });

  it('when the TLS handshake itself fails: opportunistic reconnects and sends in plain text; verified does not', async () => {
    // The server speaks only TLS 1.0, which Node refuses: STARTTLS is offered, the handshake fails.
    const server = await mx({ tls: ca.issue(['mx.oldtls.test']), tlsOptions: { minVersion: 'TLSv1', maxVersion: 'TLSv1' } });
    const options = {
      ...base,
      envelope: { from: base.envelope.from, to: ['ivy@oldtls.test'] },
      ca: ca.cert,
      ...routes({ 'oldtls.test': [{ exchange: 'mx.oldtls.test', priority: 10 }] }, { 'mx.oldtls.test': server.port }),
    };
    const verified = await deliver({ ...options, tls: 'verified' });
    expect(verified.recipients[0].outcome).toBe('tls_unavailable');
    expect(server.received).toHaveLength(0);

    const opportunistic = await deliver({ ...options, tls: 'opportunistic' });
    expect(opportunistic.recipients[0]).toMatchObject({ outcome: 'delivered', tls: null });
    expect(opportunistic.attempts).toEqual([
      expect.objectContaining({ host: 'mx.oldtls.test', transaction: false, error: expect.stringMatching(/TLS with mx\.oldtls\.test failed.*retrying without TLS/) }),
      expect.objectContaining({ host: 'mx.oldtls.test', transaction: true, tls: null }),
    ]);
    expect(server.received).toHaveLength(1);
    expect(server.received[0].secure).toBe(false);
  });

  it('verified: skips an MX without a valid certificate and delivers through the next one', async () => {
    const bad = await mx({ tls: ca.issue(['not-the-mx.test']) });
    const good = await mx({ tls: ca.issue(['mx2.mixed.test']) });
    const report = await deliver({
      ...base,
      envelope: { from: base.envelope.from, to: ['hal@mixed.test'] },
      tls: 'verified',
      ca: ca.cert,
      ...routes(
        { 'mixed.test': [{ exchange: 'mx1.mixed.test', priority: 10 }, { exchange: 'mx2.mixed.test', priority: 20 }] },
        { 'mx1.mixed.test': bad.port, 'mx2.mixed.test': good.port },
      ),
    });
    expect(report.recipients[0]).toMatchObject({ outcome: 'delivered', remoteServer: 'mx2.mixed.test', tls: { verified: true } });
    expect(report.attempts.map((a) => [a.host, a.transaction])).toEqual([
      ['mx1.mixed.test', false],
      ['mx2.mixed.test', true],
    ]);
    expect(bad.received).toHaveLength(0);
    expect(good.received).toHaveLength(1);
  });
});

describe('routing', () => {
  it('uses the MX with the lowest preference first, whatever order DNS lists them in', async () => {
    const primary = await mx({ tls: ca.issue(['mx-a.pref.test']) });
    const backup = await mx({ tls: ca.issue(['mx-b.pref.test']) });
    const report = await deliver({
      ...base,
      envelope: { from: base.envelope.from, to: ['ida@pref.test'] },
      tls: 'verified',
      ca: ca.cert,
      ...routes(
        { 'pref.test': [{ exchange: 'mx-b.pref.test', priority: 20 }, { exchange: 'mx-a.pref.test', priority: 5 }] },
        { 'mx-a.pref.test': primary.port, 'mx-b.pref.test': backup.port },
      ),
    });
    expect(report.recipients[0]).toMatchObject({ outcome: 'delivered', remoteServer: 'mx-a.pref.test' });
    expect(primary.received).toHaveLength(1);
    expect(backup.connections).toBe(0);
  });

  it('falls back to the second MX when the first is down', async () => {
    const downPort = await closedPort();
    const backup = await mx({ tls: ca.issue(['mx2.down.test']) });
    const report = await deliver({
      ...base,
      envelope: { from: base.envelope.from, to: ['jo@down.test'] },
      tls: 'verified',
      ca: ca.cert,
      ...routes(
        { 'down.test': [{ exchange: 'mx1.down.test', priority: 10 }, { exchange: 'mx2.down.test', priority: 20 }] },
        { 'mx1.down.test': downPort, 'mx2.down.test': backup.port },
      ),
    });
    expect(report.recipients[0]).toMatchObject({ outcome: 'delivered', remoteServer: 'mx2.down.test' });
    expect(report.attempts[0]).toMatchObject({ host: 'mx1.down.test', transaction: false });
    expect(report.attempts[0].error).toMatch(/ECONNREFUSED|refused/i);
  });

  it('falls back to the second MX when the first answers 4xx at greeting', async () => {
    const busy = await mx({ tls: ca.issue(['mx1.busy.test']), onConnect: () => reply(421, '4.3.2 Too busy, try later') });
    const backup = await mx({ tls: ca.issue(['mx2.busy.test']) });
    const report = await deliver({
      ...base,
      envelope: { from: base.envelope.from, to: ['kim@busy.test'] },
      tls: 'verified',
      ca: ca.cert,
      ...routes(
        { 'busy.test': [{ exchange: 'mx1.busy.test', priority: 10 }, { exchange: 'mx2.busy.test', priority: 20 }] },
        { 'mx1.busy.test': busy.port, 'mx2.busy.test': backup.port },
      ),
    });
    expect(report.recipients[0]).toMatchObject({ outcome: 'delivered', remoteServer: 'mx2.busy.test' });
    expect(report.attempts[0].error).toMatch(/421/);
    expect(busy.received).toHaveLength(0);
  });

  it('skips an MX that greets with 5xx and defers when it was the only one (like Postfix smtp_skip_5xx_greeting)', async () => {
    const closed = await mx({ tls: ca.issue(['mx.closed.test']), onConnect: () => reply(554, '5.3.2 No SMTP service here') });
    const report = await deliver({
      ...base,
      envelope: { from: base.envelope.from, to: ['tom@closed.test'] },
      tls: 'verified',
      ca: ca.cert,
      ...routes({ 'closed.test': [{ exchange: 'mx.closed.test', priority: 10 }] }, { 'mx.closed.test': closed.port }),
    });
    expect(report.recipients[0]).toMatchObject({ outcome: 'deferred', smtpCode: 554, enhancedCode: '4.4.1', remoteServer: 'mx.closed.test' });
    expect(report.recipients[0].diagnostic).toMatch(/554 5\.3\.2 No SMTP service here/);
  });

  it('moves on from an MX that never greets', async () => {
    const silent = await silentServer();
    const backup = await mx({ tls: ca.issue(['mx2.mute.test']) });
    try {
      const report = await deliver({
        ...base,
        envelope: { from: base.envelope.from, to: ['lou@mute.test'] },
        tls: 'verified',
        ca: ca.cert,
        timeouts: { connect: 1000, greeting: 300, socket: 5000 },
        ...routes(
          { 'mute.test': [{ exchange: 'mx1.mute.test', priority: 10 }, { exchange: 'mx2.mute.test', priority: 20 }] },
          { 'mx1.mute.test': silent.port, 'mx2.mute.test': backup.port },
        ),
      });
      expect(report.recipients[0]).toMatchObject({ outcome: 'delivered', remoteServer: 'mx2.mute.test' });
      expect(report.attempts[0].error).toMatch(/Greeting never received/);
    } finally {
      await silent.close();
    }
  });

  it('defers when every MX is down, naming each failure', async () => {
    const [p1, p2] = [await closedPort(), await closedPort()];
    const report = await deliver({
      ...base,
      envelope: { from: base.envelope.from, to: ['lee@alldown.test'] },
      tls: 'verified',
      ca: ca.cert,
      ...routes(
        { 'alldown.test': [{ exchange: 'mx1.alldown.test', priority: 10 }, { exchange: 'mx2.alldown.test', priority: 20 }] },
        { 'mx1.alldown.test': p1, 'mx2.alldown.test': p2 },
      ),
    });
    expect(report.recipients[0]).toMatchObject({ outcome: 'deferred', enhancedCode: '4.4.1', smtpCode: null });
    expect(report.recipients[0].diagnostic).toMatch(/mx1\.alldown\.test.*mx2\.alldown\.test/);
  });

  it('delivers to the domain itself (A record) when it has no MX', async () => {
    const server = await mx({ tls: ca.issue(['nomx.test']) });
    const report = await deliver({
      ...base,
      envelope: { from: base.envelope.from, to: ['max@nomx.test'] },
      tls: 'verified',
      ca: ca.cert,
      ...routes({}, { 'nomx.test': server.port }),
    });
    expect(report.recipients[0]).toMatchObject({ outcome: 'delivered', remoteServer: 'nomx.test', tls: { verified: true } });
    expect(server.received).toHaveLength(1);
  });

  it('bounces a domain with a null MX without connecting anywhere', async () => {
    const before = opened;
    const report = await deliver({
      ...base,
      envelope: { from: base.envelope.from, to: ['ned@nullmx.test'] },
      tls: 'opportunistic',
      ...routes({ 'nullmx.test': [{ exchange: '', priority: 0 }] }, {}, { 'nullmx.test': ['127.0.0.1'] }),
    });
    expect(report.recipients[0]).toMatchObject({ outcome: 'bounced', enhancedCode: '5.1.10', smtpCode: null, remoteServer: null });
    expect(report.attempts).toEqual([]);
    expect(opened).toBe(before);
  });

  it('bounces a domain that does not exist', async () => {
    const report = await deliver({ ...base, envelope: { from: base.envelope.from, to: ['oz@nowhere.test'] }, tls: 'opportunistic', ...routes({}, {}) });
    expect(report.recipients[0]).toMatchObject({ outcome: 'bounced', enhancedCode: '5.1.2' });
  });

  it('sends everything through the smart host, authenticated over TLS, instead of the MX', async () => {
    const relay = await mx({ tls: ca.issue(['relay.isp.test']), auth: { user: 'sealpost', pass: 'relay-secret' } });
    const directMx = await mx({ tls: ca.issue(['mx.viarelay.test']) });
    const report = await deliver({
      ...base,
      envelope: { from: base.envelope.from, to: ['pia@viarelay.test'] },
      tls: 'verified',
      ca: ca.cert,
      relay: { host: 'relay.isp.test', port: relay.port, auth: { user: 'sealpost', pass: 'relay-secret' } },
      ...routes({ 'viarelay.test': [{ exchange: 'mx.viarelay.test', priority: 10 }] }, { 'relay.isp.test': relay.port, 'mx.viarelay.test': directMx.port }),
    });
    expect(report.recipients[0]).toMatchObject({ outcome: 'delivered', remoteServer: 'relay.isp.test', tls: { verified: true } });
    expect(relay.received).toHaveLength(1);
    expect(relay.received[0]).toMatchObject({ user: 'sealpost', secure: true, to: ['pia@viarelay.test'] });
    expect(directMx.connections).toBe(0);
  });

  it('never sends smart-host credentials in plain text', async () => {
    const relay = await mx({ tls: null });
    const report = await deliver({
      ...base,
      envelope: { from: base.envelope.from, to: ['quin@viarelay2.test'] },
      tls: 'opportunistic',
      relay: { host: 'relay2.isp.test', port: relay.port, auth: { user: 'sealpost', pass: 'relay-secret' } },
      ...routes({}, { 'relay2.isp.test': relay.port }),
    });
    expect(report.recipients[0]).toMatchObject({ outcome: 'deferred' });
    expect(report.recipients[0].diagnostic).toMatch(/credentials are not sent in plain text/);
    expect(relay.events).toEqual(['connect']);
  });
});

describe('one transaction, several recipients', () => {
  it('reports each RCPT reply: accepted, refused and deferred in the same transaction', async () => {
    const server = await mx({
      tls: ca.issue(['mx.multi.test']),
      onRcptTo: (address) =>
        address.startsWith('gone') ? reply(550, '5.1.1 No such user') : address.startsWith('full') ? reply(452, '4.2.2 Mailbox full') : null,
    });
    const report = await deliver({
      ...base,
      envelope: { from: base.envelope.from, to: ['ann@multi.test', 'gone@multi.test', 'full@multi.test', 'ben@multi.test'] },
      tls: 'verified',
      ca: ca.cert,
      ...routes({ 'multi.test': [{ exchange: 'mx.multi.test', priority: 10 }] }, { 'mx.multi.test': server.port }),
    });
    expect(report.recipients.map((r) => [r.recipient, r.outcome, r.smtpCode, r.enhancedCode])).toEqual([
      ['ann@multi.test', 'delivered', 250, ''],
      ['gone@multi.test', 'bounced', 550, '5.1.1'],
      ['full@multi.test', 'deferred', 452, '4.2.2'],
      ['ben@multi.test', 'delivered', 250, ''],
    ]);
    expect(server.received).toHaveLength(1);
    expect(server.received[0].to).toEqual(['ann@multi.test', 'ben@multi.test']);
  });

  it('keeps RCPT refusals apart from a refusal of the message itself', async () => {
    const server = await mx({
      tls: ca.issue(['mx.content.test']),
      onRcptTo: (address) => (address.startsWith('gone') ? reply(550, '5.1.1 No such user') : null),
      onData: () => reply(554, '5.7.1 Message rejected as spam'),
    });
    const report = await deliver({
      ...base,
      envelope: { from: base.envelope.from, to: ['ann@content.test', 'gone@content.test'] },
      tls: 'verified',
      ca: ca.cert,
      ...routes({ 'content.test': [{ exchange: 'mx.content.test', priority: 10 }] }, { 'mx.content.test': server.port }),
    });
    expect(report.recipients.map((r) => [r.recipient, r.outcome, r.smtpCode, r.enhancedCode])).toEqual([
      ['ann@content.test', 'bounced', 554, '5.7.1'],
      ['gone@content.test', 'bounced', 550, '5.1.1'],
    ]);
  });

  it('applies a refused MAIL FROM to every recipient', async () => {
    const server = await mx({ tls: ca.issue(['mx.nosender.test']), onMailFrom: () => reply(451, '4.3.0 Sender check failed, try later') });
    const report = await deliver({
      ...base,
      envelope: { from: base.envelope.from, to: ['a@nosender.test', 'b@nosender.test'] },
      tls: 'verified',
      ca: ca.cert,
      ...routes({ 'nosender.test': [{ exchange: 'mx.nosender.test', priority: 10 }] }, { 'mx.nosender.test': server.port }),
    });
    expect(report.recipients.map((r) => [r.outcome, r.smtpCode, r.enhancedCode])).toEqual([
      ['deferred', 451, '4.3.0'],
      ['deferred', 451, '4.3.0'],
    ]);
  });

  it('bounces a message larger than the SIZE the server announces, before sending it', async () => {
    const server = await mx({ tls: ca.issue(['mx.small.test']), size: 1000 });
    const before = opened;
    const report = await deliver({
      ...base,
      envelope: { from: base.envelope.from, to: ['sam@small.test'] },
      size: 5000,
      tls: 'verified',
      ca: ca.cert,
      ...routes({ 'small.test': [{ exchange: 'mx.small.test', priority: 10 }] }, { 'mx.small.test': server.port }),
    });
    expect(report.recipients[0]).toMatchObject({ outcome: 'bounced', enhancedCode: '5.3.4', smtpCode: null });
    expect(server.events.some((e) => e.startsWith('mail:'))).toBe(false);
    expect(opened).toBe(before);
  });

  it('sends a DSN with the null return path', async () => {
    const server = await mx({ tls: ca.issue(['mx.dsn.test']) });
    const report = await deliver({
      ...base,
      envelope: { from: '', to: ['sender@dsn.test'] },
      tls: 'opportunistic',
      ca: ca.cert,
      ...routes({ 'dsn.test': [{ exchange: 'mx.dsn.test', priority: 10 }] }, { 'mx.dsn.test': server.port }),
    });
    expect(report.recipients[0].outcome).toBe('delivered');
    expect(server.events).toContain('mail:');
    expect(server.received[0].from).toBe('');
  });

  it('bounces a malformed address without contacting anyone and refuses recipients of several domains', async () => {
    const report = await deliver({ ...base, envelope: { from: base.envelope.from, to: ['not an address'] }, tls: 'opportunistic', ...routes({}, {}) });
    expect(report.recipients[0]).toMatchObject({ outcome: 'bounced', enhancedCode: '5.1.3' });
    await expect(
      deliver({ ...base, envelope: { from: base.envelope.from, to: ['a@one.test', 'b@two.test'] }, tls: 'opportunistic', ...routes({}, {}) }),
    ).rejects.toThrow(/several domains/);
  });
});

describe('smart host with implicit TLS (port 465)', () => {
  it('delivers when the certificate is valid and reports tls_unavailable when it is not', async () => {
    const { SMTPServer } = await import('smtp-server');
    const start = async (names: string[]) => {
      const received: string[] = [];
      const server = new SMTPServer({
        secure: true,
        ...ca.issue(names),
        logger: false,
        authOptional: true,
        disabledCommands: ['AUTH'],
        onData(stream, session, callback) {
          stream.resume();
          stream.on('end', () => {
            received.push(session.envelope.rcptTo.map((r) => r.address).join(','));
            callback();
          });
        },
      });
      server.on('error', () => {});
      await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
      const port = (server.server.address() as { port: number }).port;
      servers.push({ port, events: [], received: [], connections: 0, bytesIn: 0, close: () => new Promise<void>((r) => server.close(() => r())) });
      return { port, received };
    };
    const good = await start(['smtps.isp.test']);
    const bad = await start(['elsewhere.isp.test']);
    const send = (port: number) =>
      deliver({
        ...base,
        envelope: { from: base.envelope.from, to: ['rae@implicit465.test'] },
        tls: 'verified',
        ca: ca.cert,
        relay: { host: 'smtps.isp.test', port, implicitTls: true },
        ...routes({}, { 'smtps.isp.test': port }),
      });
    expect((await send(good.port)).recipients[0]).toMatchObject({ outcome: 'delivered', tls: { verified: true } });
    expect(good.received).toEqual(['rae@implicit465.test']);
    expect((await send(bad.port)).recipients[0]).toMatchObject({ outcome: 'tls_unavailable' });
    expect(bad.received).toEqual([]);
  });
});
