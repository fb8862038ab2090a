import { redirect } from 'next/navigation';

/** `/secure` is the portal's front door: the inbox, whose layout sends a signed-out visitor to sign in. */
export default function SecurePortalHome() {
  redirect('/secure/inbox');
}
