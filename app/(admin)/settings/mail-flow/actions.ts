'use server';

import { revalidatePath } from 'next/cache';
import { adminAction } from '@/lib/actions/action';
import { connectorIdSchema, createConnector, createConnectorSchema, deleteConnector, updateConnectorRanges, updateConnectorRangesSchema } from '@/lib/mailflow/connectors';

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
