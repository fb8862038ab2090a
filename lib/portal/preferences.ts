import { z } from 'zod';
import { isTimeZone } from '@/lib/messaging/format';

export const DATE_FORMATS = ['d MMM yyyy', 'dd/MM/yyyy', 'MM/dd/yyyy', 'yyyy-MM-dd'] as const;

export const preferencesSchema = z.object({
  dateFormat: z.enum(DATE_FORMATS),
  timeFormat: z.enum(['24h', '12h']),
  weekStartsOn: z.union([z.literal(0), z.literal(1), z.literal(6)]),
  timeZone: z.string().max(64).refine(isTimeZone, 'Choose a time zone from the list.'),
  signature: z.string().max(2000, 'Keep the signature under 2,000 characters.'),
});
