import { notFound } from 'next/navigation';

/** Any other address under /secure gets the portal's own "not found" (app/secure/not-found.tsx). */
export default function MissingSecurePage() {
  notFound();
}
