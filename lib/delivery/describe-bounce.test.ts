import { describe, expect, it } from 'vitest';
import { describeBounce, type DescribeInput } from './describe-bounce';

const base: DescribeInput = { event: 'bounced', smtpCode: null, enhancedCode: '', diagnostic: '', reason: null, bounceClass: null };

describe('describeBounce', () => {
  it('says whether it is retried from the event and the Action, not the first digit of the code', () => {
    // A final 4.4.7 used to read "will be retried".
    expect(describeBounce({ ...base, enhancedCode: '4.4.7', dsnAction: 'failed' }).retry).toMatch(/^No: the sending server already retried and gave up/);
    // A 5xx deferral (some servers answer 5xx and the sender still retries) is being retried.
    expect(describeBounce({ ...base, event: 'deferred', smtpCode: 550, enhancedCode: '5.7.1', dsnAction: 'delayed' }).retry).toMatch(/^Yes/);
    expect(describeBounce({ ...base, event: 'bounced', smtpCode: 452, enhancedCode: '4.2.2', diagnostic: '452 4.2.2 Mailbox full' }).retry).toMatch(/^No: this is a final failure/);
  });

  it.each([
    ['550 5.1.1 User unknown', '5.1.1', 'user_unknown', 'hard', 'recipient', /does not exist/],
    ['552 5.2.2 Mailbox full', '5.2.2', 'mailbox_full', 'soft', 'recipient', /mailbox is full/],
    ['550 5.7.1 Message rejected as spam', '5.7.1', 'spam_blocked', 'soft', 'policy', /spam/],
    ['550 5.7.26 Unauthenticated email is not accepted due to domain’s DMARC policy', '5.7.26', 'auth_failure', 'soft', 'sending', /SPF, DKIM or DMARC/],
  ])('%s: reason, class and side, derived when the event has none stored', (diagnostic, code, reason, klass, side, happened) => {
    const d = describeBounce({ ...base, smtpCode: Number(diagnostic.slice(0, 3)), enhancedCode: code, diagnostic });
    expect(d).toMatchObject({ reason, bounceClass: klass, side });
    expect(d.happened).toMatch(happened);
    expect(d.todo.length).toBeGreaterThan(10);
  });

  it("shows the sender's class beside ours only when they differ", () => {
    expect(describeBounce({ ...base, reason: 'mailbox_full', bounceClass: 'soft', reportedClass: 'hard' }).reportedClass).toBe('hard');
    expect(describeBounce({ ...base, reason: 'user_unknown', bounceClass: 'hard', reportedClass: 'hard' }).reportedClass).toBeNull();
  });

  it('explains complaints, unparsed bounces and suppressed sends', () => {
    expect(describeBounce({ ...base, event: 'complained' })).toMatchObject({ reasonLabel: 'Complaint', side: 'recipient' });
    expect(describeBounce({ ...base, event: 'unparsed', diagnostic: 'Unparsed bounce: no recipient' }).happened).toMatch(/could not read/);
    expect(describeBounce({ ...base, event: 'dropped', diagnostic: "Not sent: a@b.example is on the organisation's suppression list (user unknown)." }).happened).toMatch(/suppression list/);
    expect(describeBounce({ ...base, event: 'delivered' })).toMatchObject({ reason: null, happened: 'The recipient’s server accepted the message.' });
  });
});
