import { createHmac, randomBytes, randomUUID } from 'node:crypto';
import { and, eq, sql } from 'drizzle-orm';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { POST as postDeliveryEvents } from '@/app/api/delivery-events/route';
import { POST as postResendWebhook } from '@/app/api/webhooks/resend/route';
import { getDb } from '@/db/client';
import { apiKeys, auditEvents, deliveryEvents, outboxMessages, webhookEvents } from '@/db/schema';
import { hashToken } from '@/lib/auth/tokens';
import { actorFor, createTestOrg } from '@/tests/factories';
import { refusal } from '@/tests/refusal';
import { authenticateApiKey, createApiKey, listApiKeys, revokeApiKey } from './api-keys';
import { ingestDeliveryEvents, MAX_EVENTS_PER_REQUEST, parseDeliveryEvents } from './ingest';
import { resetEnvCache } from '@/lib/env';

// The routes authenticate by API key or signature, never by session; this keeps next-auth (which
// needs the Next.js server runtime) out of the test.
vi.mock('@/lib/auth/session', () => ({ getCurrentAdmin: async () => null }));

const event = (overrides: Record<string, unknown> = {}) => ({
  occurredAt: '2026-03-01T12:00:00Z',
  messageId: '<m1@mail.example.com>',
  sender: 'Billing@Example.com',
  recipient: 'Person@Example.org',
  event: 'bounced',
  method: 'tls',
  remoteServer: 'mx.example.org',
  smtpCode: 550,
  enhancedCode: '5.1.1',
  diagnostic: 'User unknown',
  bounceClass: 'hard',
  ...overrides,
});

async function eventsOf(orgId: string) {
  return getDb().select().from(deliveryEvents).where(eq(deliveryEvents.orgId, orgId)).orderBy(deliveryEvents.id);
}

async function ownerKey() {
  const org = await createTestOrg();
  const owner = await actorFor(org.ownerId);
  const created = await createApiKey({ actor: owner, name: 'MTA' });
  return { org, owner, ...created };
}

function ingestRequest(body: string | Uint8Array<ArrayBuffer>, key?: string, extra: Record<string, string> = {}) {
  const headers: Record<string, string> = { 'content-type': 'application/json', ...extra };
  if (key) headers.authorization = `Bearer ${key}`;
  return new Request('http://sealpost.test/api/delivery-events', { method: 'POST', headers, body });
}

