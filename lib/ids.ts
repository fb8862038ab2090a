import { z } from 'zod';

/**
 * The one check for ids of PostgreSQL `uuid` columns that arrive from outside (URLs, forms,
 * cursors, headers, session tokens): the canonical 8-4-4-4-12 hexadecimal form, any case.
 *
 * Every string of this form is a valid PostgreSQL uuid, so a query given one can only find or not
 * find a row. A looser check (`/^[0-9a-f-]{36}$/` let `/invoices/------------------------------------`
 * through) hands PostgreSQL a value it refuses, and "not found" became a server error. Not zod's
 * `uuid()` either: that also demands RFC 9562 version and variant digits, a second, narrower idea
 * of an id; every id this application makes (gen_random_uuid, randomUUID) passes both.
 */
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

export function isUuid(value: unknown): value is string {
  return typeof value === 'string' && UUID.test(value);
}

/** The same check in a zod schema, for forms and actions; `message` is what a bad id is told. */
export function uuidSchema(message = 'Unknown id.') {
  return z.string().regex(UUID, message);
}
