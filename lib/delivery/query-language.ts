/**
 * The delivery-event search query language (README "Delivery events API"): free text, quoted phrases, `field:value`
 * terms, AND / OR / NOT (any case), implicit AND and parentheses.
 *
 * Pure module: `parseQuery` turns user text into a small AST or a positioned error (it never
 * throws, whatever the input), `compileQuery` turns the AST into a parameterised drizzle `SQL`
 * condition over `delivery_events`. User text only ever reaches the database as bound parameters.
 *
 * What this module deliberately does NOT do: the tenant filter (`org_id = …`) and the date range.
 * The domain layer adds both around the compiled condition, so that no query text, however
 * crafted, can widen the search beyond one organisation: the tenant filter is added by the domain layer, never by the parser.
 *
 * Grammar (precedence NOT > AND > OR):
 *
 *   query   := or
 *   or      := and ( OR and )*
 *   and     := unary ( [AND] unary )*          -- adjacent terms are joined by an implicit AND
 *   unary   := NOT unary | primary
 *   primary := term | "(" or ")"
 *   term    := word | phrase | field ":" ( word | phrase )
 *   phrase  := '"' ( any char except '"' and '\' | '\"' | '\\' | '\' other )* '"'
 *   word    := one or more chars other than whitespace, '(', ')' and '"'
 *
 * AND / OR / NOT are operators only as bare words; quote them ("or") to search for the word.
 * A bare word that starts like `name:` is a field term; an unknown name is an error rather than a
 * silent free-text search, so a typo such as `frm:` is pointed out instead of matching nothing.
 *
 * Positions are 0-based indexes into the string in UTF-16 code units (what JavaScript's
 * `String#length` and `slice` use), so a UI can put a caret under `text.slice(0, position)`.
 */
import 'server-only';
import { sql, type Column, type SQL } from 'drizzle-orm';
import { BOUNCE_CLASSES, DELIVERY_EVENTS, DELIVERY_METHODS, deliveryEvents, deliveryWordsQuery } from '@/db/schema';
import { BOUNCE_REASONS, REASON_LABELS, type BounceReason } from './classify-bounce';
import { likePattern } from '@/lib/like';
import { DELIVERY_ROUTES, ROUTE_ALIASES, ROUTE_LABELS, routeNamed, type DeliveryRoute } from './routes';

export type DeliveryEvent = (typeof DELIVERY_EVENTS)[number];
export type DeliveryMethod = (typeof DELIVERY_METHODS)[number];
export type BounceClass = (typeof BOUNCE_CLASSES)[number];

/** Longest accepted query, in UTF-16 code units. Longer input is refused, never truncated. */
export const MAX_QUERY_LENGTH = 500;
/** Most terms (free text, phrases and field:value) in one query. */
export const MAX_QUERY_TERMS = 20;
/** Deepest parenthesis nesting. */
export const MAX_QUERY_DEPTH = 8;

/** Field names in the order the error message lists them. */
export const QUERY_FIELDS = ['from', 'to', 'status', 'code', 'method', 'id', 'server', 'class', 'reason', 'route'] as const;
export type QueryField = (typeof QUERY_FIELDS)[number];

/** Short words for bounce reasons (reason:full, reason:spam, reason:dmarc …). */
export const REASON_ALIASES: Readonly<Record<string, BounceReason>> = {
  unknown: 'user_unknown',
  user: 'user_unknown',
  host: 'host_unknown',
  domain: 'host_unknown',
  full: 'mailbox_full',
  quota: 'mailbox_full',
  size: 'message_too_big',
  too_big: 'message_too_big',
  spam: 'spam_blocked',
  policy: 'policy_blocked',
  reputation: 'policy_blocked',
  blocked: 'policy_blocked',
  auth: 'auth_failure',
  spf: 'auth_failure',
  dkim: 'auth_failure',
  dmarc: 'auth_failure',
  content: 'content_rejected',
  virus: 'content_rejected',
  network: 'network_error',
  relay: 'relaying_denied',
  disabled: 'mailbox_disabled',
  suspended: 'mailbox_disabled',
  rate: 'rate_limited',
  system: 'system_error',
};

