import { z } from 'zod';
import { PASSWORD_MAX_LENGTH } from './password-policy';

/** Shared by the forms (react-hook-form) and the server actions. Unknown keys are stripped. */
/** An email address field; `missing` is what a blank one is told (whose address it is). */
export function emailFieldFor(missing: string) {
  return z.string().trim().min(1, missing).max(254, 'That email address is too long.').email('Enter a valid email address, like name@example.com.');
}

export const emailField = emailFieldFor('Enter your email address.');

const newPasswordField = z
  .string()
  .min(1, 'Enter a new password.')
  .max(PASSWORD_MAX_LENGTH, `Use at most ${PASSWORD_MAX_LENGTH} characters.`);

export const signInSchema = z.object({
  email: emailField,
  password: z.string().min(1, 'Enter your password.').max(1024, 'That password is too long.'),
  callbackUrl: z.string().max(2048).optional(),
});

export const requestResetSchema = z.object({ email: emailField });

const confirmed = <T extends { newPassword: string; confirmPassword: string }>(value: T) => value.newPassword === value.confirmPassword;
const confirmMessage = { message: 'The two passwords do not match.', path: ['confirmPassword'] };

export const resetPasswordSchema = z
  .object({
    token: z.string().min(1).max(128),
    newPassword: newPasswordField,
    confirmPassword: z.string().max(PASSWORD_MAX_LENGTH),
  })
  .refine(confirmed, confirmMessage);

export const changePasswordSchema = z
  .object({
    currentPassword: z.string().min(1, 'Enter your current password.').max(1024),
    newPassword: newPasswordField,
    confirmPassword: z.string().max(PASSWORD_MAX_LENGTH),
  })
  .refine(confirmed, confirmMessage);

export type SignInInput = z.infer<typeof signInSchema>;
export type RequestResetInput = z.infer<typeof requestResetSchema>;
export type ResetPasswordInput = z.infer<typeof resetPasswordSchema>;
export type ChangePasswordInput = z.infer<typeof changePasswordSchema>;

/**
 * Where to go after signing in: only a path of this site (under `within` when given), never
 * another origin. Browsers drop tabs and newlines from URLs and read `\` as `/`, so "/\t/host"
 * would become "//host": such characters are refused rather than guessed at, and the path is
 * resolved as a browser would before it is checked.
 */
export function safeCallbackPath(value: string | undefined, fallback = '/dashboard', within = '/'): string {
  if (!value || value.length > 2048 || !value.startsWith('/') || value.startsWith('//')) return fallback;
  if (/[\u0000-\u001f\u007f\\]/.test(value)) return fallback;
  const base = 'http://sealpost.invalid';
  let url: URL;
  try {
    url = new URL(value, base);
  } catch {
    return fallback;
  }
  const path = `${url.pathname}${url.search}${url.hash}`;
  if (url.origin !== base || !path.startsWith(within) || path.startsWith('/login') || path.startsWith('/api/')) return fallback;
  return path;
}

/** The code step of an administrator's sign-in: 6 digits, or a recovery code (xxxxx-xxxxx). */
export const secondFactorCodeSchema = z.object({
  code: z.string().trim().min(1, 'Enter the code from your authenticator app, or a recovery code.').max(32),
  callbackUrl: z.string().max(2000).optional(),
});

/** Confirming an authenticator app with its first code. */
export const totpCodeSchema = z.object({ code: z.string().trim().regex(/^\d{6}$/, 'Enter the 6-digit code shown in your authenticator app.') });

export const twoFactorRequirementSchema = z.object({ required: z.boolean() });

/** The step-up dialog: a code (authenticator or recovery) or the password, whichever the account uses. */
export const stepUpSchema = z.object({ code: z.string().trim().max(32).optional(), password: z.string().max(1024).optional() });
