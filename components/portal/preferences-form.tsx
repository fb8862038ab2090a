'use client';

import { useRouter } from 'next/navigation';
import { useState, useSyncExternalStore } from 'react';
import { savePreferencesAction } from '@/app/secure/(portal)/actions';
import { Alert } from '@/components/ui/alert';
import { Button } from '@/components/ui/button';
import { FormField } from '@/components/ui/form-field';
import { Select } from '@/components/ui/select';
import { Textarea } from '@/components/ui/textarea';
import { toast } from '@/components/ui/toast';
import type { PortalPreferences } from '@/db/schema';
import { DATE_FORMATS } from '@/lib/portal/preferences';


const noSubscription = () => () => {};
const browserTimeZone = () => Intl.DateTimeFormat().resolvedOptions().timeZone || null;

export function PreferencesForm({ initial, samples, timeZones }: { initial: PortalPreferences; samples: Record<string, string>; /** IANA names the server knows, UTC first. */ timeZones: string[] }) {
  const router = useRouter();
  const [values, setValues] = useState({ ...initial, timeZone: initial.timeZone ?? 'UTC' });
  // This device's zone, known only in the browser (null on the server, so hydration agrees).
  const deviceZone = useSyncExternalStore(noSubscription, browserTimeZone, () => null);
  const [error, setError] = useState<string | null>(null);
  const [saving, setSaving] = useState(false);
  return (
    <form
      className="grid max-w-xl gap-4"
      onSubmit={async (e) => {
        e.preventDefault();
        setSaving(true);
        const result = await savePreferencesAction(values);
        setSaving(false);
        if (!result.ok) return setError(result.error.message);
        setError(null);
        toast({ title: 'Preferences saved', variant: 'success' });
        router.refresh();
      }}
    >
      {error && <Alert variant="danger">{error}</Alert>}
      <FormField id="dateFormat" label="Date format">
        <Select id="dateFormat" value={values.dateFormat} onChange={(e) => setValues({ ...values, dateFormat: e.target.value as PortalPreferences['dateFormat'] })}>
          {DATE_FORMATS.map((f) => (
            <option key={f} value={f}>
              {samples[f]}
            </option>
          ))}
        </Select>
      </FormField>
      <FormField id="timeFormat" label="Time format">
        <Select id="timeFormat" value={values.timeFormat} onChange={(e) => setValues({ ...values, timeFormat: e.target.value as PortalPreferences['timeFormat'] })}>
          <option value="24h">24-hour (15:04)</option>
          <option value="12h">12-hour (3:04 PM)</option>
        </Select>
      </FormField>
      <FormField id="timeZone" label="Time zone" hint="Times of messages are shown in this zone.">
        <div className="flex flex-wrap items-center gap-2">
          <div className="min-w-56 flex-1">
            <Select id="timeZone" aria-describedby="timeZone-hint" value={values.timeZone} onChange={(e) => setValues({ ...values, timeZone: e.target.value })}>
              {timeZones.map((zone) => (
                <option key={zone} value={zone}>
                  {zone.replaceAll('_', ' ')}
                </option>
              ))}
            </Select>
          </div>
          {deviceZone && deviceZone !== values.timeZone && timeZones.includes(deviceZone) && (
            <Button type="button" variant="outline" size="sm" onClick={() => setValues({ ...values, timeZone: deviceZone })}>
              Use {deviceZone.replaceAll('_', ' ')} (this device)
            </Button>
          )}
        </div>
      </FormField>
      <FormField id="weekStartsOn" label="First day of the week">
        <Select id="weekStartsOn" value={String(values.weekStartsOn)} onChange={(e) => setValues({ ...values, weekStartsOn: Number(e.target.value) as PortalPreferences['weekStartsOn'] })}>
          <option value="1">Monday</option>
          <option value="0">Sunday</option>
          <option value="6">Saturday</option>
        </Select>
      </FormField>
      <FormField id="signature" label="Signature" hint="Added to the end of new messages and replies.">
        <Textarea id="signature" aria-describedby="signature-hint" rows={4} maxLength={2000} value={values.signature} onChange={(e) => setValues({ ...values, signature: e.target.value })} />
      </FormField>
      <div>
        <Button type="submit" loading={saving}>
          Save preferences
        </Button>
      </div>
    </form>
  );
}
