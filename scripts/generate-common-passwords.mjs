// Regenerates lib/auth/common-passwords.json: the 10,000 most common passwords (lower case) from
// the ranked list in @zxcvbn-ts/language-common. Run with `node scripts/generate-common-passwords.mjs`.
import p from '@zxcvbn-ts/language-common/dist/passwords.json.mjs';
import fs from 'node:fs';
const top = [...new Set(p.slice(0, 10000).map((s) => s.toLowerCase()))];
fs.writeFileSync('lib/auth/common-passwords.json', JSON.stringify(top) + '\n');
console.log(top.length);
