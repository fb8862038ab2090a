import { Fragment, type ReactNode } from 'react';
import { flexRender } from '@tanstack/table-core/flex-render';
import type { ColumnMeta } from '@tanstack/table-core';
import type { SortLinks } from './meta';
import { ariaSort, SortableHeader } from './sortable-header';

/**
 * The one markup of every data table, drawn from a TanStack table model (server: data-table.tsx
 * with @tanstack/table-core; browser: selectable tables with @tanstack/react-table). No hooks, so
 * it renders in either place.
 *
 * Columns that fit: a fixed header and first column when the table scrolls, numbers right-aligned,
 * dates unbroken, long values cut with the full text shown on hover and keyboard focus, a copy
 * button for ids and addresses (one delegated handler per page, copy-buttons.tsx). Below the `sm`
 * breakpoint each row is a card: its cells stack, each labelled, its actions at the bottom; the
 * header row becomes a toolbar of the select-all box and the sort links.
 */
type Meta = ColumnMeta<never, never> | undefined;

type ViewColumn = { id: string; columnDef: { header?: unknown; cell?: unknown; meta?: Meta } };
type ViewHeader = { id: string; isPlaceholder: boolean; column: ViewColumn; getContext(): unknown };
type ViewRow = { id: string; original: unknown; getValue(columnId: string): unknown; getIsSelected?: () => boolean; getIsExpanded?: () => boolean };
export type ViewTable = {
  getHeaderGroups(): { id: string; headers: ViewHeader[] }[];
  getRowModel(): { rows: ViewRow[] };
  getVisibleLeafColumns(): ViewColumn[];
};

/**
 * The classes of a column's header and cells (`.cell-*` in globals.css): a few short
 * classes per cell instead of the same twenty utilities on every cell of every row, which made
 * the markup of a page of rows several times larger than its text.
 */
function columnClasses(meta: Meta, index: number, stickyOffset: string): { head: string; cell: string } {
  const fit = [
    meta?.numeric ? 'cell-numeric' : '',
    meta?.nowrap ? 'cell-nowrap' : '',
    meta?.primary ? `cell-primary ${stickyOffset}` : '',
    // A selection column: exactly 3rem (a 1rem box and its padding), so the fixed first column after it starts at left-12.
    index === 0 && !meta?.primary && meta?.control ? 'cell-select' : '',
  ]
    .filter(Boolean)
    .join(' ');
  const card = meta?.control ? (index === 0 ? 'cell-start' : 'cell-end') : meta?.primary ? 'max-sm:text-base' : 'cell-labelled';
  // On a phone the header row is a toolbar: the select-all box and the sort links; other headers are
  // for screen readers only (each card labels its values on screen).
  const phoneHead = meta?.sort || meta?.control ? 'max-sm:h-auto max-sm:px-0' : 'max-sm:sr-only';
  return { head: `data-head ${fit} ${phoneHead}`, cell: ['data-cell cell-card', fit, card].filter(Boolean).join(' ') };
}

function labelOf(column: ViewColumn): string {
  return column.columnDef.meta?.label ?? (typeof column.columnDef.header === 'string' ? column.columnDef.header : '');
}

/**
 * A long value cut to its column, the full text on hover and on keyboard focus. With `copy` (ids
 * and addresses) the value itself is the copy button: its name is the value, so the cell reads as
 * the value alone, and its description says what a press does.
 */
export function FittedText({ text, copy }: { text: string; copy?: boolean }) {
  if (!copy) {
    return (
      <span tabIndex={0} title={text} className="fitted block max-w-[40ch] min-w-0 truncate rounded focus-visible:outline-2 focus-visible:outline-brand-600">
        {text}
      </span>
    );
  }
  return (
    // The copy icon is drawn by the class (`.copy-value::after`), not an <svg> in every row.
    <button type="button" data-copy={text} title={`Copy ${text}`} className="fitted copy-value">
      <span className="min-w-0 truncate">{text}</span>
    </button>
  );
}

/**
 * The cell of a column that gives none (every table's `defaultColumn`; TanStack's own would print
 * the value and ignore the column's meta): ids and addresses (`copy`) and long values (`truncate`)
 * cut to their column, anything else as text.
 */
export const defaultCell = ({ column, getValue }: { column: { columnDef: { meta?: unknown } }; getValue: () => unknown }): ReactNode => {
  const meta = column.columnDef.meta as Meta;
  const value = getValue();
  const text = value == null ? '' : String(value);
  return meta?.truncate || meta?.copy ? <FittedText text={text} copy={meta.copy} /> : text;
};

