/**
 * Secure-message bodies (sanitised HTML: no script, no event handlers, no remote
 * resources"; QUALITY "HTML": sanitised on write, rendered in a sandboxed iframe).
 *
 * This is the write-side half of that defence: it runs on the server before a body is stored, so
 * whatever is in the database is already safe to render. The sandboxed iframe is the second,
 * independent half and must stay even though this exists.
 *
 * sanitize-html is pinned to 2.17.5: it is the last release that supports Node 20 (2.17.6+
 * declare `node >=22.12`). The advisories fixed after 2.17.5 (textarea/xmp mutation XSS,
 * SVG SMIL animation of URLs, noscript raw text, meta refresh) only bite when those elements are
 * *allowed*; none of them is allowed here, and the test corpus carries their vectors to prove it.
 * Revisit the pin when the project moves to Node 22.
 */
import sanitizeHtml from 'sanitize-html';
import { AppError } from '@/lib/errors/app-error';
import { trimEndMatching, trimMatching } from '@/lib/trim';

/**
 * Largest body accepted, in UTF-8 bytes. A rich-text message is a few KB; 1 MiB leaves room for
 * pasted email threads while bounding the parser's work and the row size. Attachments are a
 * separate channel (at most 50 MB per message).
 */
export const MAX_BODY_BYTES = 1024 * 1024;

/**
 * Deepest element nesting accepted. htmlparser2 (under sanitize-html) keeps its open-element stack
 * in an array it `unshift`s and `indexOf`s, so its cost grows with depth × tags: 1 MB of unclosed
 * `<b>` takes over 30 s of CPU, a denial of service on the event loop. Real mail nests a few dozen
 * levels (a long quoted reply chain, a few hundred); at 500 the worst 1 MB input stays well under
 * a second. Checked by {@link estimateNestingDepth} before parsing.
 */
export const MAX_NESTING_DEPTH = 500;

/** Thrown for an over-size body; an `invalid_input` AppError so actions turn it into a form error. */
export class MessageBodyTooLargeError extends AppError {
  readonly bytes: number;

  /** `bytes`: the body's size in UTF-8 bytes (a lower bound for very large input), for logs. */
  constructor(bytes: number) {
    const message = `The message is too long: the limit is ${MAX_BODY_BYTES / (1024 * 1024)} MB. Shorten it or send the content as an attachment.`;
    super('invalid_input', message, { body: [message] });
    this.name = 'MessageBodyTooLargeError';
    this.bytes = bytes;
  }
}

/** Thrown for pathologically nested markup (see {@link MAX_NESTING_DEPTH}); also `invalid_input`. */
export class MessageBodyTooComplexError extends AppError {
  constructor() {
    const message = `The message's formatting is nested too deeply (more than ${MAX_NESTING_DEPTH} levels). Paste it as plain text or send it as an attachment.`;
    super('invalid_input', message, { body: [message] });
    this.name = 'MessageBodyTooComplexError';
  }
}

function assertWithinLimit(html: string): void {
  // A UTF-16 code unit never encodes to fewer than one UTF-8 byte, so `length` is a lower bound:
  // a huge string is refused without walking it to count bytes.
  if (html.length > MAX_BODY_BYTES) throw new MessageBodyTooLargeError(html.length);
  const bytes = utf8Length(html);
  if (bytes > MAX_BODY_BYTES) throw new MessageBodyTooLargeError(bytes);
}

function utf8Length(s: string): number {
  return Buffer.byteLength(s, 'utf8');
}

const VOID_ELEMENTS = new Set([
  'area', 'base', 'basefont', 'br', 'col', 'command', 'embed', 'frame', 'hr', 'img', 'input',
  'isindex', 'keygen', 'link', 'meta', 'param', 'source', 'track', 'wbr',
]);
const CLOSES_P = new Set(['p']);
/**
 * "Opening X closes an open Y on top of the stack" — a subset of htmlparser2's own table, so that
 * ordinary sloppy HTML (`<p>a<p>b`, `<li>a<li>b`, unclosed cells) does not count as nesting.
 * Being a subset, it can only over-estimate depth, never under-estimate it.
 */
