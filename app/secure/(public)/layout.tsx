import type { ReactNode } from 'react';
import { AuthFrame } from '@/components/auth/auth-frame';

export default function PortalPublicLayout({ children }: { children: ReactNode }) {
  return (
    <AuthFrame homeHref="/secure/login" label="Sealpost secure messages sign-in">
      {children}
    </AuthFrame>
  );
}