/**
 * A cell's content: its column's `cell` with the context of TanStack's `cell.getContext()` less
 * the cell object (table, row, column, getValue, and renderValue, the same as getValue:
 * no table here sets a fallback value). Built from the visible columns, read once per table,
 * instead of through `row.getVisibleCells()`, which builds and memoises a cell object per column
 * in every row: a table model made for one render has nothing to memoise.
 */
function renderCell(table: ViewTable, row: ViewRow, column: ViewColumn): ReactNode {
  const getValue = () => row.getValue(column.id);
  return flexRender(column.columnDef.cell, { table, row, column, getValue, renderValue: getValue }) as ReactNode;
}

/**
 * A row's detail (the delivery log's diagnostics): a row of its own under the row, one cell across
 * the table, `hidden` unless the row is expanded (TanStack's row expanding state). Its id is
 * `id(row.id)`, for the row's toggle (detail-toggle.tsx) to name in aria-controls.
 */
export type RowDetail = { id: (rowId: string) => string; render: (original: never) => ReactNode };

export function TableView({
  table,
  label,
  sortLinks = {},
  caption,
  detail,
}: {
  table: ViewTable;
  /** The table's accessible name (and its scroll region's). */
  label: string;
  sortLinks?: SortLinks;
  caption?: string;
  detail?: RowDetail;
}) {
  const groups = table.getHeaderGroups();
  const columns = table.getVisibleLeafColumns();
  // The fixed first column sits after a column of row controls (selection, a row's toggle) when there is one.
  const stickyOffset = columns[0]?.columnDef.meta?.control ? 'sm:left-12' : 'sm:left-0';
  const classes = new Map(columns.map((column, i) => [column.id, columnClasses(column.columnDef.meta, i, stickyOffset)]));
  const labels = new Map(columns.map((column) => [column.id, labelOf(column)]));
  // On a phone the header row shows only sort links and the select-all box; with neither it is for screen readers only.
  const phoneToolbar = columns.some((column) => column.id === 'select' || (column.columnDef.meta?.sort && sortLinks[column.columnDef.meta.sort]));
  return (
    <div
      role="region"
      aria-label={label}
      tabIndex={0}
      className="data-table relative w-full overflow-x-auto focus-visible:outline-2 focus-visible:-outline-offset-2 focus-visible:outline-brand-600 sm:max-h-[75vh] sm:overflow-y-auto"
    >
      <table aria-label={label} className="w-full border-collapse text-sm max-sm:block">
        {caption && <caption className="sr-only">{caption}</caption>}
        <thead className={`bg-surface max-sm:block sm:sticky ${phoneToolbar ? '' : 'max-sm:sr-only'} sm:top-0 sm:z-[2] [&_tr]:border-b [&_tr]:border-line`}>
          {groups.map((group) => (
            <tr key={group.id} className="max-sm:flex max-sm:flex-wrap max-sm:items-center max-sm:gap-x-4 max-sm:gap-y-1 max-sm:px-4 max-sm:py-2">
              {group.headers.map((header) => {
                const meta = header.column.columnDef.meta;
                const sort = meta?.sort ? sortLinks[meta.sort] : undefined;
                const content = header.isPlaceholder ? null : (flexRender(header.column.columnDef.header, header.getContext() as object) as ReactNode);
                return (
                  <th key={header.id} scope="col" aria-sort={sort ? ariaSort(sort.active) : undefined} className={classes.get(header.column.id)?.head}>
                    {sort ? <SortableHeader label={content} href={sort.href} active={sort.active} /> : content}
                  </th>
                );
              })}
            </tr>
          ))}
        </thead>
        <tbody className="max-sm:block [&_tr:last-child]:border-0">
          {table.getRowModel().rows.map((row) => {
            const expanded = row.getIsExpanded?.() ?? false;
            return (
              <Fragment key={row.id}>
                <tr
                  data-state={row.getIsSelected?.() || expanded ? 'selected' : undefined}
                  className="data-row row-card"
                >
                  {columns.map((column) => {
                    const meta = column.columnDef.meta;
                    return (
                      <td key={column.id} data-label={meta?.control || meta?.primary ? undefined : labels.get(column.id)} className={classes.get(column.id)?.cell}>
                        {renderCell(table, row, column)}
                      </td>
                    );
                  })}
                </tr>
                {detail && (
                  <tr id={detail.id(row.id)} hidden={!expanded} className="data-detail bg-canvas/50">
                    <td colSpan={columns.length} className="px-6 py-4 max-sm:block max-sm:px-4">
                      {detail.render(row.original as never)}
                    </td>
                  </tr>
                )}
              </Fragment>
            );
          })}
        </tbody>
      </table>
    </div>
  );
}
