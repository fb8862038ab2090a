import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { trimEndMatching, trimMatching, trimStartMatching } from './trim';

/** The character classes the code base trims with, beside the regular expressions they replace. */
const CLASSES: { char: RegExp; start: RegExp; end: RegExp; both: RegExp }[] = [
  { char: /[.,;:!?'*)\]]/, start: /^[.,;:!?'*)\]]+/, end: /[.,;:!?'*)\]]+$/, both: /^[.,;:!?'*)\]]+|[.,;:!?'*)\]]+$/g },
  { char: /\n/, start: /^\n+/, end: /\n+$/, both: /^\n+|\n+$/g },
  { char: /[\s.]/u, start: /^[\s.]+/u, end: /[\s.]+$/u, both: /^[\s.]+|[\s.]+$/gu },
  { char: /[\p{N}\p{P}\p{S}\s]/u, start: /^[\p{N}\p{P}\p{S}\s]+/u, end: /[\p{N}\p{P}\p{S}\s]+$/u, both: /^[\p{N}\p{P}\p{S}\s]+|[\p{N}\p{P}\p{S}\s]+$/gu },
  { char: /\//, start: /^\/+/, end: /\/+$/, both: /^\/+|\/+$/g },
];

/** Short strings over the characters that matter: class members, others, and surrogates (paired and lone). */
const text = fc
  .array(fc.constantFrom('a', 'é', '.', ',', ')', ']', ' ', '\n', '\t', '/', '1', '!', '€', '😀', '🔥', '\ud83d', '\ude00', '\u00a0'), { maxLength: 12 })
  .map((parts) => parts.join(''));

describe('trim helpers', () => {
  it.each(CLASSES)('agree with the regular expression they replace: $char', ({ char, start, end, both }) => {
    fc.assert(
      fc.property(text, (s) => {
        expect(trimStartMatching(s, char)).toBe(s.replace(start, ''));
        expect(trimEndMatching(s, char)).toBe(s.replace(end, ''));
        expect(trimMatching(s, char)).toBe(s.replace(both, ''));
      }),
      { numRuns: 500 },
    );
  });

  it.each([
    ['http://a.example/x).', /[.,;:!?'*)\]]/, 'http://a.example/x'],
    ['..\n', /\n/, '..'],
    ['', /\n/, ''],
    ['\n\n', /\n/, ''],
    ['https://login.example//', /\//, 'https://login.example'],
    // An emoji is a symbol (\p{S}) as a code point: both halves go together, never one alone.
    ['Password1!😀', /[\p{N}\p{P}\p{S}\s]/u, 'Password'],
  ])('trims %j to its end', (input, char, expected) => {
    expect(trimEndMatching(input, char)).toBe(expected);
  });

  it('keeps the middle of a long run untouched and is linear on it', () => {
    const name = `a${'.'.repeat(200_000)}b`;
    expect(trimMatching(name, /[\s.]/u)).toBe(name);
    expect(trimMatching(` ${name}. `, /[\s.]/u)).toBe(name);
  });

  it('refuses global and sticky patterns, whose lastIndex would carry over between characters', () => {
    expect(() => trimEndMatching('a..', /\./g)).toThrow(TypeError);
    expect(() => trimStartMatching('..a', /\./y)).toThrow(TypeError);
  });
});
