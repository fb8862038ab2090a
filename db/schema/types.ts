import { customType } from 'drizzle-orm/pg-core';

/** Case-insensitive text (PostgreSQL's citext extension): email addresses and domains. */
export const citext = customType<{ data: string }>({
  dataType() {
    return 'citext';
  },
});

/** Client IP address. */
export const inet = customType<{ data: string }>({
  dataType() {
    return 'inet';
  },
});

/** Raw bytes (ciphertexts, wrapped keys). */
export const bytea = customType<{ data: Buffer; driverData: Buffer }>({
  dataType() {
    return 'bytea';
  },
});
