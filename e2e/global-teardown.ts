import { cleanupE2eDatabase } from './database';

export default async function teardown() {
  await cleanupE2eDatabase();
}