describe('API keys', () => {
  it('creates a key shown once, stores only its hash, audits it, lists it without the hash', async () => {
    const { org, id, key, prefix } = await ownerKey();
    expect(key).toMatch(/^sp_[A-Za-z0-9_-]{43}$/);
    expect(key.startsWith(prefix)).toBe(true);
    const [stored] = await getDb().select().from(apiKeys).where(eq(apiKeys.id, id));
    expect(stored.keyHash).toBe(hashToken(key));
    expect(JSON.stringify(stored)).not.toContain(key);

    const listed = await listApiKeys(getDb(), org.orgId);
    expect(listed).toHaveLength(1);
    expect(listed[0]).toMatchObject({ id, name: 'MTA', prefix, createdBy: `owner@${org.domain}`, createdByName: 'Owner Person', lastUsedAt: null, revokedAt: null });
    expect(Object.keys(listed[0])).not.toContain('keyHash');
    expect(JSON.stringify(listed)).not.toContain(stored.keyHash);

    const audit = await getDb().select().from(auditEvents).where(and(eq(auditEvents.orgId, org.orgId), eq(auditEvents.action, 'api_keys.created')));
    expect(audit).toHaveLength(1);
    expect(audit[0].targetId).toBe(id);
    expect(audit[0].summary).not.toContain(key);
  });

  it('records the use at most once a minute, and still refuses a revoked key at once', async () => {
    const { org, owner, id, key } = await ownerKey();
    const t0 = new Date('2026-03-01T10:00:00Z');
    expect(await authenticateApiKey(key, t0)).toEqual({ orgId: org.orgId, keyId: id });
    expect(await authenticateApiKey(key, new Date(t0.getTime() + 30_000))).toEqual({ orgId: org.orgId, keyId: id });
    expect((await listApiKeys(getDb(), org.orgId))[0].lastUsedAt).toEqual(t0);
    const later = new Date(t0.getTime() + 61_000);
    await authenticateApiKey(key, later);
    expect((await listApiKeys(getDb(), org.orgId))[0].lastUsedAt).toEqual(later);
    await revokeApiKey({ actor: owner, id });
    expect(await authenticateApiKey(key, new Date(later.getTime() + 1_000))).toBeNull();
  });

  it('authenticates a key to its organisation, records the use, and refuses it once revoked', async () => {
    const { org, owner, id, key } = await ownerKey();
    const now = new Date('2026-03-01T10:00:00Z');
    expect(await authenticateApiKey(key, now)).toEqual({ orgId: org.orgId, keyId: id });
    expect((await listApiKeys(getDb(), org.orgId))[0].lastUsedAt).toEqual(now);
    expect(await authenticateApiKey(`${key.slice(0, -1)}${key.endsWith('A') ? 'B' : 'A'}`)).toBeNull();
    expect(await authenticateApiKey('')).toBeNull();
    expect(await authenticateApiKey(hashToken(key))).toBeNull();

    await revokeApiKey({ actor: owner, id });
    await revokeApiKey({ actor: owner, id }); // a second revoke changes nothing
    expect(await authenticateApiKey(key)).toBeNull();
    const revoked = await getDb().select().from(auditEvents).where(and(eq(auditEvents.orgId, org.orgId), eq(auditEvents.action, 'api_keys.revoked')));
    expect(revoked).toHaveLength(1);
    expect((await listApiKeys(getDb(), org.orgId))[0].revokedAt).not.toBeNull();
  });

  it("refuses levels 2 and 3, and treats another organisation's key as not found", async () => {
    const { org, id, key } = await ownerKey();
    const manager = await actorFor(org.managerId);
    const viewer = await actorFor(org.viewerId);
    expect((await refusal(createApiKey({ actor: manager, name: 'x' }))).code).toBe('forbidden');
    expect((await refusal(createApiKey({ actor: viewer, name: 'x' }))).code).toBe('forbidden');
    expect((await refusal(revokeApiKey({ actor: manager, id }))).code).toBe('forbidden');

    const other = await createTestOrg();
    const stranger = await actorFor(other.ownerId);
    expect((await refusal(revokeApiKey({ actor: stranger, id }))).code).toBe('not_found');
    expect((await refusal(revokeApiKey({ actor: stranger, id: 'not-a-uuid' }))).code).toBe('not_found');
    expect(await listApiKeys(getDb(), other.orgId)).toEqual([]);
    expect(await authenticateApiKey(key)).not.toBeNull();
    expect((await refusal(createApiKey({ actor: stranger, name: '   ' }))).code).toBe('invalid_input');
  });
});

