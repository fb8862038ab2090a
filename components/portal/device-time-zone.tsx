'use client';

import { useRouter } from 'next/navigation';
import { useEffect } from 'react';
import { adoptDeviceTimeZoneAction } from '@/app/secure/(portal)/actions';

/**
 * Rendered only while the user has no time zone: sends this device's zone once, so a new user's
 * times are their own from the first page rather than UTC. Renders nothing.
 */
export function DeviceTimeZone() {
  const router = useRouter();
  useEffect(() => {
    const timeZone = Intl.DateTimeFormat().resolvedOptions().timeZone;
    if (!timeZone) return;
    let cancelled = false;
    void adoptDeviceTimeZoneAction({ timeZone }).then((result) => {
      if (!cancelled && result.ok && result.data.adopted) router.refresh();
    });
    return () => {
      cancelled = true;
    };
  }, [router]);
  return null;
}
