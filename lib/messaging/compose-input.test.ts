import { describe, expect, it } from 'vitest';
import { badAddressMessage, isAddress, linkHref, splitAddresses } from './compose-input';
import { sanitizeMessageHtml } from './sanitize';

describe('recipient addresses', () => {
  it.each([
    ['pat@partner.example', true],
    ['first.last+tag@sub.example.co.uk', true],
    ['pat.partner.example', false],
    ['pat@', false],
    ['@partner.example', false],
    ['pat@partner', false],
    ['pat@@partner.example', false],
    ['pat@partner.example,', false],
    ['"pat"@partner.example', false],
    [`${'a'.repeat(250)}@b.example`, false],
  ])('%s is an address: %s', (value, expected) => {
    expect(isAddress(value)).toBe(expected);
  });

  it('splits what is typed or pasted at commas, semicolons and spaces, in lower case', () => {
    expect(splitAddresses('Pat@Partner.example, lee@clinic.example;  <ann@x.example>\nbob@y.example')).toEqual(['pat@partner.example', 'lee@clinic.example', 'ann@x.example', 'bob@y.example']);
    expect(splitAddresses(' , ; ')).toEqual([]);
  });

  it('names the bad addresses, one or several', () => {
    expect(badAddressMessage(['pat@partner.example'])).toBeNull();
    expect(badAddressMessage(['pat@partner.example', 'oops'])).toBe('“oops” is not a valid email address. Correct it or remove it.');
    expect(badAddressMessage(['a', 'b@'])).toBe('“a”, “b@” are not valid email addresses. Correct them or remove them.');
  });
});

describe('link addresses', () => {
  it.each([
    ['https://example.com/a?b=1', 'https://example.com/a?b=1'],
    ['example.com', 'https://example.com/'],
    ['http://example.com', 'http://example.com/'],
    ['pat@partner.example', 'mailto:pat@partner.example'],
    ['mailto:pat@partner.example', 'mailto:pat@partner.example'],
    ['javascript:alert(1)', null],
    ['data:text/html,<script>alert(1)</script>', null],
    ['   ', null],
    ['https://exa mple.com', null],
  ])('%s → %s', (raw, expected) => {
    expect(linkHref(raw)).toBe(expected);
  });
});

describe('the editor’s HTML through the body sanitiser', () => {
  // What Tiptap (StarterKit + Link, as components/portal/message-editor.tsx configures them) writes.
  it.each([
    '<p><strong>Bold</strong>, <em>italic</em> and <s>struck</s></p>',
    '<ul><li><p>one</p></li><li><p>two</p></li></ul>',
    '<ol><li><p>first</p><ul><li><p>nested</p></li></ul></li></ol>',
    '<blockquote><p>quoted</p></blockquote>',
    '<p>a &amp; b &lt; c</p>',
  ])('keeps %s as it is', (html) => {
    expect(sanitizeMessageHtml(html)).toBe(html);
  });

  it('keeps line breaks and links, with its own rel and target', () => {
    expect(sanitizeMessageHtml('<p>line<br>break</p>')).toBe('<p>line<br />break</p>');
    expect(sanitizeMessageHtml('<p><a target="_blank" rel="noopener noreferrer nofollow" href="https://example.com/">site</a></p>')).toBe(
      '<p><a href="https://example.com/" rel="noopener noreferrer nofollow" target="_blank">site</a></p>',
    );
  });
});
