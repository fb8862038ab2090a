import { afterEach, describe, expect, it } from 'vitest';
import { resetEnvCache } from '@/lib/env';
import { assertPublicIssuer, issuerProblem, NOT_PUBLIC } from './oidc';

const saved = process.env.APP_URL;

function servedAt(url: string) {
  process.env.APP_URL = url;
  resetEnvCache();
}

afterEach(() => {
  process.env.APP_URL = saved;
  resetEnvCache();
});

describe('identity provider addresses', () => {
  it('in a production deployment (https), refuses issuers on this machine or a private network', async () => {
    servedAt('https://portal.example.com');
    expect(issuerProblem('http://127.0.0.1:4400')).toMatch(/https/);
    for (const url of ['https://127.0.0.1:5432', 'https://10.1.2.3', 'https://[::1]:8443', 'https://[::ffff:192.168.1.4]', 'https://169.254.169.254', 'https://localhost:3702']) {
      await expect(assertPublicIssuer(new URL(url)), url).rejects.toMatchObject({ code: 'invalid_input', message: NOT_PUBLIC });
    }
    await expect(assertPublicIssuer(new URL('https://93.184.215.14'))).resolves.toBeUndefined();
  });

  it('in development and tests (http), allows a provider run locally', async () => {
    servedAt('http://localhost:3000');
    expect(issuerProblem('http://127.0.0.1:4400')).toBeNull();
    await expect(assertPublicIssuer(new URL('https://10.1.2.3'))).resolves.toBeUndefined();
    expect(issuerProblem('http://login.example.com')).toMatch(/https/);
  });
});
