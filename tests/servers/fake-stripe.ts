import { randomBytes } from 'node:crypto';
import http from 'node:http';
import type { AddressInfo } from 'node:net';

export type FakePaymentIntent = {
  id: string;
  object: 'payment_intent';
  amount: number;
  amount_received: number;
  currency: string;
  metadata: Record<string, string>;
  automatic_payment_methods: { enabled: boolean } | null;
  client_secret: string;
  status: 'requires_payment_method' | 'processing' | 'succeeded' | 'canceled';
  /** The charge's id once it succeeded; GET …?expand[]=latest_charge answers the charge itself. */
  latest_charge: string | null;
  livemode: false;
};

/** The card every succeeded fake intent was paid with (set `card` to change it). */
export type FakeCard = { brand: string; last4: string };

export type StripeRequest = {
  method: string;
  path: string;
  idempotencyKey: string;
  authorization: string;
  form: Record<string, string>;
};

function stripeError(res: http.ServerResponse, status: number, message: string, type = 'invalid_request_error', code?: string) {
  res.writeHead(status, { 'content-type': 'application/json', 'request-id': `req_fake_${randomBytes(4).toString('hex')}` });
  res.end(JSON.stringify({ error: { type, message, ...(code ? { code } : {}) } }));
}

/**
 * A local stand-in for the Stripe API's PaymentIntents (POST /v1/payment_intents, form-encoded,
 * and GET /v1/payment_intents/:id) for the real Stripe SDK to talk to. Like Stripe, a repeated
 * idempotency key answers the first response again. Records every request; `failNext` scripts
 * server errors for the next requests.
 */
export async function startFakeStripe() {
  const requests: StripeRequest[] = [];
  const intents = new Map<string, FakePaymentIntent>();
  const byIdempotencyKey = new Map<string, string>();
  const failures: number[] = [];
  const card: FakeCard = { brand: 'visa', last4: '4242' };

  const server = http.createServer((req, res) => {
    let raw = '';
    req.on('data', (chunk: Buffer) => (raw += chunk.toString('utf8')));
    req.on('end', () => {
      const [path, query = ''] = (req.url ?? '').split('?');
      const request: StripeRequest = {
        method: req.method ?? '',
        path,
        idempotencyKey: String(req.headers['idempotency-key'] ?? ''),
        authorization: String(req.headers.authorization ?? ''),
        form: Object.fromEntries(new URLSearchParams(raw)),
      };
      requests.push(request);
      if (!/^Bearer sk_test_\S+$/.test(request.authorization)) return stripeError(res, 401, 'Invalid API Key provided.', 'invalid_request_error');
      const failure = failures.shift();
      if (failure) return stripeError(res, failure, `scripted ${failure}`, 'api_error');

      if (request.method === 'POST' && path === '/v1/payment_intents') {
        const replayed = byIdempotencyKey.get(request.idempotencyKey);
        if (replayed) {
          res.writeHead(200, { 'content-type': 'application/json', 'idempotent-replayed': 'true' }).end(JSON.stringify(intents.get(replayed)));
          return;
        }
        const amount = Number(request.form.amount);
        if (!Number.isInteger(amount) || amount < 50) return stripeError(res, 400, 'Amount must be at least $0.50 usd', 'invalid_request_error', 'amount_too_small');
        const id = `pi_fake_${randomBytes(8).toString('hex')}`;
        const metadata: Record<string, string> = {};
        for (const [key, value] of Object.entries(request.form)) {
          const m = /^metadata\[(.+)\]$/.exec(key);
          if (m) metadata[m[1]] = value;
        }
        const intent: FakePaymentIntent = {
          id,
          object: 'payment_intent',
          amount,
          amount_received: 0,
          currency: request.form.currency ?? '',
          metadata,
          automatic_payment_methods: request.form['automatic_payment_methods[enabled]'] ? { enabled: request.form['automatic_payment_methods[enabled]'] === 'true' } : null,
          client_secret: `${id}_secret_${randomBytes(8).toString('hex')}`,
          status: 'requires_payment_method',
          latest_charge: null,
          livemode: false,
        };
        intents.set(id, intent);
        if (request.idempotencyKey) byIdempotencyKey.set(request.idempotencyKey, id);
        res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify(intent));
        return;
      }

      const retrieve = /^\/v1\/payment_intents\/([^/]+)$/.exec(path);
      if (request.method === 'GET' && retrieve) {
        const intent = intents.get(decodeURIComponent(retrieve[1]));
        if (!intent) return stripeError(res, 404, `No such payment_intent: '${retrieve[1]}'`, 'invalid_request_error', 'resource_missing');
        const expanded = [...new URLSearchParams(query).entries()].some(([key, value]) => key.startsWith('expand') && value === 'latest_charge');
        const body =
          expanded && intent.latest_charge
            ? { ...intent, latest_charge: { id: intent.latest_charge, object: 'charge', payment_method_details: { type: 'card', card: { brand: card.brand, last4: card.last4 } } } }
            : intent;
        res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify(body));
        return;
      }
      stripeError(res, 404, `Unrecognized request URL (${request.method}: ${path}).`);
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    requests,
    intents,
    card,
    /** The next `count` requests answer `status` (e.g. 500), before any other handling. */
    failNext: (status: number, count = 1) => failures.push(...Array.from({ length: count }, () => status)),
    setStatus: (id: string, status: FakePaymentIntent['status']) => {
      const intent = intents.get(id);
      if (intent) intents.set(id, { ...intent, status, amount_received: status === 'succeeded' ? intent.amount : 0, latest_charge: status === 'succeeded' ? `ch_fake_${id.slice(8)}` : null });
    },
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        // The SDK keeps connections alive; without this, close() waits for them to time out.
        server.closeAllConnections();
      }),
  };
}
