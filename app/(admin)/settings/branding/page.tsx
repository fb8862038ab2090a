import type { Metadata } from 'next';
import { connection } from 'next/server';
import { BrandingForm } from '@/components/settings/branding-form';
import { Card, CardContent, CardDescription, CardHeader, CardTitle } from '@/components/ui/card';
import { PageHeader } from '@/components/ui/page-header';
import { getDb } from '@/db/client';
import { requireAdminPage } from '@/lib/auth/session';
import { getBranding } from '@/lib/organisations/branding';

export const metadata: Metadata = { title: 'Branding · Sealpost' };

export default async function BrandingPage() {
  await connection();
  const admin = await requireAdminPage('settings.manage');
  const branding = await getBranding(getDb(), admin.orgId);
  return (
    <div className="grid gap-6">
      <PageHeader title="Branding" description={`How recipients recognise secure messages from ${admin.orgName}: its name and logo on the portal’s sign-in page, the inbox header and the notification emails.`} />
      <Card>
        <CardHeader>
          <CardTitle>Logo</CardTitle>
          <CardDescription>A PNG or JPEG of at most 256 KB, ideally about 200 × 40 pixels on a transparent or white background. SVG files are not accepted.</CardDescription>
        </CardHeader>
        <CardContent>
          <BrandingForm name={branding?.name ?? admin.orgName} logoUrl={branding?.logoUrl ?? null} />
        </CardContent>
      </Card>
    </div>
  );
}