/** Friendly names for delivery methods, besides the stored values themselves. */
export const METHOD_ALIASES: Readonly<Record<string, DeliveryMethod>> = {
  portal: 'secure_portal',
  secure: 'secure_portal',
  sms: 'sms_two_factor',
};

export type TextTerm = { kind: 'text'; value: string; quoted: boolean };
export type FieldTerm =
  | { kind: 'field'; field: 'from' | 'to' | 'server' | 'id'; value: string }
  | { kind: 'field'; field: 'status'; value: DeliveryEvent }
  | { kind: 'field'; field: 'method'; value: DeliveryMethod }
  | { kind: 'field'; field: 'class'; value: BounceClass }
  | { kind: 'field'; field: 'reason'; value: BounceReason }
  | { kind: 'field'; field: 'route'; value: DeliveryRoute }
  /** `codeKind` 'smtp': a 3-digit reply code; 'enhanced': an RFC 3463 code or a prefix of one. */
  | { kind: 'field'; field: 'code'; value: string; codeKind: 'smtp' | 'enhanced' };
export type TermNode = TextTerm | FieldTerm;
export type QueryNode =
  | TermNode
  | { kind: 'and'; children: [QueryNode, QueryNode, ...QueryNode[]] }
  | { kind: 'or'; children: [QueryNode, QueryNode, ...QueryNode[]] }
  | { kind: 'not'; child: QueryNode };

export type QueryError = { message: string; position: number };
export type ParseQueryResult = { ok: true; query: QueryNode | null } | { ok: false; error: QueryError };

/** Thrown only inside this module and always caught by `parseQuery`. */
class QuerySyntaxError extends Error {
  constructor(
    message: string,
    readonly position: number,
  ) {
    super(message);
  }
}

type Token =
  | { type: 'lparen' | 'rparen'; position: number }
  | { type: 'and' | 'or' | 'not'; position: number }
  | { type: 'term'; position: number; term: TermNode };

const WHITESPACE = /\s/;
const FIELD_PREFIX = /^([A-Za-z][A-Za-z0-9_-]*):/;
const OPERATORS: Readonly<Record<string, 'and' | 'or' | 'not'>> = { and: 'and', or: 'or', not: 'not' };
const SMTP_CODE = /^[2-5][0-9][0-9]$/;
// RFC 3463: class "." subject "." detail; class is 2, 4 or 5, the others 0 or 1–3 digits without
// a leading zero. A prefix (class, or class.subject) is accepted to search a whole family.
const ENHANCED_CODE = /^[245](\.(0|[1-9][0-9]{0,2})){0,2}$/;

function isQueryField(name: string): name is QueryField {
  return (QUERY_FIELDS as readonly string[]).includes(name);
}

function includes<T extends string>(list: readonly T[], value: string): value is T {
  return (list as readonly string[]).includes(value);
}

function fieldList(): string {
  const names = QUERY_FIELDS.map((f) => `${f}:`);
  return `${names.slice(0, -1).join(', ')} or ${names[names.length - 1]}`;
}

/**
 * The first character that must not reach the database or the tokenizer: C0 controls other than
 * tab / newline / carriage return (PostgreSQL text cannot hold NUL, so a NUL would otherwise turn a
 * typo into a server error), DEL, and UTF-16 surrogates without their pair (not encodable as UTF-8).
 */
function findInvalidCharacter(text: string): { position: number; code: number } | null {
  for (let i = 0; i < text.length; i++) {
    const code = text.charCodeAt(i);
    if ((code < 0x20 && code !== 0x09 && code !== 0x0a && code !== 0x0d) || code === 0x7f) {
      return { position: i, code };
    }
    if (code >= 0xd800 && code <= 0xdbff) {
      const next = i + 1 < text.length ? text.charCodeAt(i + 1) : 0;
      if (next >= 0xdc00 && next <= 0xdfff) {
        i++;
        continue;
      }
      return { position: i, code };
    }
    if (code >= 0xdc00 && code <= 0xdfff) return { position: i, code };
  }
  return null;
}

