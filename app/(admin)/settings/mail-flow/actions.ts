'use server';

import { revalidatePath } from 'next/cache';
import { adminAction } from '@/lib/actions/action';
import { connectorIdSchema, createConnector, createConnectorSchema, deleteConnector, updateConnectorRanges, updateConnectorRangesSchema } from '@/lib/mailflow/connectors';
import { disableDkimKey, dkimDomainSchema, generateDkimKey, rotateDkimKey } from '@/lib/mailflow/dkim-keys';
import { removeInboundRoute, removeInboundRouteSchema, saveInboundRoute, saveInboundRouteSchema } from '@/lib/mailflow/inbound-route';

/** Returns the generated secret: the dialog shows it once, and it is never readable again. */
export const createConnectorAction = adminAction('createConnectorAction', createConnectorSchema, async (input, { actor }) => {
  const result = await createConnector({ actor, ...input });
  revalidatePath('/settings/mail-flow');
  return result;
});

export const updateConnectorRangesAction = adminAction('updateConnectorRangesAction', updateConnectorRangesSchema, async (input, { actor }) => {
  await updateConnectorRanges({ actor, ...input });
  revalidatePath('/settings/mail-flow');
  return null;
});

export const deleteConnectorAction = adminAction('deleteConnectorAction', connectorIdSchema, async ({ id }, { actor }) => {
  await deleteConnector({ actor, id });
  revalidatePath('/settings/mail-flow');
  return null;
});

export const saveInboundRouteAction = adminAction('saveInboundRouteAction', saveInboundRouteSchema, async (input, { actor }) => {
  const route = await saveInboundRoute({ actor, ...input });
  revalidatePath('/settings/mail-flow');
  return route;
});

export const removeInboundRouteAction = adminAction('removeInboundRouteAction', removeInboundRouteSchema, async (_input, { actor }) => {
  await removeInboundRoute({ actor });
  revalidatePath('/settings/mail-flow');
  return null;
});

/** Returns the DNS record to publish (the page shows it too). */
export const generateDkimKeyAction = adminAction('generateDkimKeyAction', dkimDomainSchema, async ({ domain }, { actor }) => {
  const result = await generateDkimKey({ actor, domain });
  revalidatePath('/settings/mail-flow');
  return result;
});

export const rotateDkimKeyAction = adminAction('rotateDkimKeyAction', dkimDomainSchema, async ({ domain }, { actor }) => {
  const result = await rotateDkimKey({ actor, domain });
  revalidatePath('/settings/mail-flow');
  return result;
});

export const disableDkimKeyAction = adminAction('disableDkimKeyAction', dkimDomainSchema, async ({ domain }, { actor }) => {
  await disableDkimKey({ actor, domain });
  revalidatePath('/settings/mail-flow');
  return null;
});