const OPEN_IMPLIES_CLOSE = new Map<string, Set<string>>([
  ['tr', new Set(['tr', 'th', 'td'])],
  ['th', new Set(['th'])],
  ['td', new Set(['thead', 'th', 'td'])],
  ['tbody', new Set(['thead', 'tbody'])],
  ['tfoot', new Set(['thead', 'tbody'])],
  ['li', new Set(['li'])],
  ['option', new Set(['option'])],
  ['optgroup', new Set(['optgroup', 'option'])],
  ['dd', new Set(['dd', 'dt'])],
  ['dt', new Set(['dd', 'dt'])],
  ...[
    'p', 'h1', 'h2', 'h3', 'h4', 'h5', 'h6', 'address', 'article', 'aside', 'blockquote', 'details',
    'div', 'dl', 'fieldset', 'figcaption', 'figure', 'footer', 'form', 'header', 'main', 'nav',
    'ol', 'pre', 'section', 'table', 'ul',
  ].map((tag): [string, Set<string>] => [tag, CLOSES_P]),
]);

/**
 * An upper bound on the element depth htmlparser2 will reach, from a linear scan of tag-like
 * tokens. It over-counts (tags inside comments, attribute values and script text count too),
 * which errs on the safe side. Stops as soon as `limit` is exceeded.
 */
function estimateNestingDepth(html: string, limit: number): number {
  const stack: string[] = [];
  // How many of each name are open, so a close for a name that is not open is O(1) to ignore.
  const open = new Map<string, number>();
  const push = (name: string) => {
    stack.push(name);
    open.set(name, (open.get(name) ?? 0) + 1);
  };
  const pop = (): string | undefined => {
    const name = stack.pop();
    if (name !== undefined) open.set(name, (open.get(name) ?? 1) - 1);
    return name;
  };
  for (const m of html.matchAll(/<(\/?)([a-zA-Z][^\s/>]*)/g)) {
    const name = m[2].toLowerCase();
    if (m[1] === '/') {
      // Like htmlparser2: a close tag closes everything above its element; a stray one is ignored.
      if ((open.get(name) ?? 0) > 0) {
        let top = pop();
        while (top !== undefined && top !== name) top = pop();
      }
      continue;
    }
    const implied = OPEN_IMPLIES_CLOSE.get(name);
    if (implied) {
      while (stack.length > 0 && implied.has(stack[stack.length - 1])) pop();
    }
    if (!VOID_ELEMENTS.has(name)) {
      push(name);
      if (stack.length > limit) return stack.length;
    }
  }
  return stack.length;
}

/** Only these schemes may appear in a link; everything else (javascript:, vbscript:, data:, file:, relative paths) is dropped. */
const LINK_PROTOCOLS = new Set(['http:', 'https:', 'mailto:']);

/**
 * The `href` to keep for a link, or undefined to drop it.
 *
 * The value arrives with entities already decoded by the parser. We parse it with the WHATWG URL
 * parser — the same algorithm the browser will use — rather than pattern-matching, so every
 * obfuscation the browser would undo (tabs/newlines inside the scheme, leading control characters
 * or spaces, mixed case, `&#x09;` entities) is undone here too before the scheme is checked.
 * No base URL is given, so relative URLs throw and are dropped: a relative link inside the
 * iframe would resolve against the portal's own origin. The normalised `href` is what we store,
 * so the string checked and the string followed are the same.
 */
function safeHref(raw: string | undefined): string | undefined {
  if (raw === undefined) return undefined;
  let url: URL;
  try {
    url = new URL(raw.trim());
  } catch {
    return undefined;
  }
  if (!LINK_PROTOCOLS.has(url.protocol)) return undefined;
  return url.href;
}

/** colspan/rowspan: decimal integers in the ranges HTML itself clamps to; anything else is dropped. */
function safeSpan(raw: string | undefined, max: number): string | undefined {
  if (raw === undefined || !/^\s*\d{1,5}\s*$/.test(raw)) return undefined;
  const n = Number.parseInt(raw, 10);
  return n >= 1 && n <= max ? String(n) : undefined;
}

function tableCell(tagName: string, attribs: sanitizeHtml.Attributes): sanitizeHtml.Tag {
  const out: sanitizeHtml.Attributes = {};
  // Limits from the HTML standard (colspan ≤ 1000, rowspan ≤ 65534).
  const colspan = safeSpan(attribs.colspan, 1000);
  const rowspan = safeSpan(attribs.rowspan, 65534);
  if (colspan !== undefined) out.colspan = colspan;
  if (rowspan !== undefined) out.rowspan = rowspan;
  return { tagName, attribs: out };
}

