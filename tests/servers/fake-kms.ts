import { createCipheriv, createDecipheriv, randomBytes } from 'node:crypto';
import http from 'node:http';
import type { AddressInfo } from 'node:net';

export type KmsCall = { target: string; keyId: string; encryptionContext: Record<string, string>; authorization: string };

/**
 * A local stand-in for AWS KMS (the JSON 1.1 protocol: POST / with X-Amz-Target
 * TrentService.GenerateDataKey or TrentService.Decrypt) for the real @aws-sdk/client-kms to talk
 * to. Its "customer master key" is a random AES key: a CiphertextBlob is the data key sealed under
 * it with the key id and the encryption context as associated data, so Decrypt with another
 * context, or of a changed blob, is refused (InvalidCiphertextException) as KMS refuses it.
 */
export async function startFakeKms(keyId = 'arn:aws:kms:eu-west-1:111122223333:key/0f9a8b7c-test') {
  const master = randomBytes(32);
  const calls: KmsCall[] = [];
  let down = false;
  const aad = (context: Record<string, string>) =>
    Buffer.from(
      JSON.stringify(
        Object.keys(context)
          .sort()
          .map((k) => [k, context[k]]),
      ),
    );
  const server = http.createServer((req, res) => {
    let raw = '';
    req.on('data', (chunk: Buffer) => (raw += chunk.toString('utf8')));
    req.on('end', () => {
      const answer = (status: number, body: unknown) => res.writeHead(status, { 'content-type': 'application/x-amz-json-1.1' }).end(JSON.stringify(body));
      const target = String(req.headers['x-amz-target'] ?? '');
      const body = JSON.parse(raw || '{}') as { KeyId?: string; KeySpec?: string; EncryptionContext?: Record<string, string>; CiphertextBlob?: string };
      const context = body.EncryptionContext ?? {};
      calls.push({ target, keyId: body.KeyId ?? '', encryptionContext: context, authorization: String(req.headers.authorization ?? '') });
      if (down) return answer(500, { __type: 'KMSInternalException', message: 'The stand-in is down.' });
      if (!String(req.headers.authorization ?? '').startsWith('AWS4-HMAC-SHA256')) return answer(400, { __type: 'UnrecognizedClientException', message: 'Unsigned request.' });
      if (body.KeyId !== undefined && body.KeyId !== keyId) return answer(400, { __type: 'NotFoundException', message: `Key '${body.KeyId}' does not exist` });
      if (target === 'TrentService.GenerateDataKey') {
        if (body.KeySpec !== 'AES_256') return answer(400, { __type: 'ValidationException', message: 'KeySpec must be AES_256 here.' });
        const plain = randomBytes(32);
        const nonce = randomBytes(12);
        const cipher = createCipheriv('aes-256-gcm', master, nonce);
        cipher.setAAD(aad(context));
        const sealed = Buffer.concat([nonce, cipher.update(plain), cipher.final(), cipher.getAuthTag()]);
        return answer(200, { KeyId: keyId, Plaintext: plain.toString('base64'), CiphertextBlob: sealed.toString('base64') });
      }
      if (target === 'TrentService.Decrypt') {
        try {
          const blob = Buffer.from(body.CiphertextBlob ?? '', 'base64');
          const decipher = createDecipheriv('aes-256-gcm', master, blob.subarray(0, 12));
          decipher.setAAD(aad(context));
          decipher.setAuthTag(blob.subarray(blob.length - 16));
          const plain = Buffer.concat([decipher.update(blob.subarray(12, blob.length - 16)), decipher.final()]);
          return answer(200, { KeyId: keyId, Plaintext: plain.toString('base64'), EncryptionAlgorithm: 'SYMMETRIC_DEFAULT' });
        } catch {
          return answer(400, { __type: 'InvalidCiphertextException', message: 'The ciphertext is invalid for this key and context.' });
        }
      }
      return answer(400, { __type: 'UnknownOperationException', message: target });
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    keyId,
    calls,
    setDown(value: boolean) {
      down = value;
    },
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}
