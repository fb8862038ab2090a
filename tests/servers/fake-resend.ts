import http from 'node:http';
import type { AddressInfo } from 'node:net';

export type ResendRequest = { idempotencyKey: string; authorization: string; body: { to: string[]; subject: string; text: string } };
export type ScriptedAnswer = { status: number; retryAfter?: number };

/**
 * A local stand-in for the Resend API (POST /emails) for the real Resend SDK to talk to.
 * Answers follow `script` in order (or the recipient's own script), then 200 with an id.
 * Records every request.
 */
export async function startFakeResend(script: ScriptedAnswer[] = []) {
  const requests: ResendRequest[] = [];
  const delivered = new Map<string, string>();
  const queue = [...script];
  const byRecipient = new Map<string, ScriptedAnswer[]>();
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
      };
      requests.push(request);
      const own = byRecipient.get(request.body.to[0]);
      const answer = own?.length ? own.shift() : queue.shift();
      if (answer && answer.status >= 400) {
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
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}
