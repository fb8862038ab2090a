/**
 * For operators: the encryption keys of secure messages (lib/crypto/keys.ts).
 *
 *   npm run keys -- status    what is encrypted, under which key versions, and what is left plain
 *   npm run keys -- migrate   encrypts messages, files and gateway messages stored before encryption at rest
 *   npm run keys -- rotate    a new key-encryption key version per organisation; every message key
 *                             rewrapped under it (the content is not touched); old versions retired
 *
 * All work in batches while the app serves; an interrupted run is resumed by running it again.
 * Needs DATABASE_URL, and SEALPOST_MASTER_KEY or KMS_KEY_ID as the app has them (a demo's master
 * key is read from $SEALPOST_DATA_DIR/master-key).
 */
import fs from 'node:fs';
import path from 'node:path';
import { sql } from 'drizzle-orm';
import { closeDb, getDb } from '@/db/client';
import { env, resetEnvCache } from '@/lib/env';
import { migratePlainContent, plainCounts, rotateKeys } from '@/lib/crypto/maintenance';

const command = process.argv[2];
if (!['status', 'migrate', 'rotate'].includes(command ?? '')) {
  console.error('Usage: npm run keys -- status | migrate | rotate');
  process.exit(2);
}

// A demo's master key, as `npm start` generated it (it hands the app the same value).
if (!env().SEALPOST_MASTER_KEY && !env().KMS_KEY_ID) {
  const file = path.resolve(env().SEALPOST_DATA_DIR, 'master-key');
  if (fs.existsSync(file)) {
    process.env.SEALPOST_MASTER_KEY = fs.readFileSync(file, 'utf8').trim();
    resetEnvCache();
    console.log(`Using the demo master key in ${path.relative(process.cwd(), file)}.`);
  }
}

const progress = (line: string) => console.log(line);
try {
  if (command === 'migrate') {
    await migratePlainContent({ progress });
  } else if (command === 'rotate') {
    await rotateKeys({ progress });
  } else {
    const left = await plainCounts();
    const versions = await getDb().execute<{ org: string; kind: string; version: number; provider: string; retired: boolean; messages: number }>(sql`
      select o.name as org, k.kind, k.version, k.provider, k.retired_at is not null as retired,
        (select count(*)::int from secure_messages m where m.org_id = k.org_id and k.kind = 'kek' and m.key_version = k.version and m.data_key is not null) as messages
      from organisation_keys k join organisations o on o.id = k.org_id order by o.name, k.kind, k.version`);
    for (const v of versions) console.log(`${v.org}: ${v.kind} v${v.version} (${v.provider})${v.retired ? ' retired' : ''}${v.kind === 'kek' ? `, ${v.messages} message keys` : ''}`);
    console.log(`Left to encrypt: ${left.messages} messages, ${left.files} files, ${left.gatewayMessages} gateway messages (sealed once their delivery is over).`);
  }
} catch (error) {
  console.error(error instanceof Error ? error.message : error);
  process.exitCode = 1;
} finally {
  await closeDb();
}
