'use client';

import { useEffect } from 'react';
import { Alert } from '@/components/ui/alert';
import { SIGN_IN_ERROR_COOKIE } from '@/lib/domain-sign-in/sign-in-error-cookie';

/**
 * Why a Domain sign-in was refused, on the sign-in page (`path`) it came back to. Shown once: the
 * cookie that carried the reason is deleted as soon as it is on screen, so a reload or a later
 * visit starts clean.
 */
export function SignInRefusal({ message, path }: { message: string; path: string }) {
  useEffect(() => {
    const secure = window.location.protocol === 'https:' ? '; Secure' : '';
    document.cookie = `${SIGN_IN_ERROR_COOKIE}=; Max-Age=0; Path=${path}; SameSite=Lax${secure}`;
  }, [path]);
  return <Alert variant="danger">{message}</Alert>;
}
