import { z } from 'zod';
import { uuidSchema } from '@/lib/ids';

/** Shared by the licensed-email forms and their actions. */
export const localPartField = z.string().trim().min(1, 'Enter the part before the @.').max(64, 'At most 64 characters before the @.');
export const domainField = z.string().trim().min(1, 'Choose a domain.').max(253);

export const manualEntriesSchema = z.object({
  entries: z
    .array(z.object({ local: localPartField, domain: domainField }))
    .min(1, 'Add at least one address.')
    .max(500, 'Add at most 500 addresses at a time; use a CSV file for more.'),
});

export const buyForAddressesSchema = manualEntriesSchema.extend({
  quantity: z.coerce.number().int('Whole licenses only.').min(1, 'Buy at least 1 license.').max(100_000),
});

export const renameLicensedEmailSchema = z.object({ id: uuidSchema('Unknown licensed email.'), local: localPartField, domain: domainField });
export const licensedEmailIdSchema = z.object({ id: uuidSchema('Unknown licensed email.') });

export type ManualEntries = z.infer<typeof manualEntriesSchema>;
export const addressOf = (entry: { local: string; domain: string }) => `${entry.local.trim()}@${entry.domain.trim()}`.toLowerCase();