describe('parseDeliveryEvents', () => {
  it('reads a JSON array, lower-cases addresses and reports each bad item by index', () => {
    const { valid, errors } = parseDeliveryEvents(
      JSON.stringify([
        event(),
        event({ smtpCode: 700 }),
        event({ enhancedCode: '6.1.1' }),
        event({ event: 'exploded' }),
        event({ occurredAt: 'yesterday' }),
        event({ recipient: 'not-an-address' }),
        event({ diagnostic: 'x'.repeat(2001) }),
        event({ bounceClass: 'medium' }),
        'a string',
        event({ orgId: randomUUID(), source: 'provider', remoteServer: undefined, smtpCode: undefined, enhancedCode: undefined, diagnostic: undefined, bounceClass: undefined }),
        event({ tlsVersion: 'TLSv9' }),
        event({ tlsVerified: 'yes' }),
        event({ event: 'delivered', tlsVersion: 'TLSv1.3', tlsVerified: true }),
      ]),
    );
    expect(valid).toHaveLength(3);
    // The route facet's facts, when the client knows them.
    expect(valid[2]).toMatchObject({ event: 'delivered', tlsVersion: 'TLSv1.3', tlsVerified: true });
    expect(valid[0]).toEqual({
      occurredAt: new Date('2026-03-01T12:00:00Z'),
      messageId: '<m1@mail.example.com>',
      sender: 'billing@example.com',
      recipient: 'person@example.org',
      event: 'bounced',
      method: 'tls',
      remoteServer: 'mx.example.org',
      smtpCode: 550,
      enhancedCode: '5.1.1',
      diagnostic: 'User unknown',
      bounceClass: 'hard',
      reportedClass: 'hard',
      reason: 'user_unknown',
      dsnAction: '',
      tlsVersion: '',
      tlsVerified: null,
    });
    // Unknown keys are dropped: the client never picks the organisation or the source.
    expect(valid[1]).not.toHaveProperty('orgId');
    // A bounce with no code, no words and no class from the sender: Sealpost's reading is "other", soft.
    expect(valid[1]).toMatchObject({ remoteServer: '', smtpCode: null, enhancedCode: '', diagnostic: '', bounceClass: 'soft', reportedClass: null, reason: 'other' });
    expect(errors.map((e) => e.index)).toEqual([1, 2, 3, 4, 5, 6, 7, 8, 10, 11]);
    expect(errors[0].message).toMatch(/smtpCode/);
    expect(errors[1].message).toMatch(/RFC 3463/);
    expect(errors[2].message).toMatch(/event must be one of/);
    expect(errors[3].message).toMatch(/occurredAt/);
    expect(errors[4].message).toMatch(/recipient/);
    expect(errors[5].message).toMatch(/2,000/);
    expect(errors[6].message).toMatch(/bounceClass/);
    expect(errors[7].message).toMatch(/JSON object/);
    expect(errors[8].message).toMatch(/tlsVersion must be a TLS version/);
    expect(errors[9].message).toMatch(/tlsVerified must be true or false/);
    expect(errors.every((e) => e.line === undefined)).toBe(true);
  });

  it('reads JSON lines, skipping blank lines, with a per-line error for each bad line', () => {
    const body = [JSON.stringify(event()), '', '{"occurredAt": ', JSON.stringify(event({ method: 'pigeon' })), JSON.stringify(event({ messageId: 'm2' })), ''].join('\r\n');
    const { valid, errors } = parseDeliveryEvents(body);
    expect(valid.map((v) => v.messageId)).toEqual(['<m1@mail.example.com>', 'm2']);
    expect(errors).toHaveLength(2);
    expect(errors[0]).toMatchObject({ index: 1, line: 3 });
    expect(errors[0].message).toMatch(/^Line 3 is not valid JSON/);
    expect(errors[1]).toMatchObject({ index: 2, line: 4 });
    expect(errors[1].message).toMatch(/method must be one of/);
  });

  it('gives one clear error for a malformed array, garbage or an empty body', () => {
    for (const body of ['[{"occurredAt": "2026-03-01T12:00:00Z",', '[1, 2', '\u0000\u0001garbage{', '', '   \n  ', '{"a": 1}{"b": 2}', 'null']) {
      const { valid, errors } = parseDeliveryEvents(body);
      expect(valid).toEqual([]);
      expect(errors.length).toBeGreaterThanOrEqual(1);
      if (body.startsWith('[') || !body.trim()) {
        expect(errors).toHaveLength(1);
        expect(errors[0].index).toBe(-1);
      }
      for (const e of errors) expect(e.message.length).toBeLessThan(400);
    }
    expect(parseDeliveryEvents('[1, 2').errors[0].message).toMatch(/not a valid JSON array/);
  });

  it('refuses more than 10,000 items whole, as an array or as lines', () => {
    const items = Array.from({ length: MAX_EVENTS_PER_REQUEST + 1 }, (_, i) => event({ messageId: `m${i}` }));
    for (const body of [JSON.stringify(items), items.map((i) => JSON.stringify(i)).join('\n')]) {
      const { valid, errors } = parseDeliveryEvents(body);
      expect(valid).toEqual([]);
      expect(errors).toEqual([{ index: -1, message: expect.stringMatching(/Too many events: 10,001/) }]);
    }
    expect(parseDeliveryEvents(JSON.stringify(items.slice(1))).valid).toHaveLength(MAX_EVENTS_PER_REQUEST);
  });
});

describe('ingestDeliveryEvents', () => {
  it("stores rows for the given organisation only, in chunks, with the source", async () => {
    const a = await createTestOrg();
    const b = await createTestOrg();
    const { valid } = parseDeliveryEvents(JSON.stringify(Array.from({ length: 2500 }, (_, i) => event({ messageId: `m${i}` }))));
    expect(await ingestDeliveryEvents(a.orgId, valid, 'ingest')).toBe(2500);
    expect(await ingestDeliveryEvents(a.orgId, [], 'ingest')).toBe(0);
    const rows = await eventsOf(a.orgId);
    expect(rows).toHaveLength(2500);
    expect(new Set(rows.map((r) => r.source))).toEqual(new Set(['ingest']));
    expect(await eventsOf(b.orgId)).toEqual([]);
  });
});