/** Reads a quoted phrase starting at the opening quote; returns its value and the index after it. */
function readPhrase(text: string, start: number): { value: string; end: number } {
  let value = '';
  let i = start + 1;
  while (i < text.length) {
    const ch = text[i];
    if (ch === '"') return { value, end: i + 1 };
    if (ch === '\\' && i + 1 < text.length && (text[i + 1] === '"' || text[i + 1] === '\\')) {
      value += text[i + 1];
      i += 2;
      continue;
    }
    // Any other backslash is kept as written, so Windows-style paths need no doubling.
    value += ch;
    i++;
  }
  throw new QuerySyntaxError('This quote is never closed: the phrase has no closing "', start);
}

/** Reads a bare word: everything up to whitespace, a parenthesis or a quote. */
function readWord(text: string, start: number): { value: string; end: number } {
  let i = start;
  while (i < text.length && !WHITESPACE.test(text[i]) && text[i] !== '(' && text[i] !== ')' && text[i] !== '"') i++;
  return { value: text.slice(start, i), end: i };
}

function fieldTerm(field: QueryField, raw: string, position: number): FieldTerm {
  switch (field) {
    case 'from':
    case 'to':
    case 'server':
    case 'id':
      return { kind: 'field', field, value: raw };
    case 'status': {
      const value = raw.toLowerCase();
      if (includes(DELIVERY_EVENTS, value)) return { kind: 'field', field, value };
      throw new QuerySyntaxError(
        `Unknown status "${raw}". Use one of: ${DELIVERY_EVENTS.join(', ')}`,
        position,
      );
    }
    case 'method': {
      // Hyphens and spaces are accepted for the underscores of the stored names (secure-portal).
      const value = raw.toLowerCase().replace(/[-\s]/g, '_');
      if (includes(DELIVERY_METHODS, value)) return { kind: 'field', field, value };
      const alias = Object.hasOwn(METHOD_ALIASES, value) ? METHOD_ALIASES[value] : undefined;
      if (alias) return { kind: 'field', field, value: alias };
      throw new QuerySyntaxError(
        `Unknown method "${raw}". Use one of: ${DELIVERY_METHODS.join(', ')} (or ${Object.keys(METHOD_ALIASES).join(', ')})`,
        position,
      );
    }
    case 'class': {
      const value = raw.toLowerCase();
      if (includes(BOUNCE_CLASSES, value)) return { kind: 'field', field, value };
      throw new QuerySyntaxError(`Unknown bounce class "${raw}". Use ${BOUNCE_CLASSES.join(' or ')}`, position);
    }
    case 'reason': {
      // Hyphens and spaces for underscores (mailbox-full), and the short words people type.
      const value = raw.toLowerCase().replace(/[-\s]/g, '_');
      if (includes(BOUNCE_REASONS, value)) return { kind: 'field', field, value };
      const alias = Object.hasOwn(REASON_ALIASES, value) ? REASON_ALIASES[value] : undefined;
      if (alias) return { kind: 'field', field, value: alias };
      throw new QuerySyntaxError(`Unknown reason "${raw}". Use one of: ${BOUNCE_REASONS.join(', ')}`, position);
    }
    case 'route': {
      const value = routeNamed(raw);
      if (value) return { kind: 'field', field, value };
      throw new QuerySyntaxError(`Unknown route "${raw}". Use one of: ${DELIVERY_ROUTES.join(', ')} (or ${Object.keys(ROUTE_ALIASES).join(', ')})`, position);
    }
    case 'code': {
      if (SMTP_CODE.test(raw)) return { kind: 'field', field, value: raw, codeKind: 'smtp' };
      if (ENHANCED_CODE.test(raw)) return { kind: 'field', field, value: raw, codeKind: 'enhanced' };
      throw new QuerySyntaxError(
        `Invalid code "${raw}". Use a 3-digit SMTP code (550) or an enhanced status code (5.1.1, or a prefix such as 5.1 or 5)`,
        position,
      );
    }
  }
}

