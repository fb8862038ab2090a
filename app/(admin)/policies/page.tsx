import { ArrowRight, History, ScrollText, Send } from '@/components/ui/icons';
import { RequestPolicyChangeButton } from '@/components/policies/request-policy-change';
import type { Metadata } from 'next';
import { connection } from 'next/server';
import { Badge } from '@/components/ui/badge';
import { Card, CardContent, CardDescription, CardHeader, CardTitle } from '@/components/ui/card';
import { EmptyState } from '@/components/ui/empty-state';
import { PageHeader } from '@/components/ui/page-header';
import { getDb } from '@/db/client';
import { can } from '@/lib/auth/permissions';
import { requireAdminPage } from '@/lib/auth/session';
import { formatDateTime } from '@/lib/format';
import { describeCondition, describeOutcome } from '@/lib/policies/describe';
import { listPolicies, listPolicyChangeRequests, listPolicyChanges, listPolicyGroups } from '@/lib/policies/queries';
import { NEW_POLICY, POLICY_CHANGE_REQUEST_STATE_LABELS } from '@/lib/policies/schemas';
import type { POLICY_CHANGE_REQUEST_STATES } from '@/db/schema';

const STATE_BADGES: Record<(typeof POLICY_CHANGE_REQUEST_STATES)[number], 'neutral' | 'brand' | 'success' | 'warning'> = {
  sent: 'brand',
  in_progress: 'warning',
  done: 'success',
  declined: 'neutral',
};

export const metadata: Metadata = { title: 'Policies · Sealpost' };

export default async function PoliciesPage() {
  await connection();
  const admin = await requireAdminPage('policies.view');
  const db = getDb();
  const [rows, changes, groups, requests] = await Promise.all([
    listPolicies(db, admin.orgId),
    listPolicyChanges(db, admin.orgId),
    listPolicyGroups(db, admin.orgId),
    listPolicyChangeRequests(db, admin.orgId),
  ]);
  const mayRequest = can(admin.level, 'policies.request_change');
  const nameOf = new Map(rows.map((p) => [p.id, p.name]));

  return (
    <div className="grid gap-6">
      <PageHeader
        title="Policies"
        description={`How Sealpost handles your organisation's outgoing mail, in the order they are applied. Policies are configured by the Sealpost operators${mayRequest ? ': request a change and they are told by email.' : '; a level 1 or 2 administrator can request a change.'}`}
        actions={mayRequest && <RequestPolicyChangeButton policies={rows.map((p) => ({ id: p.id, name: p.name }))} />}
      />
      <Card>
        <CardHeader>
          <CardTitle>Configured policies</CardTitle>
          <CardDescription>{rows.length === 1 ? '1 policy' : `${rows.length} policies`}</CardDescription>
        </CardHeader>
        <CardContent>
          {rows.length === 0 ? (
            <EmptyState icon={ScrollText} title="No policies yet" description="Mail is delivered normally until the Sealpost operators configure a policy for you." />
          ) : (
            <ol className="grid gap-3">
              {rows.map((policy, index) => (
                <li key={policy.id} className="rounded-card border border-line p-4">
                  <div className="flex flex-wrap items-center justify-between gap-2">
                    <h3 className="font-semibold">
                      <span className="mr-2 text-muted">{index + 1}.</span>
                      {policy.name}
                    </h3>
                    <Badge variant={policy.enabled ? 'success' : 'neutral'}>{policy.enabled ? 'Enabled' : 'Disabled'}</Badge>
                  </div>
                  <p className="mt-2 flex flex-wrap items-center gap-2 text-sm">
                    <span className="rounded-md bg-canvas px-2 py-1 font-medium">{describeCondition(policy)}</span>
                    <ArrowRight aria-label="then" className="size-4 text-muted" />
                    <span>{describeOutcome(policy)}</span>
                  </p>
                  <p className="mt-2 text-xs text-muted">Last changed {formatDateTime(policy.updatedAt)}</p>
                </li>
              ))}
            </ol>
          )}
        </CardContent>
      </Card>
      <Card>
        <CardHeader>
          <CardTitle>Your change requests</CardTitle>
          <CardDescription>Requests sent to the Sealpost operators, newest first, with where they stand.</CardDescription>
        </CardHeader>
        <CardContent>
          {requests.length === 0 ? (
            <EmptyState
              icon={Send}
              title="No change requests"
              description={mayRequest ? 'Use “Request a change” to ask Sealpost for a new policy or a change to one.' : 'None has been made yet.'}
            />
          ) : (
            <ol aria-label="Change requests" className="divide-y divide-line">
              {requests.map((request) => {
                return (
                  <li key={request.id} className="grid gap-1 py-3">
                    <div className="flex flex-wrap items-center justify-between gap-2">
                      <p className="text-sm font-medium">{request.policyName || NEW_POLICY}</p>
                      <Badge variant={STATE_BADGES[request.state]}>{POLICY_CHANGE_REQUEST_STATE_LABELS[request.state]}</Badge>
                    </div>
                    <p className="text-sm whitespace-pre-line [overflow-wrap:anywhere]">{request.details}</p>
                    <p className="text-xs text-muted">
                      Requested by {request.requestedByEmail} ·{' '}
                      <time dateTime={request.requestedAt.toISOString()}>{formatDateTime(request.requestedAt)}</time>
                      {request.updatedAt.getTime() !== request.requestedAt.getTime() && (
                        <>
                          {' '}
                          · updated <time dateTime={request.updatedAt.toISOString()}>{formatDateTime(request.updatedAt)}</time>
                        </>
                      )}
                    </p>
                  </li>
                );
              })}
            </ol>
          )}
        </CardContent>
      </Card>
      <Card>
        <CardHeader>
          <CardTitle>Groups</CardTitle>
          <CardDescription>The sender groups that “Sender is in …” policies name. Maintained by the Sealpost operators with your policies.</CardDescription>
        </CardHeader>
        <CardContent>
          {groups.length === 0 ? (
            <p className="text-sm text-muted">No groups.</p>
          ) : (
            <ul className="grid gap-3">
              {groups.map((group) => (
                <li key={group.id} className="rounded-card border border-line p-4">
                  <h3 className="font-semibold">{group.name}</h3>
                  <p className="mt-1 text-sm text-muted">{group.members.length === 0 ? 'No members' : group.members.join(', ')}</p>
                </li>
              ))}
            </ul>
          )}
        </CardContent>
      </Card>
      <Card>
        <CardHeader>
          <CardTitle>History of changes</CardTitle>
          <CardDescription>Every change to your policies, newest first.</CardDescription>
        </CardHeader>
        <CardContent>
          {changes.length === 0 ? (
            <EmptyState icon={History} title="No changes recorded" />
          ) : (
            <ol className="divide-y divide-line">
              {changes.map((change) => (
                <li key={change.id} className="grid gap-1 py-3 sm:grid-cols-[12rem_1fr] sm:gap-4">
                  <time dateTime={change.changedAt.toISOString()} className="text-sm text-muted">
                    {formatDateTime(change.changedAt)}
                  </time>
                  <div>
                    <p className="text-sm font-medium">{change.summary}</p>
                    <p className="text-xs text-muted">
                      {nameOf.get(change.policyId) ?? 'Policy'} · by {change.changedBy}
                    </p>
                  </div>
                </li>
              ))}
            </ol>
          )}
        </CardContent>
      </Card>
    </div>
  );
}
