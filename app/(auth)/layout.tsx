import type { ReactNode } from 'react';
import { AuthFrame } from '@/components/auth/auth-frame';

export default function AuthLayout({ children }: { children: ReactNode }) {
  return (
    <AuthFrame homeHref="/login" label="Sealpost sign-in">
      {children}
    </AuthFrame>
  );
}