function tokenize(text: string): Token[] {
  const tokens: Token[] = [];
  let terms = 0;
  const addTerm = (term: TermNode, position: number) => {
    terms++;
    if (terms > MAX_QUERY_TERMS) {
      throw new QuerySyntaxError(`Too many terms: a query can have at most ${MAX_QUERY_TERMS}`, position);
    }
    tokens.push({ type: 'term', position, term });
  };

  let i = 0;
  while (i < text.length) {
    const ch = text[i];
    if (WHITESPACE.test(ch)) {
      i++;
    } else if (ch === '(' || ch === ')') {
      tokens.push({ type: ch === '(' ? 'lparen' : 'rparen', position: i });
      i++;
    } else if (ch === '"') {
      const { value, end } = readPhrase(text, i);
      if (value === '') throw new QuerySyntaxError('Empty quotes: put the text to search for between them', i);
      addTerm({ kind: 'text', value, quoted: true }, i);
      i = end;
    } else {
      const start = i;
      const word = readWord(text, i);
      const operator = Object.hasOwn(OPERATORS, word.value.toLowerCase())
        ? OPERATORS[word.value.toLowerCase()]
        : undefined;
      const prefix = FIELD_PREFIX.exec(word.value);
      if (operator) {
        tokens.push({ type: operator, position: start });
        i = word.end;
      } else if (prefix) {
        const name = prefix[1];
        const field = name.toLowerCase();
        if (!isQueryField(field)) {
          throw new QuerySyntaxError(
            `Unknown field "${name}". Use ${fieldList()} (or put the text in quotes to search for it)`,
            start,
          );
        }
        const valueStart = start + prefix[0].length;
        let raw: string;
        if (valueStart === word.end && text[valueStart] === '"') {
          const phrase = readPhrase(text, valueStart);
          raw = phrase.value;
          i = phrase.end;
        } else {
          raw = text.slice(valueStart, word.end);
          i = word.end;
        }
        if (raw === '') {
          throw new QuerySyntaxError(
            `${field}: needs a value right after the colon (use quotes for a value with spaces)`,
            start,
          );
        }
        addTerm(fieldTerm(field, raw, valueStart), start);
      } else {
        addTerm({ kind: 'text', value: word.value, quoted: false }, start);
        i = word.end;
      }
    }
  }
  return tokens;
}

/** What asked for the operand being parsed: it decides which error a missing operand gives. */
type Pending = { type: 'start' } | { type: 'lparen' | 'and' | 'or' | 'not'; position: number };

class Parser {
  private index = 0;
  private depth = 0;

  constructor(private readonly tokens: Token[]) {}

  parse(): QueryNode {
    const node = this.parseOr({ type: 'start' });
    const next = this.peek();
    // parseOr stops only at ")" or the end; a ")" here has no "(" to close.
    if (next && next.type === 'rparen') throw this.unmatchedClose(next.position);
    return node;
  }

  private peek(): Token | undefined {
    return this.tokens[this.index];
  }

  private parseOr(pending: Pending): QueryNode {
    const children: QueryNode[] = [this.parseAnd(pending)];
    for (let next = this.peek(); next && next.type === 'or'; next = this.peek()) {
      this.index++;
      children.push(this.parseAnd({ type: 'or', position: next.position }));
    }
    return combine('or', children);
  }

  private parseAnd(pending: Pending): QueryNode {
    const children: QueryNode[] = [this.parseUnary(pending)];
    for (let next = this.peek(); next; next = this.peek()) {
      if (next.type === 'and') {
        this.index++;
        children.push(this.parseUnary({ type: 'and', position: next.position }));
      } else if (next.type === 'term' || next.type === 'not' || next.type === 'lparen') {
        // Implicit AND: no operator token of its own, so a missing operand cannot happen here.
        children.push(this.parseUnary({ type: 'and', position: next.position }));
      } else {
        break;
      }
    }
    return combine('and', children);
  }

