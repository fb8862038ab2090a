import { describe, expect, it } from 'vitest';
import { isUuid, uuidSchema } from './ids';

describe('isUuid', () => {
  it.each([
    '2f1c9a4e-8b3d-4c6f-9a1e-0d2b3c4d5e6f',
    '2F1C9A4E-8B3D-4C6F-9A1E-0D2B3C4D5E6F',
    '00000000-0000-0000-0000-000000000000',
    // Not RFC 9562 (version 0, variant 0), but PostgreSQL stores it like any other: still an id.
    '11111111-1111-0111-0111-111111111111',
  ])('accepts %s', (id) => {
    expect(isUuid(id)).toBe(true);
    expect(uuidSchema().safeParse(id).success).toBe(true);
  });

  it.each([
    ['only hyphens (was a 500 on /invoices/…)', '------------------------------------'],
    ['hyphens in the wrong places', '2f1c9a4e8-b3d-4c6f-9a1e-0d2b3c4d5e6f'],
    ['no hyphens, 36 digits', '2f1c9a4e8b3d4c6f9a1e0d2b3c4d5e6f0000'],
    ['no hyphens (PostgreSQL would take it, but it is not the form we make)', '2f1c9a4e8b3d4c6f9a1e0d2b3c4d5e6f'],
    ['braces', '{2f1c9a4e-8b3d-4c6f-9a1e-0d2b3c4d5e6f}'],
    ['a non-hex letter', '2f1c9a4e-8b3d-4c6f-9a1e-0d2b3c4d5e6g'],
    ['too short', '2f1c9a4e-8b3d-4c6f-9a1e-0d2b3c4d5e6'],
    ['too long', '2f1c9a4e-8b3d-4c6f-9a1e-0d2b3c4d5e6f0'],
    ['a trailing newline', '2f1c9a4e-8b3d-4c6f-9a1e-0d2b3c4d5e6f\n'],
    ['spaces around it', ' 2f1c9a4e-8b3d-4c6f-9a1e-0d2b3c4d5e6f '],
    ['empty', ''],
  ])('refuses %s', (_label, id) => {
    expect(isUuid(id)).toBe(false);
    expect(uuidSchema('Unknown message.').safeParse(id).error?.issues[0]?.message).toBe('Unknown message.');
  });

  it('refuses what is not a string', () => {
    for (const value of [undefined, null, 42, ['2f1c9a4e-8b3d-4c6f-9a1e-0d2b3c4d5e6f'], {}]) expect(isUuid(value)).toBe(false);
  });
});
