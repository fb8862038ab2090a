import { columnVisibilityFeature, constructTable, rowExpandingFeature, rowSortingFeature, tableFeatures, type ColumnDef, type RowData } from '@tanstack/table-core';
import { storeReactivityBindings } from '@tanstack/table-core/store-reactivity-bindings';
import type { ReactNode } from 'react';
import type { SortLinks } from './meta';
import { defaultCell, TableView, type RowDetail, type ViewTable } from './table-view';

/**
 * The features of a table rendered on the server: column visibility (the administrator's choice),
 * sorting done by the database (manual), so TanStack only models it, and rows expanded to show
 * their detail (the row opened by the URL; a toggle in the browser opens others). Built once per
 * process.
 */
export const serverTableFeatures = tableFeatures({
  coreReactivityFeature: storeReactivityBindings(),
  columnVisibilityFeature,
  rowSortingFeature,
  rowExpandingFeature,
});
export type ServerFeatures = typeof serverTableFeatures;

/**
 * A data table with nothing interactive in the browser, rendered on the server from a TanStack
 * table model (@tanstack/table-core, no React on the client): `columns` are defined once at module
 * level; `rows` are one page, already sorted and cut by the database.
 */
export function DataTable<T extends RowData>({
  label,
  columns,
  rows,
  rowId,
  hidden = [],
  sortLinks,
  detail,
  expanded = [],
}: {
  label: string;
  columns: ColumnDef<ServerFeatures, T>[];
  rows: T[];
  rowId: (row: T) => string;
  /** Column ids the administrator hides. */
  hidden?: readonly string[];
  sortLinks?: SortLinks;
  /** Each row's detail, under it (shown when the row is expanded). */
  detail?: { id: (rowId: string) => string; render: (row: T) => ReactNode };
  /** Ids of the rows shown expanded. */
  expanded?: readonly string[];
}) {
  const active = Object.entries(sortLinks ?? {}).find(([, link]) => link.active);
  const table = constructTable<ServerFeatures, T>({
    features: serverTableFeatures,
    columns,
    data: rows,
    getRowId: rowId,
    manualSorting: true,
    defaultColumn: { cell: defaultCell },
    state: {
      columnVisibility: Object.fromEntries(hidden.map((id) => [id, false])),
      sorting: active ? [{ id: active[0], desc: active[1].active === 'desc' }] : [],
      expanded: Object.fromEntries(expanded.map((id) => [id, true])),
    },
  });
  return <TableView table={table as unknown as ViewTable} label={label} sortLinks={sortLinks} detail={detail as RowDetail | undefined} />;
}