  private parseUnary(pending: Pending): QueryNode {
    const next = this.peek();
    if (next && next.type === 'not') {
      this.index++;
      return { kind: 'not', child: this.parseUnary({ type: 'not', position: next.position }) };
    }
    return this.parsePrimary(pending);
  }

  private parsePrimary(pending: Pending): QueryNode {
    const next = this.peek();
    if (next && next.type === 'term') {
      this.index++;
      return next.term;
    }
    if (next && next.type === 'lparen') {
      this.index++;
      this.depth++;
      if (this.depth > MAX_QUERY_DEPTH) {
        throw new QuerySyntaxError(
          `Too deeply nested: at most ${MAX_QUERY_DEPTH} levels of parentheses`,
          next.position,
        );
      }
      const inner = this.parseOr({ type: 'lparen', position: next.position });
      const close = this.peek();
      if (!close || close.type !== 'rparen') {
        throw new QuerySyntaxError('This opening parenthesis is never closed', next.position);
      }
      this.index++;
      this.depth--;
      return inner;
    }
    throw this.missingOperand(pending, next);
  }

  private missingOperand(pending: Pending, found: Token | undefined): QuerySyntaxError {
    switch (pending.type) {
      case 'and':
      case 'or':
        return new QuerySyntaxError(`${pending.type.toUpperCase()} needs a term on both sides`, pending.position);
      case 'not':
        return new QuerySyntaxError('NOT needs a term after it', pending.position);
      case 'lparen':
        if (found && found.type === 'rparen') {
          return new QuerySyntaxError('Empty parentheses: put a search term between them', pending.position);
        }
        if (!found) {
          return new QuerySyntaxError('This opening parenthesis is never closed', pending.position);
        }
        break;
      case 'start':
        if (found && found.type === 'rparen') return this.unmatchedClose(found.position);
        break;
    }
    // Left: an AND / OR where a term should start, i.e. with nothing on its left.
    if (found && (found.type === 'and' || found.type === 'or')) {
      return new QuerySyntaxError(`${found.type.toUpperCase()} needs a term on both sides`, found.position);
    }
    // Unreachable for token streams from tokenize(); kept so that the function is total.
    return new QuerySyntaxError('Expected a search term', found ? found.position : 0);
  }

  private unmatchedClose(position: number): QuerySyntaxError {
    return new QuerySyntaxError('Unexpected closing parenthesis: there is no opening one for it', position);
  }
}

function combine(kind: 'and' | 'or', children: QueryNode[]): QueryNode {
  const [first, second, ...rest] = children;
  return second === undefined ? first : { kind, children: [first, second, ...rest] };
}

/** Parses a search query. Never throws: every input yields a query (null when blank) or an error. */
export function parseQuery(text: string): ParseQueryResult {
  try {
    if (typeof text !== 'string') return { ok: false, error: { message: 'The query must be text', position: 0 } };
    if (text.length > MAX_QUERY_LENGTH) {
      return {
        ok: false,
        error: {
          message: `The query is too long: ${text.length} characters, at most ${MAX_QUERY_LENGTH}`,
          position: MAX_QUERY_LENGTH,
        },
      };
    }
    const invalid = findInvalidCharacter(text);
    if (invalid) {
      const hex = invalid.code.toString(16).toUpperCase().padStart(4, '0');
      return {
        ok: false,
        error: { message: `The query contains an invalid character (U+${hex})`, position: invalid.position },
      };
    }
    const tokens = tokenize(text);
    if (tokens.length === 0) return { ok: true, query: null };
    return { ok: true, query: new Parser(tokens).parse() };
  } catch (error) {
    if (error instanceof QuerySyntaxError) {
      return { ok: false, error: { message: error.message, position: error.position } };
    }
    // Not expected (the input is bounded and the parser total), but a query must never become a
    // server error (bad input never gives a 500); a stack overflow would land here.
    return { ok: false, error: { message: 'The query could not be read', position: 0 } };
  }
}

const c = deliveryEvents;
const WORD_CHARACTER = /[\p{L}\p{N}]/u;

