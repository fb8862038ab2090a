import { describe, expect, it } from 'vitest';
import { caretAfterFormatting, formatCardNumber, formatExpiry } from './card-format';

describe('formatCardNumber', () => {
  it.each([
    ['', ''],
    ['4', '4'],
    ['4242', '4242'],
    ['42424', '4242 4'],
    ['4242424242424242', '4242 4242 4242 4242'],
    ['4242-4242 4242x4242', '4242 4242 4242 4242'],
    ['378282246310005', '3782 8224 6310 005'],
    ['12345678901234567890123', '1234 5678 9012 3456 789'],
  ])('%j → %j', (typed, shown) => expect(formatCardNumber(typed)).toBe(shown));
});

describe('formatExpiry', () => {
  it.each([
    ['', false, ''],
    ['1', false, '1'],
    ['12', false, '12/'],
    ['123', false, '12/3'],
    ['1230', false, '12/30'],
    ['12/305', false, '12/30'],
    ['4', false, '04/'],
    ['0', false, '0'],
    ['12', true, '12'],
    ['12/3', true, '12/3'],
    ['1', true, '1'],
    ['ab12cd34', false, '12/34'],
  ])('%j (deleting: %j) → %j', (typed, deleting, shown) => expect(formatExpiry(typed, deleting)).toBe(shown));
});

describe('caretAfterFormatting', () => {
  it('keeps the caret after the same digit', () => {
    // "4242 4|242" with a 1 typed at the caret: "4242 41242" → "4242 4124 2", caret after the 1.
    expect(caretAfterFormatting('4242 41242', 7, '4242 4124 2')).toBe(7);
    // At the end, past the added separator.
    expect(caretAfterFormatting('12', 2, '12/')).toBe(3);
    expect(caretAfterFormatting('42424', 5, '4242 4')).toBe(6);
    expect(caretAfterFormatting('', 0, '')).toBe(0);
  });
});
