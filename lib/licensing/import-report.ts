import type { CsvImportProblem } from './csv-import';

/** What POST /licensed-emails/import answers; shared by the route and the upload form. */
export type ImportOutcome =
  | { status: 'added'; added: number }
  | { status: 'needs_licenses'; missing: number; available: number }
  | { status: 'nothing_to_add' }
  | { status: 'ordered'; orderId: string };

export type ImportReport = {
  totalLines: number;
  valid: number;
  problemCount: number;
  problems: CsvImportProblem[];
  outcome: ImportOutcome;
};

export const MAX_IMPORT_BYTES = 8 * 1024 * 1024;