describe('POST /api/delivery-events', () => {
  it('refuses a missing, wrong or revoked key with 401 and stores nothing', async () => {
    const { org, owner, id, key } = await ownerKey();
    const body = JSON.stringify([event()]);
    for (const request of [ingestRequest(body), ingestRequest(body, 'sp_wrong'), ingestRequest(body, `sp_${randomBytes(32).toString('base64url')}`), ingestRequest(body, undefined, { authorization: key })]) {
      const response = await postDeliveryEvents(request);
      expect(response.status).toBe(401);
      expect((await response.json()).error.code).toBe('unauthenticated');
    }
    await revokeApiKey({ actor: owner, id });
    expect((await postDeliveryEvents(ingestRequest(body, key))).status).toBe(401);
    expect(await eventsOf(org.orgId)).toEqual([]);
  });

  it("stores the valid events for the key's organisation and answers 202 with counts and reasons", async () => {
    const { org, key } = await ownerKey();
    const other = await createTestOrg();
    const body = [JSON.stringify(event()), JSON.stringify(event({ smtpCode: 99 })), JSON.stringify(event({ messageId: 'm2', orgId: other.orgId }))].join('\n');
    const response = await postDeliveryEvents(ingestRequest(body, key));
    expect(response.status).toBe(202);
    const json = await response.json();
    expect(json.accepted).toBe(2);
    expect(json.rejected).toEqual([{ index: 1, line: 2, message: expect.stringMatching(/smtpCode/) }]);
    expect(json.message).toMatch(/were not stored/);
    expect((await eventsOf(org.orgId)).map((r) => r.messageId)).toEqual(['<m1@mail.example.com>', 'm2']);
    expect(await eventsOf(other.orgId)).toEqual([]);
  });

  it('answers 400 when nothing is valid, and 413 past 5 MB, storing nothing', async () => {
    const { org, key } = await ownerKey();
    for (const body of ['[{"broken": ', 'garbage', JSON.stringify([event({ event: 'nope' })]), new Uint8Array([0xff, 0xfe, 0x00])]) {
      const response = await postDeliveryEvents(ingestRequest(body, key));
      expect(response.status).toBe(400);
      const json = await response.json();
      expect(json.accepted).toBe(0);
      expect(json.error.code).toBe('invalid_input');
    }
    const big = `[${JSON.stringify(event({ diagnostic: 'x'.repeat(1900) })).concat(',').repeat(2800)}]`;
    expect(big.length).toBeGreaterThan(5 * 1024 * 1024);
    expect((await postDeliveryEvents(ingestRequest(big, key))).status).toBe(413);
    expect(await eventsOf(org.orgId)).toEqual([]);
  });
});

