import { Button } from './button';
import { Download } from './icons';

/**
 * "Export CSV": a download of `href`, or, when there is nothing to export (`unavailable` says
 * why), a disabled button with that reason as its title.
 */
export function ExportCsvButton({ href, unavailable }: { href: string; unavailable?: string | null }) {
  if (unavailable) {
    return (
      <Button variant="outline" disabled title={unavailable}>
        <Download aria-hidden />
        Export CSV
      </Button>
    );
  }
  return (
    <Button asChild variant="outline">
      <a href={href} download>
        <Download aria-hidden />
        Export CSV
      </a>
    </Button>
  );
}
