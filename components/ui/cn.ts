import { clsx, type ClassValue } from 'clsx';
import { extendTailwindMerge } from 'tailwind-merge';

// Teach tailwind-merge our custom `--radius-card` token so `rounded-card` and `rounded-md` dedupe.
const twMerge = extendTailwindMerge({ extend: { theme: { radius: ['card'] } } });

export function cn(...inputs: ClassValue[]): string {
  return twMerge(clsx(inputs));
}