describe('POST /api/webhooks/resend', () => {
  const secretBytes = randomBytes(24);
  const secret = `whsec_${secretBytes.toString('base64')}`;
  let saved: string | undefined;
  beforeEach(() => {
    saved = process.env.RESEND_WEBHOOK_SECRET;
    process.env.RESEND_WEBHOOK_SECRET = secret;
    resetEnvCache();
  });
  afterEach(() => {
    if (saved === undefined) delete process.env.RESEND_WEBHOOK_SECRET;
    else process.env.RESEND_WEBHOOK_SECRET = saved;
    resetEnvCache();
  });

  /** Signed independently of the code under test, the way Svix documents it. */
  function signed(payload: unknown, options: { id?: string; timestamp?: number; key?: Buffer; tamper?: boolean } = {}) {
    const id = options.id ?? `msg_${randomBytes(8).toString('hex')}`;
    const timestamp = String(options.timestamp ?? Math.floor(Date.now() / 1000));
    const body = JSON.stringify(payload);
    const signature = createHmac('sha256', options.key ?? secretBytes).update(`${id}.${timestamp}.${body}`).digest('base64');
    return {
      id,
      request: () =>
        new Request('http://sealpost.test/api/webhooks/resend', {
          method: 'POST',
          headers: { 'content-type': 'application/json', 'svix-id': id, 'svix-timestamp': timestamp, 'svix-signature': `v1,${signature}` },
          body: options.tamper ? body.replace('bounced', 'delivered') : body,
        }),
    };
  }

  async function sentMessage() {
    const org = await createTestOrg();
    const emailId = randomUUID();
    await getDb()
      .insert(outboxMessages)
      .values({ orgId: org.orgId, channel: 'email', kind: 'test', recipient: `Someone@${org.domain}`, bodyText: 'hi', idempotencyKey: randomUUID(), status: 'sent', transport: 'resend', providerId: emailId });
    return { org, emailId };
  }

  const bounce = (emailId: string, to: string) => ({
    type: 'email.bounced',
    created_at: '2026-03-01T12:00:00.000Z',
    data: { email_id: emailId, from: 'Sealpost <No-Reply@sealpost.example>', to: [to], bounce: { type: 'Permanent', subType: 'General', message: 'Mailbox does not exist' } },
  });

  it('stores a signed event once; a replay stores nothing new', async () => {
    const { org, emailId } = await sentMessage();
    const delivery = signed(bounce(emailId, `Someone@${org.domain}`));
    const first = await postResendWebhook(delivery.request());
    expect(first.status).toBe(200);
    const rows = await eventsOf(org.orgId);
    expect(rows).toHaveLength(1);
    expect(rows[0]).toMatchObject({
      messageId: emailId,
      sender: 'no-reply@sealpost.example',
      recipient: `someone@${org.domain}`,
      event: 'bounced',
      method: 'tls',
      source: 'provider',
      bounceClass: 'hard',
      occurredAt: new Date('2026-03-01T12:00:00Z'),
    });
    expect(rows[0].diagnostic).toContain('Mailbox does not exist');
    expect(await getDb().select().from(webhookEvents).where(eq(webhookEvents.id, `resend:${delivery.id}`))).toHaveLength(1);

    const replay = await postResendWebhook(delivery.request());
    expect(replay.status).toBe(200);
    expect(await eventsOf(org.orgId)).toHaveLength(1);

    // A transient bounce is soft; the other event types map as documented.
    for (const [type, expected] of [['email.delivered', 'delivered'], ['email.delivery_delayed', 'deferred'], ['email.complained', 'complained']] as const) {
      expect((await postResendWebhook(signed({ ...bounce(emailId, 'x@y.example'), type, data: { email_id: emailId, to: ['x@y.example'] } }).request())).status).toBe(200);
      expect((await eventsOf(org.orgId)).at(-1)?.event).toBe(expected);
    }
    const soft = bounce(emailId, 'x@y.example');
    soft.data.bounce.type = 'Transient';
    await postResendWebhook(signed(soft).request());
    // Resend's "Transient" is kept as the reported class; the words ("Mailbox does not exist") say hard.
    expect((await eventsOf(org.orgId)).at(-1)).toMatchObject({ bounceClass: 'hard', reportedClass: 'soft', reason: 'user_unknown' });
    // "Undetermined" is no class at all: with no words, Sealpost's reading is soft (it used to be hard).
    const undetermined = bounce(emailId, 'u@y.example');
    undetermined.data.bounce = { type: 'Undetermined', subType: 'Undetermined', message: '' };
    await postResendWebhook(signed(undetermined).request());
    expect((await eventsOf(org.orgId)).at(-1)).toMatchObject({ bounceClass: 'soft', reportedClass: null, reason: 'other' });
    // A full mailbox reported as "Permanent" is still soft; Resend's class is kept beside ours.
    const full = bounce(emailId, 'f@y.example');
    full.data.bounce = { type: 'Permanent', subType: 'MailboxFull', message: '552 5.2.2 Mailbox full' };
    await postResendWebhook(signed(full).request());
    expect((await eventsOf(org.orgId)).at(-1)).toMatchObject({ bounceClass: 'soft', reportedClass: 'hard', reason: 'mailbox_full' });
  });

  it('refuses a bad signature, a tampered body or an old timestamp with 400, storing nothing', async () => {
    const { org, emailId } = await sentMessage();
    const payload = bounce(emailId, `someone@${org.domain}`);
    const cases = [
      signed(payload, { key: randomBytes(24) }),
      signed(payload, { tamper: true }),
      signed(payload, { timestamp: Math.floor(Date.now() / 1000) - 360 }),
      signed(payload, { timestamp: Math.floor(Date.now() / 1000) + 360 }),
    ];
    for (const c of cases) expect((await postResendWebhook(c.request())).status).toBe(400);
    const unsigned = new Request('http://sealpost.test/api/webhooks/resend', { method: 'POST', body: JSON.stringify(payload) });
    expect((await postResendWebhook(unsigned)).status).toBe(400);
    expect(await eventsOf(org.orgId)).toEqual([]);
    const claimed = await getDb().select().from(webhookEvents).where(sql`${webhookEvents.id} in ${cases.map((c) => `resend:${c.id}`)}`);
    expect(claimed).toEqual([]);
  });

  it('acknowledges mail it does not know, and is not found without a secret', async () => {
    const unknown = signed(bounce(randomUUID(), 'x@y.example'));
    expect((await postResendWebhook(unknown.request())).status).toBe(200);
    delete process.env.RESEND_WEBHOOK_SECRET;
    resetEnvCache();
    expect((await postResendWebhook(unknown.request())).status).toBe(404);
  });
});
