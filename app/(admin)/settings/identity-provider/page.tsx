import type { Metadata } from 'next';
import { connection } from 'next/server';
import { IdentityProviderForm } from '@/components/settings/identity-provider-form';
import { UnlinkIdentityForm } from '@/components/settings/unlink-identity-form';
import { Badge } from '@/components/ui/badge';
import { Card, CardContent, CardDescription, CardHeader, CardTitle } from '@/components/ui/card';
import { PageHeader } from '@/components/ui/page-header';
import { getDb } from '@/db/client';
import { requireAdminPage } from '@/lib/auth/session';
import { callbackUrl } from '@/lib/domain-sign-in/oidc';
import { getIdentityProvider } from '@/lib/domain-sign-in/queries';
import { formatDateTime } from '@/lib/format';
import { listOrgDomains } from '@/lib/licensing/queries';

export const metadata: Metadata = { title: 'Domain sign-in · Sealpost' };

export default async function IdentityProviderPage() {
  await connection();
  const admin = await requireAdminPage('settings.manage');
  const db = getDb();
  const [provider, domains] = await Promise.all([getIdentityProvider(db, admin.orgId), listOrgDomains(db, admin.orgId)]);
  return (
    <div className="grid gap-6">
      <PageHeader
        title="Domain sign-in"
        description={`Let ${admin.orgName}'s administrators and internal users sign in through your identity provider (OpenID Connect) instead of a Sealpost password.`}
        actions={provider ? <Badge variant="success">On</Badge> : <Badge variant="neutral">Off</Badge>}
      />
      <Card>
        <CardHeader>
          <CardTitle>Register Sealpost with your identity provider</CardTitle>
          <CardDescription>
            Create a confidential OpenID Connect client (authorization code flow with PKCE) with this redirect URI, and allow the scopes{' '}
            <code>openid email profile</code>. The provider must send a verified <code>email</code> claim.
          </CardDescription>
        </CardHeader>
        <CardContent>
          <p className="text-sm font-medium">Redirect URI</p>
          <code className="mt-1 block rounded-md bg-canvas p-2 font-mono text-sm [overflow-wrap:anywhere]">{callbackUrl()}</code>
        </CardContent>
      </Card>
      <Card>
        <CardHeader>
          <CardTitle>Identity provider</CardTitle>
          <CardDescription>
            {provider
              ? `Last changed ${formatDateTime(provider.updatedAt)} by ${provider.updatedBy}. The client secret is stored encrypted and never shown again.`
              : 'Not set up: everyone signs in with their Sealpost password.'}
          </CardDescription>
        </CardHeader>
        <CardContent>
          <IdentityProviderForm provider={provider} domains={domains} />
        </CardContent>
      </Card>
      <Card>
        <CardHeader>
          <CardTitle>Linked accounts</CardTitle>
          <CardDescription>
            Each account is linked to the identity that first signed it in through your provider, and only that identity signs it in afterwards,
            whatever email the provider gives. When a person&apos;s identity at the provider is replaced, unlink their account here.
          </CardDescription>
        </CardHeader>
        <CardContent>
          <UnlinkIdentityForm />
        </CardContent>
      </Card>
    </div>
  );
}
