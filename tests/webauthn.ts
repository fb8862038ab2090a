import { createHash, generateKeyPairSync, randomBytes, sign, type KeyObject } from 'node:crypto';
import type { AuthenticationResponseJSON, PublicKeyCredentialCreationOptionsJSON, PublicKeyCredentialRequestOptionsJSON, RegistrationResponseJSON } from '@simplewebauthn/server';
import { isoCBOR } from '@simplewebauthn/server/helpers';

/**
 * A software authenticator for the database tests: an ES256 key made here, `none` attestation,
 * a signature counter, and the flags a real one sets (user present; user verified unless told
 * otherwise). It answers exactly what a browser would send, so the server's checks (challenge,
 * origin, RP ID, signature, counter, user verification) run for real.
 */
export function softwareAuthenticator(options: { origin: string; rpId: string; synced?: boolean; transports?: string[] }) {
  const { privateKey, publicKey } = generateKeyPairSync('ec', { namedCurve: 'P-256' });
  const jwk = publicKey.export({ format: 'jwk' });
  const credentialId = randomBytes(16);
  const id = credentialId.toString('base64url');
  let counter = 0;
  let userHandle = '';
  const rpIdHash = createHash('sha256').update(options.rpId).digest();
  const cose = new Map<number, number | Uint8Array>([
    [1, 2], // kty: EC2
    [3, -7], // alg: ES256
    [-1, 1], // crv: P-256
    [-2, new Uint8Array(Buffer.from(jwk.x ?? '', 'base64url'))],
    [-3, new Uint8Array(Buffer.from(jwk.y ?? '', 'base64url'))],
  ]);

  function authData(flags: { uv: boolean; attested: boolean }, count: number) {
    const f = 0x01 | (flags.uv ? 0x04 : 0) | (options.synced ? 0x08 | 0x10 : 0) | (flags.attested ? 0x40 : 0);
    const parts = [rpIdHash, Buffer.from([f]), Buffer.alloc(4)];
    parts[2].writeUInt32BE(count);
    if (flags.attested) {
      const len = Buffer.alloc(2);
      len.writeUInt16BE(credentialId.length);
      parts.push(Buffer.alloc(16), len, credentialId, Buffer.from(isoCBOR.encode(cose)));
    }
    return Buffer.concat(parts);
  }

  const clientData = (type: string, challenge: string, origin = options.origin) => Buffer.from(JSON.stringify({ type, challenge, origin, crossOrigin: false }));

  return {
    id,
    get counter() {
      return counter;
    },
    register(creation: PublicKeyCredentialCreationOptionsJSON, o: { origin?: string } = {}): RegistrationResponseJSON {
      userHandle = creation.user.id;
      const attestationObject = isoCBOR.encode(new Map<string, unknown>([['fmt', 'none'], ['attStmt', new Map()], ['authData', new Uint8Array(authData({ uv: true, attested: true }, counter))]]) as never);
      return {
        id,
        rawId: id,
        type: 'public-key',
        authenticatorAttachment: 'cross-platform',
        clientExtensionResults: {},
        response: {
          clientDataJSON: clientData('webauthn.create', creation.challenge, o.origin).toString('base64url'),
          attestationObject: Buffer.from(attestationObject).toString('base64url'),
          transports: (options.transports ?? ['usb']) as RegistrationResponseJSON['response']['transports'],
        },
      };
    },
    /** An assertion; `counter` forces the counter reported (a clone's), `uv: false` a key without a PIN. */
    assert(request: PublicKeyCredentialRequestOptionsJSON, o: { uv?: boolean; counter?: number; key?: KeyObject; origin?: string } = {}): AuthenticationResponseJSON {
      counter = o.counter ?? counter + 1;
      const data = authData({ uv: o.uv ?? true, attested: false }, counter);
      const client = clientData('webauthn.get', request.challenge, o.origin);
      const signature = sign('sha256', Buffer.concat([data, createHash('sha256').update(client).digest()]), o.key ?? privateKey);
      return {
        id,
        rawId: id,
        type: 'public-key',
        authenticatorAttachment: 'cross-platform',
        clientExtensionResults: {},
        response: {
          clientDataJSON: client.toString('base64url'),
          authenticatorData: data.toString('base64url'),
          signature: signature.toString('base64url'),
          userHandle: userHandle || undefined,
        },
      };
    },
  };
}
