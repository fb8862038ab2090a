import { z } from 'zod';
import { uuidSchema } from '@/lib/ids';

/**
 * The browser's answers to a WebAuthn ceremony, as @simplewebauthn/browser serialises them
 * (base64url strings). Checked for shape and size here; what they say is checked by
 * @simplewebauthn/server. Shared by the server actions and the Auth.js providers.
 */
const base64url = (max: number) => z.string().max(max).regex(/^[A-Za-z0-9_-]*$/, 'Not base64url.');

export const PASSKEY_NAME_MAX = 60;

/** No extensions are asked for: whatever a browser reports is dropped. */
const clientExtensionResults = z
  .custom<object>((v) => v === undefined || (typeof v === 'object' && v !== null && !Array.isArray(v)), 'Not an object.')
  .transform(() => ({}));

export const passkeyNameField = z.string().trim().max(PASSKEY_NAME_MAX, `Use at most ${PASSKEY_NAME_MAX} characters.`);

const KNOWN_TRANSPORTS = ['ble', 'cable', 'hybrid', 'internal', 'nfc', 'smart-card', 'usb'] as const;
type Transport = (typeof KNOWN_TRANSPORTS)[number];
/** Browsers may name transports this code does not know yet: those are dropped. */
const transports = z
  .array(z.string().max(32))
  .max(16)
  .transform((values) => values.filter((v): v is Transport => (KNOWN_TRANSPORTS as readonly string[]).includes(v)));

export const registrationResponseSchema = z.object({
  id: base64url(1400).min(1),
  rawId: base64url(1400).min(1),
  type: z.literal('public-key'),
  authenticatorAttachment: z.enum(['platform', 'cross-platform']).optional(),
  clientExtensionResults,
  response: z.object({
    clientDataJSON: base64url(8192).min(1),
    attestationObject: base64url(65536).min(1),
    authenticatorData: base64url(65536).optional(),
    transports: transports.optional(),
    publicKeyAlgorithm: z.number().int().optional(),
    publicKey: base64url(8192).optional(),
  }),
});

export const authenticationResponseSchema = z.object({
  id: base64url(1400).min(1),
  rawId: base64url(1400).min(1),
  type: z.literal('public-key'),
  authenticatorAttachment: z.enum(['platform', 'cross-platform']).optional(),
  clientExtensionResults,
  response: z.object({
    clientDataJSON: base64url(8192).min(1),
    authenticatorData: base64url(65536).min(1),
    // ML-DSA (post-quantum) signatures run to several kilobytes.
    signature: base64url(16384).min(1),
    userHandle: base64url(256).optional(),
  }),
});

export type RegistrationResponseInput = z.infer<typeof registrationResponseSchema>;
export type AuthenticationResponseInput = z.infer<typeof authenticationResponseSchema>;

/** Adding a passkey: the challenge it answers, the browser's answer, and the name the administrator typed. */
export const addPasskeySchema = z.object({ challengeId: uuidSchema(), name: passkeyNameField, response: registrationResponseSchema });

export const renamePasskeySchema = z.object({ id: uuidSchema(), name: passkeyNameField.min(1, 'Enter a name.') });

export const removePasskeySchema = z.object({ id: uuidSchema() });

/** A sign-in with a passkey (password-less, or the second step after the password). */
export const passkeyAssertionSchema = z.object({ challengeId: uuidSchema(), response: authenticationResponseSchema, callbackUrl: z.string().max(2000).optional() });

/**
 * What the Auth.js passkey providers receive (their credentials arrive as form fields): the
 * challenge answered and the browser's answer as JSON.
 */
export const passkeyCredentials = z.object({
  challengeId: uuidSchema(),
  response: z
    .string()
    .max(200_000)
    .transform((text, ctx) => {
      try {
        return JSON.parse(text) as unknown;
      } catch {
        ctx.addIssue({ code: 'custom', message: 'Not JSON.' });
        return z.NEVER;
      }
    })
    .pipe(authenticationResponseSchema),
});
