import 'server-only';
import { and, eq } from 'drizzle-orm';
import { getDb } from '@/db/client';
import { administrators, organisations, renewalReminders, subscriptions } from '@/db/schema';
import { env } from '@/lib/env';
import { formatDay } from '@/lib/format';
import { queueMessage } from '@/lib/mail/queue-message';
import { renewalReminderEmail } from '@/lib/mail/templates';
import { addDays, toDay } from '@/lib/licensing/term';

export const REMINDER_DAYS = [30, 7, 1] as const;

/**
 * Emails each organisation's level 1 administrators 30, 7 and 1 days before its renewal date.
 * Runs hourly; the (organisation, renewal date, offset) key makes each reminder go out once, even
 * when several workers run it at the same moment.
 */
export async function sendRenewalReminders(now = new Date()) {
  const db = getDb();
  const today = toDay(now);
  let sent = 0;
  for (const days of REMINDER_DAYS) {
    const due = await db
      .select({ orgId: subscriptions.orgId, renewalDate: subscriptions.renewalDate, orgName: organisations.name, licenses: subscriptions.licensesPurchased })
      .from(subscriptions)
      .innerJoin(organisations, eq(organisations.id, subscriptions.orgId))
      .where(eq(subscriptions.renewalDate, addDays(today, days)));
    for (const sub of due) {
      await db.transaction(async (tx) => {
        const [claimed] = await tx
          .insert(renewalReminders)
          .values({ orgId: sub.orgId, renewalDate: sub.renewalDate, daysBefore: days, sentAt: now })
          .onConflictDoNothing()
          .returning({ orgId: renewalReminders.orgId });
        if (!claimed) return;
        const recipients = await tx
          .select({ email: administrators.email, name: administrators.name })
          .from(administrators)
          .where(and(eq(administrators.orgId, sub.orgId), eq(administrators.level, 1), eq(administrators.status, 'active')));
        for (const admin of recipients) {
          const message = renewalReminderEmail({
            name: admin.name,
            organisation: sub.orgName,
            renewalDate: formatDay(sub.renewalDate),
            days,
            licenses: sub.licenses,
            url: `${env().APP_URL}/renewals`,
          });
          await queueMessage(tx, {
            orgId: sub.orgId,
            channel: 'email',
            kind: 'renewal_reminder',
            recipient: admin.email,
            subject: message.subject,
            bodyText: message.text,
            bodyHtml: message.html,
            carriesSecret: false,
          });
          sent++;
        }
      });
    }
  }
  return { sent };
}
