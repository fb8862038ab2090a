import { z } from 'zod';
import { emailField, emailFieldFor } from '@/lib/auth/schemas';

/** The settings form; unknown keys (orgId, updatedBy…) are stripped. */
export const identityProviderSchema = z.object({
  issuer: z.string().trim().min(1, 'Enter the issuer URL.').max(500, 'The issuer URL is too long.'),
  clientId: z.string().trim().min(1, 'Enter the client ID.').max(500, 'The client ID is too long.'),
  /** Empty keeps the stored secret. */
  clientSecret: z.string().max(2000, 'The client secret is too long.').default(''),
  domains: z.array(z.string().trim().toLowerCase().max(253)).min(1, 'Choose at least one domain.').max(100),
  requiredForAdministrators: z.boolean().default(false),
  requiredForInternalUsers: z.boolean().default(false),
});
export type IdentityProviderInput = z.input<typeof identityProviderSchema>;

export const testConnectionSchema = identityProviderSchema.pick({ issuer: true, clientId: true, clientSecret: true });

export const signInMethodSchema = z.object({ email: emailField });

export const startDomainSignInSchema = z.object({ email: emailField, callbackUrl: z.string().max(2048).optional() });

/** Whose Domain sign-in binding a level 1 administrator removes: an address of the organisation. */
export const unlinkDomainIdentitySchema = z.object({ email: emailFieldFor('Enter the email address of the account to unlink.') });
