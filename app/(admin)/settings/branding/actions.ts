'use server';

import { revalidatePath } from 'next/cache';
import { z } from 'zod';
import { adminAction } from '@/lib/actions/action';
import { removeOrganisationLogo, setOrganisationLogo } from '@/lib/organisations/branding';

/** FormData with the file as `logo`: the bytes are checked (PNG or JPEG, ≤ 256 KB) by the domain layer. */
const setLogoSchema = z.object({ logo: z.instanceof(File, { message: 'Choose a PNG or JPEG file.' }) }).strict();

export const setLogoAction = adminAction('setLogoAction', setLogoSchema, async ({ logo }, { actor }) => {
  // The request itself is capped at 1 MB (next.config.ts serverActions.bodySizeLimit), so this read is bounded.
  const branding = await setOrganisationLogo({ actor, bytes: Buffer.from(await logo.arrayBuffer()), fileName: logo.name });
  revalidatePath('/settings/branding');
  return branding;
});

export const removeLogoAction = adminAction('removeLogoAction', z.object({}).strict(), async (_input, { actor }) => {
  await removeOrganisationLogo({ actor });
  revalidatePath('/settings/branding');
  return null;
});