function contains(column: Column, value: string): SQL {
  return sql`${column} ilike ${likePattern(value)}`;
}

/** The method whose name (as the table shows it) the text is: "secure portal", "TLS", "SMS two-factor", "plain". */
function methodNamed(text: string): DeliveryMethod | null {
  const normal = (value: string) => value.toLowerCase().replace(/[-_\s]+/g, ' ').trim();
  const wanted = normal(text);
  return (Object.keys(METHOD_NAMES) as DeliveryMethod[]).find((method) => normal(METHOD_NAMES[method]) === wanted) ?? null;
}

function compileTerm(term: TermNode): SQL {
  if (term.kind === 'text') {
    // Free text and quoted phrases match words, in order (deliveryEventWords): `alice`,
    // `person@example.com`, `mx1.partner.example`, `5.1.1`, "user unknown". Text with no letter
    // or digit makes no words, so it is searched for as it is, in every text column. A method's
    // name as the table shows it ("secure portal") also finds the events of that method, and an
    // event's name ("bounced") the events of that kind, as the Event column shows them.
    if (WORD_CHARACTER.test(term.value)) {
      const method = methodNamed(term.value);
      if (method) return sql`(${c.words} @@ ${deliveryWordsQuery(term.value)} or ${c.method} = ${method})`;
      const event = DELIVERY_EVENTS.find((name) => name === term.value.trim().toLowerCase());
      if (event) return sql`(${c.words} @@ ${deliveryWordsQuery(term.value)} or ${c.event} = ${event})`;
      return sql`(${c.words} @@ ${deliveryWordsQuery(term.value)})`;
    }
    const columns = [c.sender, c.recipient, c.messageId, c.diagnostic, c.remoteServer];
    return sql`(${sql.join(columns.map((column) => contains(column, term.value)), sql` or `)})`;
  }
  switch (term.field) {
    case 'from':
      return sql`(${contains(c.sender, term.value)})`;
    case 'to':
      return sql`(${contains(c.recipient, term.value)})`;
    case 'server':
      return sql`(${contains(c.remoteServer, term.value)})`;
    case 'id':
      return sql`(${c.messageId} = ${term.value})`;
    case 'status':
      return sql`(${c.event} = ${term.value})`;
    case 'method':
      return sql`(${c.method} = ${term.value})`;
    case 'class':
      // bounce_class is NULL for non-bounces; coalesce keeps NOT class:hard from dropping them
      // (NOT NULL is NULL in SQL, which a WHERE clause treats as false).
      return sql`coalesce(${c.bounceClass} = ${term.value}, false)`;
    case 'reason':
      // reason is NULL for deliveries: same reason as bounce_class.
      return sql`coalesce(${c.reason} = ${term.value}, false)`;
    case 'route':
      // route is NULL for what was never sent (dropped, unparsed): same reason as bounce_class.
      return sql`coalesce(${c.route} = ${term.value}, false)`;
    case 'code':
      if (term.codeKind === 'smtp') {
        // smtp_code is nullable too: same reason as bounce_class.
        return sql`coalesce(${c.smtpCode} = ${Number(term.value)}, false)`;
      }
      // Prefix match on whole components: 5.1 matches 5.1 and 5.1.x but not 5.10.x. The value is
      // validated to digits and dots, so it holds no LIKE metacharacters.
      return sql`(${c.enhancedCode} = ${term.value} or ${c.enhancedCode} like ${`${term.value}.%`})`;
  }
}

/**
 * Compiles a parsed query to a boolean SQL condition. Every user value is a bound parameter; the
 * SQL text holds only column names, operators and placeholders. The result is always wrapped in
 * parentheses (or a function call), because drizzle's `and(...)` does not parenthesise its
 * operands: `and(eq(orgId, x), compileQuery(q))` must not let a top-level OR escape the tenant
 * filter, which the caller adds together with the date range.
 */
