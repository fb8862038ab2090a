'use client';

import { useRouter } from 'next/navigation';
import { useState } from 'react';
import { removeLogoAction, setLogoAction } from '@/app/(admin)/settings/branding/actions';
import { LiveAlert } from '@/components/ui/alert';
import { Button } from '@/components/ui/button';
import { ConfirmDialog } from '@/components/ui/confirm-dialog';
import { Upload } from '@/components/ui/icons';
import { toast } from '@/components/ui/toast';

const MAX_BYTES = 256 * 1024;

/** The organisation's logo: a preview as recipients see it, Upload logo (PNG/JPEG ≤ 256 KB) and Remove logo. */
export function BrandingForm({ name, logoUrl }: { name: string; logoUrl: string | null }) {
  const router = useRouter();
  const [error, setError] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);

  async function upload(file: File) {
    setError(null);
    // Said at once; the server checks the bytes again (and refuses SVG whatever its name).
    if (file.size > MAX_BYTES) return setError(`The logo can be at most 256 KB; ${file.name} is ${Math.ceil(file.size / 1024)} KB.`);
    if (file.type === 'image/svg+xml' || /\.svg$/i.test(file.name)) return setError('SVG logos are not accepted (an SVG can carry scripts). Upload the logo as a PNG or JPEG.');
    setBusy(true);
    const result = await setLogoAction({ logo: file });
    setBusy(false);
    if (!result.ok) return setError(result.error.fieldErrors?.logo?.[0] ?? result.error.message);
    toast({ title: 'Logo saved', description: 'Recipients see it from now on.', variant: 'success' });
    router.refresh();
  }

  return (
    <div className="grid gap-4">
      <LiveAlert show={error} variant="danger">{error}</LiveAlert>
      <figure className="grid gap-2">
        <figcaption className="text-sm text-muted">As recipients see it</figcaption>
        <div className="flex min-h-16 flex-wrap items-center gap-3 rounded-md border border-line bg-surface px-4 py-3">
          {logoUrl ? (
            // eslint-disable-next-line @next/next/no-img-element -- served by our own route, already small
            <img src={logoUrl} alt={`${name} logo`} className="h-10 max-w-48 object-contain" />
          ) : (
            <span className="text-sm text-muted">No logo yet: the name alone shows.</span>
          )}
          <span className="font-semibold [overflow-wrap:anywhere]">{name}</span>
        </div>
      </figure>
      <div className="flex flex-wrap items-center gap-3">
        <input
          id="logo-file"
          type="file"
          accept="image/png,image/jpeg"
          className="peer sr-only"
          disabled={busy}
          onChange={(e) => {
            const file = e.target.files?.[0];
            e.target.value = '';
            if (file) void upload(file);
          }}
        />
        <label
          htmlFor="logo-file"
          className="inline-flex cursor-pointer items-center gap-2 rounded-md border border-line bg-surface px-3 py-1.5 text-sm font-medium peer-focus-visible:ring-2 peer-focus-visible:ring-brand-600 peer-focus-visible:ring-offset-2 peer-disabled:cursor-not-allowed peer-disabled:opacity-60 hover:bg-canvas"
        >
          <Upload aria-hidden className="size-4" /> {busy ? 'Uploading…' : logoUrl ? 'Replace logo' : 'Upload logo'}
        </label>
        {logoUrl && (
          <ConfirmDialog
            trigger={
              <Button type="button" variant="outline" size="sm" className="text-danger-600">
                Remove logo
              </Button>
            }
            title="Remove the logo?"
            description="Recipients see your organisation’s name alone on the sign-in page, the inbox and notification emails."
            confirmLabel="Remove logo"
            destructive
            onConfirm={async () => {
              const result = await removeLogoAction({});
              if (!result.ok) throw new Error(result.error.message);
              toast({ title: 'Logo removed', variant: 'success' });
              router.refresh();
            }}
          />
        )}
      </div>
    </div>
  );
}
