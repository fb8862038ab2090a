import { describe, expect, it } from 'vitest';
import { classifyBounce } from './classify-bounce';
import { BOUNCE_CORPUS } from './fixtures/bounce-corpus';

describe('classifyBounce over the labelled corpus', () => {
  it.each(BOUNCE_CORPUS.map((c, i) => [i, c.system, c.diagnostic.slice(0, 60), c] as const))('#%i %s: %s', (_i, _s, _d, c) => {
    const got = classifyBounce({ smtpCode: c.smtpCode, enhancedCode: c.enhancedCode, action: c.action, diagnostic: c.diagnostic });
    expect({ reason: got.reason, class: got.class }).toEqual({ reason: c.reason, class: c.class });
  });
});