/**
 * The element allow-list: email-like rich text and nothing else.
 *
 * Deliberately absent:
 * - `img`, `picture`, `source`, `video`, `audio`, and any `src`/`srcset`/`background` attribute:
 *   remote resources are forbidden. A remote image is a tracking pixel — it tells the
 *   sender when, where and from which IP the recipient read a "secure" message — and its URL can
 *   exfiltrate data. `data:` images are refused as well: they are not remote, but they would need
 *   their own MIME/size policing, `data:` URLs are a classic filter-bypass channel, and inline
 *   pictures belong in attachments, which are access-checked and downloaded explicitly.
 * - `style` elements and attributes, `class`: CSS can load remote resources (`url()`,
 *   `@import`), overlay fake UI on the portal, and hide text; the iframe's own stylesheet does
 *   the presentation.
 * - `iframe`, `object`, `embed`, `form`, `input`, `button`, `svg`, `math`, `base`, `link`,
 *   `meta`, `textarea`, `xmp`, `noscript`, `template`: active content, navigation, or
 *   raw-text/foreign-content parsing differences (mutation XSS).
 */
const ALLOWED_TAGS = [
  'p', 'br', 'b', 'strong', 'i', 'em', 'u', 's', 'blockquote', 'ul', 'ol', 'li', 'a',
  'h1', 'h2', 'h3', 'h4', 'pre', 'code', 'table', 'thead', 'tbody', 'tr', 'th', 'td', 'hr',
  'span', 'div',
];

/**
 * Disallowed elements whose *content* is dropped too, not just the tag. For the rest only the tag
 * goes and the text stays. These hold code, CSS, fallback markup or foreign content that must not
 * resurface as text or (after a different parse in the browser) as markup.
 */
const DROP_WITH_CONTENT = [
  'script', 'style', 'textarea', 'option', 'select', 'xmp', 'noscript', 'noembed', 'noframes',
  'template', 'title', 'iframe', 'object', 'embed', 'applet', 'svg', 'math', 'plaintext',
  'frameset', 'head',
];

const SANITIZE_OPTIONS: sanitizeHtml.IOptions = {
  allowedTags: ALLOWED_TAGS,
  // rel/target are listed so that the values *we* set in the `a` transform survive; the transform
  // rebuilds the attribute set, so a sender's own rel/target never get through.
  allowedAttributes: {
    a: ['href', 'rel', 'target'],
    th: ['colspan', 'rowspan'],
    td: ['colspan', 'rowspan'],
  },
  allowedClasses: {},
  allowedStyles: {},
  // Never parse style attributes with postcss: none are allowed, so there is nothing to gain and
  // a parser less in the path.
  parseStyleAttributes: false,
  // Second line of defence after `safeHref`: sanitize-html's own scheme check on every href.
  allowedSchemes: ['http', 'https', 'mailto'],
  allowedSchemesByTag: {},
  allowedSchemesAppliedToAttributes: ['href', 'src', 'cite', 'action', 'formaction', 'srcset', 'xlink:href'],
  allowProtocolRelative: false,
  disallowedTagsMode: 'discard',
  nonTextTags: DROP_WITH_CONTENT,
  // Text outside a stray </html> is still message text; do not discard it.
  enforceHtmlBoundary: false,
  // Deeply nested markup is a cheap way to hang the renderer; beyond this depth tags are dropped
  // and their text kept.
  nestingLimit: 100,
  transformTags: {
    a: (_tagName, attribs): sanitizeHtml.Tag => {
      const href = safeHref(attribs.href);
      // A link without a usable destination is just text: keep the words, lose the anchor.
      if (href === undefined) return { tagName: 'span', attribs: {} };
      // target=_blank: the iframe is sandboxed, so links must open outside it. rel: no
      // window.opener for the target page, no Referer leaking the portal URL (which identifies
      // the message), and no SEO endorsement of whatever a sender links to.
      return { tagName: 'a', attribs: { href, rel: 'noopener noreferrer nofollow', target: '_blank' } };
    },
    th: tableCell,
    td: tableCell,
  },
};

/**
 * Sanitise an untrusted message body for storage and display.
 * Throws {@link MessageBodyTooLargeError} when `html` exceeds {@link MAX_BODY_BYTES}, and
 * {@link MessageBodyTooComplexError} when it nests deeper than {@link MAX_NESTING_DEPTH}.
 */
