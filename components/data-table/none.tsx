/** An empty value in a table cell: a dash on screen, "None" for a screen reader. */
export function None() {
  return (
    <>
      <span aria-hidden className="text-muted">
        —
      </span>
      <span className="sr-only">None</span>
    </>
  );
}
