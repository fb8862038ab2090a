import { z } from 'zod';
import { emailFieldFor } from '@/lib/auth/schemas';
import { uuidSchema } from '@/lib/ids';

/** Shared by the Add / Edit forms and their server actions. Unknown keys (orgId, status…) are stripped. */
const text = (label: string, max: number) => z.string().trim().max(max, `${label} is too long (at most ${max} characters).`);

export const administratorDetailsSchema = z.object({
  name: text('The name', 120).min(1, 'Enter a name.'),
  email: emailFieldFor("Enter the administrator's email address."),
  // Checked as a phone number (and stored as E.164) on the server: see `contactPhone`.
  phone: text('The phone number', 40).regex(/^[0-9+().\-\s]*$/, 'Use digits, spaces and + ( ) - only.'),
  addressLine1: text('The address', 200),
  addressLine2: text('The address', 200),
  city: text('The city', 100),
  region: text('The state or region', 100),
  postalCode: text('The postal code', 20),
  country: text('The country', 100),
  level: z.coerce
    .number({ message: 'Choose a level.' })
    .int()
    .refine((v) => v === 1 || v === 2 || v === 3, 'Choose level 1, 2 or 3.'),
});

/** "Add administrator" invites: contact details and level, no password (they choose their own). */
export const addAdministratorSchema = administratorDetailsSchema;

export const updateAdministratorSchema = administratorDetailsSchema.extend({ id: uuidSchema('Unknown administrator.') });

export const administratorIdSchema = z.object({ id: uuidSchema('Unknown administrator.') });
/** Several administrators, ticked on the list. */
export const administratorIdsSchema = z.object({ ids: z.array(uuidSchema('Unknown administrator.')).min(1, 'Select at least one administrator.').max(1000) }).strict();

export type AdministratorDetails = z.infer<typeof administratorDetailsSchema>;
export type AddAdministratorInput = z.infer<typeof addAdministratorSchema>;
export type UpdateAdministratorInput = z.infer<typeof updateAdministratorSchema>;

export const invitationIdSchema = z.object({ id: uuidSchema('Unknown invitation.') });

export const confirmEmailChangeSchema = z.object({ token: z.string().max(100) });