export function sanitizeMessageHtml(html: string): string {
  assertWithinLimit(html);
  const input = stripControlCharacters(html);
  if (estimateNestingDepth(input, MAX_NESTING_DEPTH) > MAX_NESTING_DEPTH) throw new MessageBodyTooComplexError();
  return sanitizeHtml(input, SANITIZE_OPTIONS);
}

/**
 * Remove C0 control characters (except tab, LF, CR) and DEL. They carry no meaning in a message,
 * and browsers treat NUL specially (U+FFFD or dropped, depending on context) where htmlparser2
 * does not, so keeping them would leave room for the two parsers to disagree. Removing them
 * *before* parsing is safe: whatever markup the removal forms is then sanitised like any other.
 */
function stripControlCharacters(s: string): string {
  return s.replace(/[\u0000-\u0008\u000B\u000C\u000E-\u001F\u007F]/g, '');
}

// ---------------------------------------------------------------------------------------------
// Plain text <-> HTML

/** Escape text for element content. Quotes need no escaping there; `&`, `<` and `>` do. */
function escapeText(text: string): string {
  return text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
}

/** Trimmed with the linear helpers of lib/trim.ts: `/^\n+|\n+$/` is quadratic on long runs. */
const NEWLINE = /\n/;

/**
 * Plain text (composed without formatting, or quoted into a reply) to body HTML: text escaped,
 * blank lines start a new paragraph, single line breaks become `<br />`.
 *
 * The output is already in the sanitiser's canonical form (same escaping, `<br />`), so
 * `sanitizeMessageHtml(textToHtml(t)) === textToHtml(t)`.
 */
export function textToHtml(text: string): string {
  // Same control-character policy as the sanitiser, so that the output is its fixed point.
  const normalised = stripControlCharacters(text.replace(/\r\n?/g, '\n'));
  return normalised
    // A blank line — including one holding only spaces or NBSPs — separates paragraphs.
    .split(/\n[^\S\n]*\n\s*/)
    .map((paragraph) => trimMatching(paragraph, NEWLINE))
    .filter((paragraph) => paragraph.trim() !== '')
    .map((paragraph) => `<p>${paragraph.split('\n').map(linkifyLine).join('<br />')}</p>`)
    .join('');
}

