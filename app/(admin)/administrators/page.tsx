import { Plus } from '@/components/ui/icons';
import type { Metadata } from 'next';
import { connection } from 'next/server';
import { AdministratorFormDialog } from '@/components/administrators/administrator-form-dialog';
import { TwoFactorRequirement } from '@/components/administrators/two-factor-requirement';
import { InvitationActions } from '@/components/administrators/invitation-actions';
import { PendingEmailChange } from '@/components/administrators/pending-email-change';
import { ResetTwoFactorButton } from '@/components/administrators/reset-two-factor-button';
import { StatusActions } from '@/components/administrators/status-actions';
import { UnlinkIdentityButton } from '@/components/administrators/unlink-identity-button';
import { Badge } from '@/components/ui/badge';
import { Button } from '@/components/ui/button';
import { Card } from '@/components/ui/card';
import { PageHeader } from '@/components/ui/page-header';
import { Table, TableBody, TableCell, TableHead, TableHeader, TableRow } from '@/components/ui/table';
import { getDb } from '@/db/client';
import { listAdministrators, listPendingInvitations } from '@/lib/administrators/queries';
import { can, LEVEL_NAMES } from '@/lib/auth/permissions';
import { requireAdminPage } from '@/lib/auth/session';
import { twoFactorRequired } from '@/lib/organisations/set-two-factor-requirement';
import { listLinkedAdministrators } from '@/lib/domain-sign-in/identities';
import { formatDateTime } from '@/lib/format';
import { formatPhone } from '@/lib/phone';

export const metadata: Metadata = { title: 'Administrators · Sealpost' };

