import { Plus } from '@/components/ui/icons';
import { createColumnHelper } from '@tanstack/table-core';
import type { Metadata } from 'next';
import { connection } from 'next/server';
import { AdministratorFormDialog } from '@/components/administrators/administrator-form-dialog';
import { TwoFactorRequirement } from '@/components/administrators/two-factor-requirement';
import { InvitationActions } from '@/components/administrators/invitation-actions';
import { PendingEmailChange } from '@/components/administrators/pending-email-change';
import { ResetTwoFactorButton } from '@/components/administrators/reset-two-factor-button';
import { StatusActions } from '@/components/administrators/status-actions';
import { UnlinkIdentityButton } from '@/components/administrators/unlink-identity-button';
import { AdministratorsTable } from '@/components/administrators/administrators-table';
import { CopyButtons } from '@/components/data-table/copy-buttons';
import { DataTable, type ServerFeatures } from '@/components/data-table/data-table';
import { FittedText } from '@/components/data-table/table-view';
import { Badge } from '@/components/ui/badge';
import { Button } from '@/components/ui/button';
import { Card } from '@/components/ui/card';
import { PageHeader } from '@/components/ui/page-header';
import { getDb } from '@/db/client';
import { listAdministrators, listPendingInvitations } from '@/lib/administrators/queries';
import { can, LEVEL_NAMES } from '@/lib/auth/permissions';
import { requireAdminPage } from '@/lib/auth/session';
import { twoFactorRequired } from '@/lib/organisations/set-two-factor-requirement';
import { listLinkedAdministrators } from '@/lib/domain-sign-in/identities';
import { formatDateTime } from '@/lib/format';
import { getHiddenColumns } from '@/lib/lists/column-preferences';
import { formatPhone } from '@/lib/phone';

export const metadata: Metadata = { title: 'Administrators · Sealpost' };

type InvitationRow = Awaited<ReturnType<typeof listPendingInvitations>>[number] & { expired: boolean };
const invitation = createColumnHelper<ServerFeatures, InvitationRow>();
/** Built once per process (TanStack column definitions), rendered on the server. */
const invitationColumns = invitation.columns([
  invitation.accessor('name', { header: 'Name', meta: { primary: true } }),
  invitation.accessor('email', { header: 'Email', meta: { copy: true } }),
  invitation.accessor((row) => `${row.level} · ${LEVEL_NAMES[row.level]}`, { id: 'level', header: 'Level', meta: { nowrap: true } }),
  invitation.accessor('invitedAt', {
    header: 'Invited',
    meta: { nowrap: true },
    cell: ({ row }) => <span title={`By ${row.original.invitedBy}`}>{formatDateTime(row.original.invitedAt)}</span>,
  }),
  invitation.display({
    id: 'link',
    header: 'Link',
    cell: ({ row }) => (
      <Badge variant={row.original.expired ? 'neutral' : 'warning'}>{row.original.expired ? 'Expired' : `Expires ${formatDateTime(row.original.expiresAt)}`}</Badge>
    ),
  }),
  invitation.display({
    id: 'actions',
    header: () => <span className="sr-only">Actions</span>,
    meta: { control: true },
    cell: ({ row }) => <InvitationActions id={row.original.id} name={row.original.name} email={row.original.email} />,
  }),
]);
const invitationColumnsReadOnly = invitationColumns.filter((c) => c.id !== 'actions');

export default async function AdministratorsPage() {
  await connection();
  const admin = await requireAdminPage('administrators.view');
  const db = getDb();
  // One batch: the list, its linked identities, invitations, the requirement and the column choice.
  const [listed, linked, invitations, requireTwoFactor, hidden] = await Promise.all([
    listAdministrators(db, admin.orgId),
    listLinkedAdministrators(db, admin.orgId),
    listPendingInvitations(db, admin.orgId),
    twoFactorRequired(db, admin.orgId),
    getHiddenColumns(db, admin, '/administrators'),
  ]);
  // Phone numbers are stored as E.164 and shown (and edited) in international format.
  const rows = listed.map((row) => ({ ...row, phone: row.phone && formatPhone(row.phone) }));
  const canManage = can(admin.level, 'administrators.manage');
  const canUnlink = can(admin.level, 'settings.manage');
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
      <CopyButtons />
      <Card className="overflow-hidden">
        <AdministratorsTable
          canManage={canManage}
          hidden={hidden}
          rows={rows.map((row) => ({
            id: row.id,
            name: row.name,
            phone: row.phone || '—',
            level: `${row.level} · ${LEVEL_NAMES[row.level]}`,
            status: row.status === 'active' ? 'Active' : 'Inactive',
            lastSignIn: row.lastSignInAt ? formatDateTime(row.lastSignInAt) : 'Never',
            selectable: row.status === 'active' && row.id !== admin.id,
            nameCell: (
              <span className={`flex flex-wrap items-center gap-2 ${row.status === 'inactive' ? 'text-muted' : ''}`}>
                {row.name}
                {row.id === admin.id && <Badge variant="brand">You</Badge>}
                {row.mustChangePassword && row.status === 'active' && <Badge variant="warning">Password change pending</Badge>}
              </span>
            ),
            emailCell: (
              <>
                {/* Capped so that a badge or a pending change wraps instead of widening the table. */}
                <span className="flex max-w-72 flex-wrap items-center gap-2">
                  <FittedText text={row.email} copy />
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
              </>
            ),
            statusCell: <Badge variant={row.status === 'active' ? 'success' : 'neutral'}>{row.status === 'active' ? 'Active' : 'Inactive'}</Badge>,
            actions: canManage && (
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
            ),
          }))}
        />
      </Card>
      {invitations.length > 0 && (
        <div className="grid gap-3">
          <h2 className="text-lg font-semibold">
            Pending invitations
          </h2>
          <Card className="overflow-hidden">
            <DataTable
              label="Pending invitations"
              columns={canManage ? invitationColumns : invitationColumnsReadOnly}
              rowId={(row) => row.id}
              rows={invitations.map((invitation) => ({ ...invitation, expired: invitation.expiresAt.getTime() <= now.getTime() }))}
            />
          </Card>
        </div>
      )}
    </div>
  );
}