export function compileQuery(node: QueryNode): SQL {
  switch (node.kind) {
    case 'text':
    case 'field':
      return compileTerm(node);
    case 'and': {
      const words = sql`(${sql.join(node.children.map(compileQuery), sql` and `)})`;
      // Typed without quotes, a method's name is words side by side: secure portal.
      const texts = node.children.flatMap((child) => (child.kind === 'text' ? [child.value] : []));
      const method = texts.length === node.children.length ? methodNamed(texts.join(' ')) : null;
      return method ? sql`(${words} or ${c.method} = ${method})` : words;
    }
    case 'or':
      return sql`(${sql.join(node.children.map(compileQuery), sql` or `)})`;
    case 'not':
      return sql`(not ${compileQuery(node.child)})`;
  }
}

/** A bare word that re-parses to the same free-text or field value without quotes. */
function isBareWord(value: string): boolean {
  return (
    /^[^\s()"]+$/.test(value) && !Object.hasOwn(OPERATORS, value.toLowerCase()) && !FIELD_PREFIX.test(value)
  );
}

function quote(value: string): string {
  return `"${value.replace(/[\\"]/g, (ch) => `\\${ch}`)}"`;
}

/**
 * A normalised query string: upper-case operators, explicit AND, parentheses around every nested
 * AND / OR (so precedence is visible), canonical field values. `parseQuery(formatQuery(q))` gives
 * back `q` (within the limits: a canonical value such as sms_two_factor can be longer than `sms`).
 */
export function formatQuery(node: QueryNode): string {
  const nested = (child: QueryNode) =>
    child.kind === 'and' || child.kind === 'or' ? `(${formatQuery(child)})` : formatQuery(child);
  switch (node.kind) {
    case 'text':
      return node.quoted || !isBareWord(node.value) ? quote(node.value) : node.value;
    case 'field':
      return `${node.field}:${isBareWord(node.value) ? node.value : quote(node.value)}`;
    case 'and':
      return node.children.map(nested).join(' AND ');
    case 'or':
      return node.children.map(nested).join(' OR ');
    case 'not':
      return `NOT ${nested(node.child)}`;
  }
}

const METHOD_NAMES: Record<DeliveryMethod, string> = {
  tls: 'TLS',
  secure_portal: 'secure portal',
  sms_two_factor: 'SMS two-factor',
  plain: 'plain',
};

function describeTerm(term: TermNode): string {
  if (term.kind === 'text') return `any field has ${JSON.stringify(term.value)}`;
  switch (term.field) {
    case 'from':
      return `sender contains ${JSON.stringify(term.value)}`;
    case 'to':
      return `recipient contains ${JSON.stringify(term.value)}`;
    case 'server':
      return `remote server contains ${JSON.stringify(term.value)}`;
    case 'id':
      return `message id is ${JSON.stringify(term.value)}`;
    case 'status':
      return `status is ${term.value}`;
    case 'method':
      return `method is ${METHOD_NAMES[term.value]}`;
    case 'class':
      return `${term.value} bounce`;
    case 'reason':
      return `reason is ${REASON_LABELS[term.value].toLowerCase()}`;
    case 'route':
      return `route is ${ROUTE_LABELS[term.value].charAt(0).toLowerCase()}${ROUTE_LABELS[term.value].slice(1)}`;
    case 'code':
      if (term.codeKind === 'smtp') return `SMTP code ${term.value}`;
      return term.value.split('.').length === 3 ? `enhanced code ${term.value}` : `enhanced code ${term.value}.*`;
  }
}

/** A short human reading of a query, shown beside the count of matching events, e.g. `sender contains "a@b"`. */
export function describeQuery(node: QueryNode): string {
  const nested = (child: QueryNode) =>
    child.kind === 'and' || child.kind === 'or' ? `(${describeQuery(child)})` : describeQuery(child);
  switch (node.kind) {
    case 'text':
    case 'field':
      return describeTerm(node);
    case 'and':
      return node.children.map(nested).join(' and ');
    case 'or':
      return node.children.map(nested).join(' or ');
    case 'not':
      return `not ${nested(node.child)}`;
  }
}
