import { describe, expect, it } from 'vitest';
import { MAX_TOKENS, MAX_WORD, indexWords, messageTokens, parseSearch, termToken, wordTerms } from './search-index';

const key = Buffer.alloc(32, 1);
const otherKey = Buffer.alloc(32, 2);

describe('the words the index keeps', () => {
  it("normalises as the 'simple' text search configuration did: lower case, accents kept, split on non-letters", () => {
    expect(indexWords('Quarterly AUDIT: the pelican-report, v2.5 (café) e-mail alice@example.com')).toEqual([
      'quarterly',
      'audit',
      'the',
      'pelican',
      'report',
      'v2',
      '5',
      'café',
      'e',
      'mail',
      'alice',
      'example',
      'com',
    ]);
    // Each word once; a composed and a decomposed accent are the same word.
    expect(indexWords('Café cafe\u0301 CAFÉ')).toEqual(['café']);
    expect(indexWords('Ünïcode Straße ΣΟΦΊΑ 東京 नमस्ते')).toEqual(['ünïcode', 'straße', 'σοφία', '東京', 'नमस्ते']);
    expect(indexWords('  ...  ')).toEqual([]);
  });

  it('stores each beginning of two characters or more, a one-character word as itself, and cuts long words', () => {
    expect(wordTerms('pelican')).toEqual(['pe', 'pel', 'peli', 'pelic', 'pelica', 'pelican']);
    expect(wordTerms('5')).toEqual(['5']);
    expect(wordTerms('ab')).toEqual(['ab']);
    const long = 'x'.repeat(100);
    expect(indexWords(long)).toEqual(['x'.repeat(MAX_WORD)]);
    // Surrogate pairs are characters, never split.
    expect(wordTerms('𝒜𝒝𝒞')).toEqual(['𝒜𝒝', '𝒜𝒝𝒞']);
  });

  it('tokens depend on the key and the field; a message holds each once and at most MAX_TOKENS', () => {
    expect(termToken(key, 'subject', 'pelican')).toBe(termToken(key, 'subject', 'pelican'));
    expect(termToken(key, 'subject', 'pelican')).not.toBe(termToken(otherKey, 'subject', 'pelican'));
    expect(termToken(key, 'subject', 'pelican')).not.toBe(termToken(key, 'body', 'pelican'));
    const tokens = messageTokens(key, { subject: 'Pelican pelican', bodyText: 'pelican' });
    expect(tokens).toHaveLength(12);
    expect(new Set(tokens).size).toBe(tokens.length);
    expect(tokens).toContain(termToken(key, 'body', 'pel'));
    const huge = Array.from({ length: 20_000 }, (_, i) => `word${i}`).join(' ');
    expect(messageTokens(key, { subject: '', bodyText: huge }).length).toBeLessThanOrEqual(MAX_TOKENS);
  }, 60_000);
});

describe('reading a portal query', () => {
  it('words and phrases must all match, -word must not, and "or" offers alternatives', () => {
    expect(parseSearch('Quart PEL')).toEqual([[{ negate: false, words: ['quart'] }, { negate: false, words: ['pel'] }]]);
    expect(parseSearch('"pelican report" -quarterly')).toEqual([[{ negate: false, words: ['pelican', 'report'] }, { negate: true, words: ['quarterly'] }]]);
    expect(parseSearch('a b or c')).toEqual([[{ negate: false, words: ['a'] }, { negate: false, words: ['b'] }], [{ negate: false, words: ['c'] }]]);
    expect(parseSearch('walrus OR pelican')).toEqual([[{ negate: false, words: ['walrus'] }], [{ negate: false, words: ['pelican'] }]]);
    expect(parseSearch('or walrus or')).toEqual([[{ negate: false, words: ['walrus'] }]]);
    expect(parseSearch('-"unclosed phrase')).toEqual([[{ negate: true, words: ['unclosed', 'phrase'] }]]);
    expect(parseSearch("pel:* & ' | !")).toEqual([[{ negate: false, words: ['pel'] }]]);
    expect(parseSearch('% - "" _')).toEqual([]);
  });

  it('keeps at most 20 words', () => {
    const plan = parseSearch(Array.from({ length: 30 }, (_, i) => `w${i}`).join(' '));
    expect(plan[0]).toHaveLength(20);
  });
});
