'use client';

import { useRouter } from 'next/navigation';
import { useMemo, useState, useSyncExternalStore } from 'react';
import { savePreferencesAction } from '@/app/secure/(portal)/actions';
import { LiveAlert } from '@/components/ui/alert';
import { Button } from '@/components/ui/button';
import { FormField, fieldA11y } from '@/components/ui/form-field';
import { Input } from '@/components/ui/input';
import { Select } from '@/components/ui/select';
import { Textarea } from '@/components/ui/textarea';
import { toast } from '@/components/ui/toast';
import type { PortalPreferences } from '@/db/schema';
import { DATE_FORMATS } from '@/lib/portal/preferences';


const noSubscription = () => () => {};
/** How a zone reads in the list: its IANA name with spaces, "America/New York". */
const zoneLabel = (zone: string) => zone.replaceAll('_', ' ');
const browserTimeZone = () => Intl.DateTimeFormat().resolvedOptions().timeZone || null;

export function PreferencesForm({ initial, samples, timeZones: knownZones }: { initial: PortalPreferences; samples: Record<string, string>; /** IANA names the server knows, UTC first. */ timeZones: string[] }) {
  const router = useRouter();
  const [values, setValues] = useState({ ...initial, timeZone: initial.timeZone ?? 'UTC' });
  // A zone stored under another name than the server's list (a browser may report an alias) stays choosable.
  const storedZone = initial.timeZone ?? 'UTC';
  const timeZones = useMemo(() => (knownZones.includes(storedZone) ? knownZones : [storedZone, ...knownZones]), [knownZones, storedZone]);
  // This device's zone, known only in the browser (null on the server, so hydration agrees).
  const deviceZone = useSyncExternalStore(noSubscription, browserTimeZone, () => null);
  const [error, setError] = useState<string | null>(null);
  const [saving, setSaving] = useState(false);
  // The zone field is a search box over the list; what is typed counts once it names a zone.
  const zoneByText = useMemo(() => new Map(timeZones.flatMap((zone) => [[zone.toLowerCase(), zone], [zoneLabel(zone).toLowerCase(), zone]])), [timeZones]);
  const [zoneText, setZoneText] = useState(zoneLabel(values.timeZone));
  const [zoneTouched, setZoneTouched] = useState(false);
  const zoneError = zoneByText.has(zoneText.trim().toLowerCase()) ? null : 'Choose a time zone from the list.';
  const shownZoneError = zoneTouched ? zoneError : null;
  return (
    <form
      className="grid max-w-xl gap-4"
      onSubmit={async (e) => {
        e.preventDefault();
        if (zoneError) {
          setZoneTouched(true);
          return document.getElementById('timeZone')?.focus();
        }
        setSaving(true);
        const result = await savePreferencesAction(values);
        setSaving(false);
        if (!result.ok) return setError(result.error.message);
        setError(null);
        toast({ title: 'Preferences saved', variant: 'success' });
        router.refresh();
      }}
    >
      <LiveAlert show={error} variant="danger">{error}</LiveAlert>
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
      <FormField id="timeZone" label="Time zone" hint="Times of messages are shown in this zone. Type to search, e.g. a city." error={shownZoneError ?? undefined}>
        <div className="flex flex-wrap items-center gap-2">
          <div className="min-w-56 flex-1">
            <Input
              list="timeZone-options"
              autoComplete="off"
              spellCheck={false}
              {...fieldA11y('timeZone', { hint: true, error: shownZoneError })}
              value={zoneText}
              onChange={(e) => {
                setZoneText(e.target.value);
                const zone = zoneByText.get(e.target.value.trim().toLowerCase());
                if (zone) setValues({ ...values, timeZone: zone });
              }}
              onBlur={() => {
                setZoneTouched(true);
                const zone = zoneByText.get(zoneText.trim().toLowerCase());
                if (zone) setZoneText(zoneLabel(zone));
              }}
            />
            <datalist id="timeZone-options">
              {timeZones.map((zone) => (
                <option key={zone} value={zoneLabel(zone)} />
              ))}
            </datalist>
          </div>
          {deviceZone && deviceZone !== values.timeZone && timeZones.includes(deviceZone) && (
            <Button
              type="button"
              variant="outline"
              size="sm"
              onClick={() => {
                setValues({ ...values, timeZone: deviceZone });
                setZoneText(zoneLabel(deviceZone));
              }}
            >
              Use {zoneLabel(deviceZone)} (this device)
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
