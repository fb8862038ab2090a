import http from 'node:http';
import type { AddressInfo } from 'node:net';

export type ResendRequest = {
  idempotencyKey: string;
  authorization: string;
  body: { to: string[]; subject: string; text: string };
  /** When it arrived (Date.now()) and the status it was answered with. */
  at: number;
  status: number;
};
export type ScriptedAnswer = { status: number; retryAfter?: number };

/**
 * A local stand-in for the Resend API (POST /emails) for the real Resend SDK to talk to.
 * Answers follow `script` in order (or the recipient's own script), then 200 with an id; during
 * an `outage` every request gets the outage's answer. Records every request.
 */
export async function startFakeResend(script: ScriptedAnswer[] = []) {
  const requests: ResendRequest[] = [];
  const delivered = new Map<string, string>();
  const queue = [...script];
  const byRecipient = new Map<string, ScriptedAnswer[]>();
  let outage: ScriptedAnswer | null = null;
  const server = http.createServer((req, res) => {
    let raw = '';
    req.on('data', (chunk: Buffer) => (raw += chunk.toString('utf8')));
    req.on('end', () => {
      if (req.method !== 'POST' || req.url !== '/emails') {
        res.writeHead(404, { 'content-type': 'application/json' }).end(JSON.stringify({ statusCode: 404, message: 'not found', name: 'not_found' }));
        return;
      }
      const request: ResendRequest = {
        idempotencyKey: String(req.headers['idempotency-key'] ?? ''),
        authorization: String(req.headers.authorization ?? ''),
        body: JSON.parse(raw),
        at: Date.now(),
        status: 200,
      };
      requests.push(request);
      const own = byRecipient.get(request.body.to[0]);
      const answer = outage ?? (own?.length ? own.shift() : queue.shift());
      if (answer && answer.status >= 400) {
        request.status = answer.status;
        const headers: Record<string, string> = { 'content-type': 'application/json' };
        if (answer.retryAfter) headers['retry-after'] = String(answer.retryAfter);
        res.writeHead(answer.status, headers).end(JSON.stringify({ statusCode: answer.status, message: `scripted ${answer.status}`, name: 'application_error' }));
        return;
      }
      // Like Resend, the same idempotency key gets the same email id and is delivered once.
      const id = delivered.get(request.idempotencyKey) ?? `email_${delivered.size + 1}`;
      delivered.set(request.idempotencyKey, id);
      res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({ id }));
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    requests,
    delivered,
    script: (answers: ScriptedAnswer[]) => queue.push(...answers),
    scriptFor: (recipient: string, answers: ScriptedAnswer[]) => byRecipient.set(recipient, [...answers]),
    /** Every request gets `answer` until `outage(null)`. */
    outage: (answer: ScriptedAnswer | null) => {
      outage = answer;
    },
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}
