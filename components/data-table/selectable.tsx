'use client';

import {
  columnVisibilityFeature,
  createColumnHelper,
  rowSelectionFeature,
  rowSortingFeature,
  tableFeatures,
  useTable,
  type ColumnDef,
  type RowData,
  type RowSelectionState,
  type TableMeta,
} from '@tanstack/react-table';
import { useMemo, useState, type ReactNode } from 'react';
import { Button } from '@/components/ui/button';
import { BULK_CAP, type BulkSelection } from '@/lib/lists/bulk-selection';
import type { SortLinks } from './meta';
import { defaultCell, TableView, type ViewTable } from './table-view';

/**
 * A data table that is interactive in the browser (row selection for bulk actions), on
 * @tanstack/react-table: one client component per table, its columns defined once at module
 * level, the rows one server-sorted page (manual sorting; the pager is server links).
 */
export const selectableTableFeatures = tableFeatures({ columnVisibilityFeature, rowSelectionFeature, rowSortingFeature });
export type SelectableFeatures = typeof selectableTableFeatures;

/** The selection column: "Select all on this page" in the header, "Select <row>" on each row. */
export function selectionColumn<T extends RowData>(nameOf: (row: T) => string): ColumnDef<SelectableFeatures, T> {
  const helper = createColumnHelper<SelectableFeatures, T>();
  return helper.display({
    id: 'select',
    meta: { control: true },
    header: ({ table }) => (
      <input
        type="checkbox"
        aria-label="Select all on this page"
        className="row-check"
        checked={table.getIsAllRowsSelected()}
        ref={(el) => {
          if (el) el.indeterminate = !table.getIsAllRowsSelected() && table.getIsSomeRowsSelected();
        }}
        onChange={table.getToggleAllRowsSelectedHandler()}
      />
    ),
    cell: ({ row }) =>
      row.getCanSelect() && (
      <input
        type="checkbox"
        aria-label={`Select ${nameOf(row.original)}`}
        // Above a link stretched over the row (a row that opens something), so it stays a checkbox.
        className="row-check relative z-[2]"
        checked={row.getIsSelected()}
        onChange={row.getToggleSelectedHandler()}
      />
      ),
  });
}

/**
 * The table model of a selectable list page. Selection starts empty on every page (it is of the
 * rows shown); "all matching" is a separate choice, made in the selection bar.
 */
export function useSelectableTable<T extends RowData>(options: {
  columns: ColumnDef<SelectableFeatures, T>[];
  rows: T[];
  rowId: (row: T) => string;
  hidden: readonly string[];
  meta?: TableMeta<SelectableFeatures, T>;
  /** False: no selection column; a function: which rows can be selected. */
  canSelect: boolean | ((row: T) => boolean);
}) {
  const { rows, hidden } = options;
  const [columnVisibility, setColumnVisibility] = useState<Record<string, boolean>>(() => visibilityOf(hidden, options.canSelect));
  const [rowSelection, setRowSelection] = useState<RowSelectionState>({});
  // A new page (or a refresh after a change) drops the selection: it was of the rows shown.
  const [rowsShown, setRowsShown] = useState(rows);
  if (rowsShown !== rows) {
    setRowsShown(rows);
    setRowSelection({});
  }
  const table = useTable({
    features: selectableTableFeatures,
    columns: options.columns,
    data: rows,
    getRowId: options.rowId,
    manualSorting: true,
    defaultColumn: { cell: defaultCell },
    enableRowSelection: typeof options.canSelect === 'function' ? (row) => (options.canSelect as (row: T) => boolean)(row.original) : options.canSelect,
    enableRowRangeSelection: true,
    state: { columnVisibility, rowSelection },
    onColumnVisibilityChange: setColumnVisibility,
    onRowSelectionChange: setRowSelection,
    meta: options.meta,
  });
  return {
    table,
    selectedIds: useMemo(() => Object.keys(rowSelection).filter((id) => rowSelection[id]), [rowSelection]),
    clearSelection: () => setRowSelection({}),
    setHidden: (next: string[]) => setColumnVisibility(visibilityOf(next, options.canSelect)),
  };
}

function visibilityOf(hidden: readonly string[], canSelect: boolean | ((row: never) => boolean)): Record<string, boolean> {
  return { ...Object.fromEntries(hidden.map((id) => [id, false])), ...(canSelect ? {} : { select: false }) };
}

export function SelectableTableView({ table, label, sortLinks }: { table: unknown; label: string; sortLinks?: SortLinks }) {
  return <TableView table={table as ViewTable} label={label} sortLinks={sortLinks} />;
}

/**
 * The bar above a selectable table: how many are selected, "Select all N matching" once the whole
 * page is (capped at BULK_CAP, and it says so), "Clear selection", and the list's bulk actions,
 * given the selection to act on.
 */
export function SelectionBar({
  selectedIds,
  pageCount,
  total,
  totalLabel,
  matching,
  noun,
  onClear,
  actions,
}: {
  selectedIds: string[];
  /** Rows on this page. */
  pageCount: number;
  /** Rows matching the list's search and filters (an estimate when large). */
  total: number;
  totalLabel: string;
  /** The list's search and filters, for "all matching". */
  matching?: { q: string; filters?: Record<string, string> };
  noun: { one: string; many: string };
  onClear: () => void;
  actions: (selection: BulkSelection, count: number) => ReactNode;
}) {
  const [matchingChosen, setAllMatching] = useState(false);
  const allOnPage = selectedIds.length > 0 && selectedIds.length === pageCount && matching !== undefined;
  // "All matching" holds only while the whole page stays selected.
  const allMatching = matchingChosen && allOnPage;
  if (selectedIds.length === 0) return null;
  const count = allMatching ? Math.min(total, BULK_CAP) : selectedIds.length;
  const selection: BulkSelection = allMatching && matching
    ? { mode: 'matching', q: matching.q, filters: matching.filters ?? {} }
    : { mode: 'ids', ids: selectedIds };
  const capped = total > BULK_CAP;
  const word = (n: number) => `${n.toLocaleString('en-US')} ${n === 1 ? noun.one : noun.many}`;
  return (
    <div role="region" aria-label="Selection" className="flex flex-wrap items-center gap-x-4 gap-y-2 border-b border-line bg-brand-50 px-4 py-3 text-sm">
      <p aria-live="polite" className="font-medium">
        {allMatching ? `All ${word(count)} matching selected` : `${word(selectedIds.length)} selected on this page`}
        {allMatching && capped && <span className="font-normal text-muted"> — the first {BULK_CAP.toLocaleString('en-US')} of {totalLabel}; a bulk action takes at most {BULK_CAP.toLocaleString('en-US')}</span>}
      </p>
      {allOnPage && total > pageCount && !allMatching && (
        <Button variant="link" size="sm" onClick={() => setAllMatching(true)}>
          Select all {totalLabel} matching{capped ? ` (at most ${BULK_CAP.toLocaleString('en-US')})` : ''}
        </Button>
      )}
      <Button
        variant="link"
        size="sm"
        onClick={() => {
          setAllMatching(false);
          onClear();
        }}
      >
        Clear selection
      </Button>
      <span className="flex flex-wrap gap-2 sm:ml-auto">{actions(selection, count)}</span>
    </div>
  );
}