const URL_IN_TEXT = /\bhttps?:\/\/[^\s<>"]+/gi;
/** Punctuation that ends a sentence rather than the address before it. */
const SENTENCE_PUNCTUATION = /[.,;:!?'*)\]]/;

/**
 * A line of text with its web addresses as links (the sanitiser's own form of a link, so the
 * output stays its fixed point). Trailing punctuation is the sentence's, not the address's. An
 * address whose normal form reads differently (other case, escapes) stays text, so the link shows
 * exactly where it goes.
 */
function linkifyLine(line: string): string {
  let out = '';
  let last = 0;
  for (const match of line.matchAll(URL_IN_TEXT)) {
    let url = match[0];
    // Not `/[…]+$/.exec(url)`: tried from every position of a long run of dots that is not at the
    // end, that is quadratic (a minute of blocked event loop for one 200,000-character body).
    const trailing = url.slice(trimEndMatching(url, SENTENCE_PUNCTUATION).length);
    // A closing parenthesis belongs to the address when it has an opening one (Wikipedia-style).
    const keep = trailing.startsWith(')') && url.includes('(') ? 1 : 0;
    url = url.slice(0, url.length - trailing.length + keep);
    const href = safeHref(url);
    if (href === undefined || (href !== url && href !== `${url}/`)) continue;
    const start = match.index;
    out += `${escapeText(line.slice(last, start))}<a href="${escapeText(href).replace(/"/g, '&quot;')}" rel="noopener noreferrer nofollow" target="_blank">${escapeText(url)}</a>`;
    last = start + url.length;
  }
  return out + escapeText(line.slice(last));
}

/** Elements that end a paragraph: a blank line around them in text. */
const PARAGRAPH_TAGS = new Set(['p', 'h1', 'h2', 'h3', 'h4', 'blockquote', 'pre', 'ul', 'ol', 'table', 'hr']);
/** Elements that end a line. */
const LINE_TAGS = new Set(['div', 'li', 'tr', 'br']);
/** Table cells are separated by a space on their row's line. */
const CELL_TAGS = new Set(['td', 'th']);

const NAMED_ENTITIES: Record<string, string> = { amp: '&', lt: '<', gt: '>', quot: '"', apos: "'", nbsp: '\u00a0' };

/** Decode the entities the sanitiser emits (plus numeric ones, for robustness). */
function decodeEntities(s: string): string {
  return s.replace(/&(#x[0-9a-f]{1,6}|#[0-9]{1,7}|[a-z]{2,8});/gi, (match: string, body: string) => {
    if (body[0] === '#') {
      const code = body[1] === 'x' || body[1] === 'X' ? Number.parseInt(body.slice(2), 16) : Number.parseInt(body.slice(1), 10);
      return code > 0 && code <= 0x10ffff && !(code >= 0xd800 && code <= 0xdfff) ? String.fromCodePoint(code) : '\ufffd';
    }
    return NAMED_ENTITIES[body.toLowerCase()] ?? match;
  });
}

// Markers for structural breaks while we walk the markup; resolved once at the end so that
// adjacent blocks do not pile up blank lines. Private-use code points cannot come from the
// input because we strip them from text first.
const LINE = '\ue000';
const PARA = '\ue001';
const PRE_NEWLINE = '\ue002';

/**
 * Message HTML to plain text, for the search index and plain-text mail parts: block elements
 * become line breaks, entities are decoded, whitespace is collapsed, links read `text (url)`.
 *
 * The input is sanitised first, which both makes this safe on untrusted input and means we only
 * ever walk the sanitiser's own regular output, where `<` and `>` occur only as tag delimiters
 * and attribute values are double-quoted — so a simple tokenizer is exact here.
 */
export function htmlToText(html: string): string {
  const clean = sanitizeMessageHtml(html);
  const tokenRe = /<(\/?)([a-z0-9]+)((?:\s+[^\s=>/]+(?:="[^"]*")?)*)\s*\/?>|([^<]+)/g;
  const out: string[] = [];
  // Each open link remembers its URL and where its text starts in `out`.
  const links: { href: string; start: number }[] = [];
  let preDepth = 0;

  for (const m of clean.matchAll(tokenRe)) {
    const [, closing, tag, attrs, text] = m;
    if (text !== undefined) {
      const decoded = decodeEntities(text).replace(/[\ue000-\ue002]/g, '');
      out.push(preDepth > 0 ? decoded.replace(/\r?\n/g, PRE_NEWLINE) : decoded);
      continue;
    }
    const isClose = closing === '/';
    if (tag === 'pre') preDepth = Math.max(0, preDepth + (isClose ? -1 : 1));
    if (tag === 'a') {
      if (!isClose) {
        const hrefMatch = /\shref="([^"]*)"/.exec(attrs ?? '');
        links.push({ href: hrefMatch ? decodeEntities(hrefMatch[1]) : '', start: out.length });
      } else {
        const link = links.pop();
        if (link && link.href !== '') {
          const label = out.slice(link.start).join('').replace(/[\s\u00a0\ue000-\ue002]+/g, ' ').trim();
          const bare = link.href.replace(/^mailto:/i, '');
          // Show the URL unless the text already is it (a pasted link reads fine as is).
          if (label === '') out.push(link.href);
          else if (label !== link.href && label !== bare && label !== link.href.replace(/\/$/, '')) {
            out.push(` (${link.href})`);
          }
        }
      }
      continue;
    }
    if (PARAGRAPH_TAGS.has(tag)) out.push(PARA);
    else if (LINE_TAGS.has(tag)) out.push(LINE);
    else if (CELL_TAGS.has(tag) && !isClose) out.push(' ');
    if (tag === 'li' && !isClose) out.push('- ');
  }

  return out
    .join('')
    // Ordinary whitespace (including newlines in the source, which HTML treats as spaces) collapses.
    .replace(/[ \t\n\r\f\u00a0]+/g, ' ')
    .replace(new RegExp(PRE_NEWLINE, 'g'), LINE)
    .split(PARA)
    .map((para) =>
      trimMatching(
        para
          .split(LINE)
          .map((line) => line.trim())
          .join('\n'),
        NEWLINE,
      ).replace(/\n{2,}/g, '\n'),
    )
    .filter((para) => para !== '')
    .join('\n\n');
}

/** A body quoted into a reply (the compose page's Reply): its text, every line behind "> ". */
export function quoteForReply(html: string): string {
  return htmlToText(html)
    .split('\n')
    .map((line) => `> ${line}`)
    .join('\n');
}
