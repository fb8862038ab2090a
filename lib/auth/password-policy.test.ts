import { describe, expect, it } from 'vitest';
import { checkPassword, isCommonPassword, passwordProblems } from './password-policy';

const met = (password: string, email?: string) =>
  Object.fromEntries(checkPassword(password, { email }).map((r) => [r.id, r.met]));

describe('password policy', () => {
  it.each([
    ['Sealpost-Demo-2026!', 'owner@acme.example', true],
    ['Tr0ub4dor&Horse', 'alice@acme.example', true],
    ['Ünïcödé-Pässwörd-9', 'pat@partner.example', true],
    ['short1!A', undefined, true],
  ])('accepts %s', (password, email, ok) => {
    expect(passwordProblems(password, { email }).length === 0).toBe(ok);
  });

  it.each([
    ['Ab1!', 'length'],
    ['alllowercase1!', 'upper'],
    ['ALLUPPERCASE1!', 'lower'],
    ['NoDigitsHere!', 'digit'],
    ['NoPunctuation123', 'punctuation'],
  ])('refuses %s for rule %s', (password, rule) => {
    expect(met(password)[rule]).toBe(false);
  });

  it('refuses common passwords dressed up to pass composition rules', () => {
    for (const p of ['Password1!', 'Summer2024!', 'Welcome123!', 'Password123!', 'Qwerty123!', 'Letmein1!']) {
      expect(isCommonPassword(p), p).toBe(true);
      expect(met(p).common, p).toBe(false);
    }
    expect(isCommonPassword('Sealpost-Demo-2026!')).toBe(false);
  });

  it('refuses a password containing the local part of the email, case-insensitively', () => {
    expect(met('Xowner-42!Q', 'owner@acme.example').email).toBe(false);
    expect(met('XOWNER-42!Q', 'owner@acme.example').email).toBe(false);
    expect(met('Xother-42!Q', 'owner@acme.example').email).toBe(true);
  });

  it('accepts 128 characters whole and refuses 129 (no silent truncation)', () => {
    const p128 = 'Aa1!' + 'x'.repeat(124);
    expect(met(p128).length).toBe(true);
    expect(met(p128 + 'y').length).toBe(false);
  });

  it('counts characters, not UTF-16 units', () => {
    const emoji = 'Aa1!' + '😀'.repeat(124);
    expect([...emoji].length).toBe(128);
    expect(met(emoji).length).toBe(true);
  });

  it('marks every rule unmet for an empty password', () => {
    expect(Object.values(met('')).every((v) => v === false)).toBe(true);
  });
});
