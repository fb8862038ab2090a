import http from 'node:http';
import type { AddressInfo } from 'node:net';

export type TwilioRequest = {
  accountSid: string;
  authorization: string;
  /** The form fields as sent (To, From or MessagingServiceSid, Body, StatusCallback). */
  form: Record<string, string>;
  /** When it arrived (Date.now()) and the status it was answered with. */
  at: number;
  status: number;
  sid: string;
};
export type ScriptedTwilioAnswer = { status: number; code?: number; message?: string; retryAfter?: number };

/**
 * A local stand-in for Twilio's Messages API (POST /2010-04-01/Accounts/{sid}/Messages.json,
 * form-encoded, Basic auth) for the real twilio SDK to talk to. Answers follow the recipient's own
 * script, then 201 with a message SID; during an `outage` every request gets the outage's answer.
 * Like Twilio, it has no idempotency: every accepted request is a new message. Records every request.
 */
export async function startFakeTwilio() {
  const requests: TwilioRequest[] = [];
  const byRecipient = new Map<string, ScriptedTwilioAnswer[]>();
  let outage: ScriptedTwilioAnswer | null = null;
  let accepted = 0;
  const server = http.createServer((req, res) => {
    let raw = '';
    req.on('data', (chunk: Buffer) => (raw += chunk.toString('utf8')));
    req.on('end', () => {
      const match = /^\/2010-04-01\/Accounts\/(AC[0-9a-f]{32})\/Messages\.json$/i.exec(req.url ?? '');
      if (req.method !== 'POST' || !match) {
        res.writeHead(404, { 'content-type': 'application/json' }).end(JSON.stringify({ code: 20404, message: 'The requested resource was not found', status: 404 }));
        return;
      }
      const form = Object.fromEntries(new URLSearchParams(raw));
      const request: TwilioRequest = { accountSid: match[1], authorization: String(req.headers.authorization ?? ''), form, at: Date.now(), status: 201, sid: '' };
      requests.push(request);
      const own = byRecipient.get(form.To);
      const answer = outage ?? (own?.length ? own.shift() : undefined);
      if (answer && answer.status >= 400) {
        request.status = answer.status;
        const headers: Record<string, string> = { 'content-type': 'application/json' };
        if (answer.retryAfter) headers['retry-after'] = String(answer.retryAfter);
        res
          .writeHead(answer.status, headers)
          .end(JSON.stringify({ code: answer.code ?? 20500, message: answer.message ?? `scripted ${answer.status}`, more_info: 'https://www.twilio.com/docs/errors', status: answer.status }));
        return;
      }
      accepted += 1;
      request.sid = `SM${accepted.toString(16).padStart(32, '0')}`;
      res.writeHead(201, { 'content-type': 'application/json' }).end(
        JSON.stringify({
          sid: request.sid,
          account_sid: match[1],
          to: form.To,
          from: form.From ?? null,
          messaging_service_sid: form.MessagingServiceSid ?? null,
          body: form.Body,
          status: 'queued',
          num_segments: '1',
          direction: 'outbound-api',
          api_version: '2010-04-01',
          date_created: new Date().toUTCString(),
          uri: `/2010-04-01/Accounts/${match[1]}/Messages/${request.sid}.json`,
        }),
      );
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    requests,
    scriptFor: (to: string, answers: ScriptedTwilioAnswer[]) => byRecipient.set(to, [...answers]),
    /** Every request gets `answer` until `outage(null)`. */
    outage: (answer: ScriptedTwilioAnswer | null) => {
      outage = answer;
    },
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}
