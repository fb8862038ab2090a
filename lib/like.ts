/** LIKE / ILIKE patterns from what people type: their own `%`, `_` and `\` are matched literally. */
export function escapeLike(text: string): string {
  return text.replace(/[\\%_]/g, (ch) => `\\${ch}`);
}

/** `%text%`: the text anywhere, taken literally. */
export function likePattern(text: string): string {
  return `%${escapeLike(text)}%`;
}