export default async function AdministratorsPage() {
  await connection();
  const admin = await requireAdminPage('administrators.view');
  // Phone numbers are stored as E.164 and shown (and edited) in international format.
  const rows = (await listAdministrators(getDb(), admin.orgId)).map((row) => ({ ...row, phone: row.phone && formatPhone(row.phone) }));
  const canManage = can(admin.level, 'administrators.manage');
  const canUnlink = can(admin.level, 'settings.manage');
  const linked = await listLinkedAdministrators(getDb(), admin.orgId);
  const invitations = await listPendingInvitations(getDb(), admin.orgId);
  const requireTwoFactor = await twoFactorRequired(getDb(), admin.orgId);
  const now = new Date();
  const active = rows.filter((r) => r.status === 'active').length;

  return (
    <div className="grid gap-6">
      <PageHeader
        title="Administrators"
        description={`${active} active of ${rows.length}. Level 1 has full access, level 2 runs day-to-day administration, level 3 reads only.`}
        actions={
          canManage ? (
            <AdministratorFormDialog
              mode="add"
              maxLevel={admin.level}
              trigger={
                <Button>
                  <Plus aria-hidden /> Add
                </Button>
              }
            />
          ) : undefined
        }
      />
      <Card className="flex flex-wrap items-center justify-between gap-3 p-4">
        <p className="text-sm">
          <span className="font-medium">Require two-factor authentication for administrators:</span>{' '}
          {requireTwoFactor ? 'On — every administrator signs in with an authenticator app.' : 'Off — a password alone is enough for administrators without an authenticator app.'}
        </p>
        {canUnlink && <TwoFactorRequirement required={requireTwoFactor} />}
      </Card>
      <Card className="overflow-hidden">
        <Table aria-label="Administrators">
          <TableHeader>
            <TableRow>
              <TableHead>Name</TableHead>
              <TableHead>Email</TableHead>
              <TableHead>Phone</TableHead>
              <TableHead>Level</TableHead>
              <TableHead>Status</TableHead>
              <TableHead>Last sign-in</TableHead>
              {canManage && (
                <TableHead>
                  <span className="sr-only">Actions</span>
                </TableHead>
              )}
            </TableRow>
          </TableHeader>
          <TableBody>
            {rows.map((row) => (
              <TableRow key={row.id} className={row.status === 'inactive' ? 'text-muted' : undefined}>
                <TableCell className="font-medium">
                  <span className="flex flex-wrap items-center gap-2">
                    {row.name}
                    {row.id === admin.id && <Badge variant="brand">You</Badge>}
                    {row.mustChangePassword && row.status === 'active' && <Badge variant="warning">Password change pending</Badge>}
                  </span>
                </TableCell>
                <TableCell>
                  {/* Capped so that a badge or a pending change wraps instead of widening the table. */}
                  <span className="flex max-w-64 flex-wrap items-center gap-2">
                    {row.email}
                    {linked.has(row.id) && (
                      <Badge variant="neutral" title="Signs in through Domain sign-in with one linked identity">
                        Domain sign-in linked
                      </Badge>
                    )}
                  </span>
                  {row.pendingEmail && (
                    <PendingEmailChange
                      id={row.id}
                      name={row.name}
                      email={row.pendingEmail}
                      expired={(row.pendingEmailExpiresAt?.getTime() ?? 0) <= now.getTime()}
                      canManage={canManage}
                    />
                  )}
                </TableCell>
                <TableCell>{row.phone || '—'}</TableCell>
                <TableCell>
                  <span title={LEVEL_NAMES[row.level]}>
                    {row.level} · {LEVEL_NAMES[row.level]}
                  </span>
                </TableCell>
                <TableCell>
                  <Badge variant={row.status === 'active' ? 'success' : 'neutral'}>{row.status === 'active' ? 'Active' : 'Inactive'}</Badge>
                </TableCell>
                <TableCell className="whitespace-nowrap">{row.lastSignInAt ? formatDateTime(row.lastSignInAt) : 'Never'}</TableCell>
                {canManage && (
                  <TableCell>
                    <div className="flex justify-end gap-1">
                      <AdministratorFormDialog
                        mode="edit"
                        maxLevel={admin.level}
                        administrator={row}
                        self={row.id === admin.id}
                        trigger={
                          <Button variant="ghost" size="sm" aria-label={`Edit ${row.name}`}>
                            Edit
                          </Button>
                        }
                      />
                      {canUnlink && linked.has(row.id) && <UnlinkIdentityButton name={row.name} email={row.email} />}
                      {row.id !== admin.id && row.twoFactorEnabledAt && <ResetTwoFactorButton id={row.id} name={row.name} requireTwoFactor={requireTwoFactor} />}
                      {row.id !== admin.id && <StatusActions id={row.id} name={row.name} active={row.status === 'active'} />}
                    </div>
                  </TableCell>
                )}
              </TableRow>
            ))}
          </TableBody>
        </Table>
      </Card>
      {invitations.length > 0 && (
        <div className="grid gap-3">
          <h2 className="text-lg font-semibold">
            Pending invitations
          </h2>
          <Card className="overflow-hidden">
            <Table aria-label="Pending invitations">
              <TableHeader>
                <TableRow>
                  <TableHead>Name</TableHead>
                  <TableHead>Email</TableHead>
                  <TableHead>Level</TableHead>
                  <TableHead>Invited</TableHead>
                  <TableHead>Link</TableHead>
                  {canManage && (
                    <TableHead>
                      <span className="sr-only">Actions</span>
                    </TableHead>
                  )}
                </TableRow>
              </TableHeader>
              <TableBody>
                {invitations.map((invitation) => {
                  const expired = invitation.expiresAt.getTime() <= now.getTime();
                  return (
                    <TableRow key={invitation.id}>
                      <TableCell className="font-medium">{invitation.name}</TableCell>
                      <TableCell>{invitation.email}</TableCell>
                      <TableCell>
                        {invitation.level} · {LEVEL_NAMES[invitation.level]}
                      </TableCell>
                      <TableCell className="whitespace-nowrap" title={`By ${invitation.invitedBy}`}>
                        {formatDateTime(invitation.invitedAt)}
                      </TableCell>
                      <TableCell>
                        <Badge variant={expired ? 'neutral' : 'warning'}>{expired ? 'Expired' : `Expires ${formatDateTime(invitation.expiresAt)}`}</Badge>
                      </TableCell>
                      {canManage && (
                        <TableCell>
                          <InvitationActions id={invitation.id} name={invitation.name} email={invitation.email} />
                        </TableCell>
                      )}
                    </TableRow>
                  );
                })}
              </TableBody>
            </Table>
          </Card>
        </div>
      )}
    </div>
  );
}
