import { isBounceReason, REASON_LABELS } from '@/lib/delivery/classify-bounce';

/** A suppression's reason in words: a bounce reason's label, or "Complaint" / "Added by hand". */
export function reasonLabel(reason: string): string {
  if (isBounceReason(reason)) return REASON_LABELS[reason];
  if (reason === 'complaint') return 'Complaint (marked as spam)';
  if (reason === 'manual') return 'Added by hand';
  return reason;
}
