import { z } from 'zod';
import { uuidSchema } from '@/lib/ids';

export const EXPIRY_CHOICES = [1, 7, 30] as const;
export const RESTRICTIONS = ['none', 'no_print', 'no_print_no_reply'] as const;

const address = z.string().trim().toLowerCase().email('Not an email address.').max(254);

/** Compose and reply, shared by the form and the server action. */
export const sendMessageSchema = z.object({
  to: z.array(address).min(1, 'Add at least one recipient.').max(50, 'At most 50 recipients.'),
  cc: z.array(address).max(50, 'At most 50 recipients.').default([]),
  subject: z
    .string()
    .trim()
    .min(1, 'Enter a subject.')
    .max(200, 'Keep the subject under 200 characters.')
    .refine((s) => !/[\r\n]/.test(s), 'The subject must be a single line.'),
  body: z.string().max(200_000, 'The message is too long.'),
  /** `html`: the composer's formatted text (sanitised on the server); `text`: plain text (line breaks kept). */
  bodyFormat: z.enum(['text', 'html']).default('text'),
  attachmentIds: z.array(uuidSchema('Unknown attachment.')).max(20, 'At most 20 attachments.').default([]),
  readReceipt: z.boolean().default(false),
  restriction: z.enum(RESTRICTIONS).default('none'),
  expireDays: z.union([z.literal(1), z.literal(7), z.literal(30), z.null()]).default(null),
  inReplyTo: uuidSchema('Unknown message.').nullable().default(null),
  /** The compose page's draft id: its saved draft (Drafts) goes once the message is sent. */
  draftId: z.string().max(200).nullable().default(null),
});

export type SendMessageInput = z.infer<typeof sendMessageSchema>;
