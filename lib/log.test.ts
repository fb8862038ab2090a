import { Writable } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { annotateRequest, createLogger, maskAddress, requestContextStore } from './log';

function capture() {
  const lines: Record<string, unknown>[] = [];
  const stream = new Writable({
    write(chunk: Buffer, _encoding, done) {
      for (const line of chunk.toString().split('\n').filter(Boolean)) lines.push(JSON.parse(line) as Record<string, unknown>);
      done();
    },
  });
  return { lines, logger: createLogger(stream) };
}

describe('log lines', () => {
  it('never write secrets, tokens or message content, at any depth', () => {
    const { lines, logger } = capture();
    logger.info(
      {
        password: 'Canary-Password-1!',
        user: { newPassword: 'Canary-Password-2!', token: 'canary-token' },
        request: { headers: { authorization: 'Bearer canary-bearer', cookie: 'canary-cookie' } },
        message: { subject: 'canary subject', bodyText: 'canary body', bodyHtml: '<p>canary</p>' },
      },
      'something happened',
    );
    const text = JSON.stringify(lines);
    for (const canary of ['Canary-Password-1!', 'Canary-Password-2!', 'canary-token', 'canary-bearer', 'canary-cookie', 'canary subject', 'canary body', '<p>canary</p>']) {
      expect(text).not.toContain(canary);
    }
    expect(text).toContain('[redacted]');
    expect(lines[0]).toMatchObject({ msg: 'something happened', level: 30 });
  });

  it('carry the request id, organisation and account of the request being handled', async () => {
    const { lines, logger } = capture();
    await requestContextStore().run({ requestId: 'req-1' }, async () => {
      annotateRequest({ orgId: 'org-1', accountId: 'acc-1' });
      await Promise.resolve();
      logger.info('inside');
    });
    logger.info('outside');
    expect(lines[0]).toMatchObject({ msg: 'inside', reqId: 'req-1', orgId: 'org-1', accountId: 'acc-1' });
    expect(lines[1].reqId).toBeUndefined();
  });
});

describe('maskAddress', () => {
  it.each([
    ['person@example.com', 'p•••@example.com'],
    ['a@b.example', 'a•••@b.example'],
    ['not-an-address', '•••'],
    ['@example.com', '•••'],
  ])('%s → %s', (address, masked) => expect(maskAddress(address)).toBe(masked));
});
