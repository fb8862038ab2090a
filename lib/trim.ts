/**
 * Trimming a run of characters off the ends of a string, in one pass.
 *
 * Why not `text.replace(/[.,]+$/, '')`: V8's regular expressions backtrack, and an end-anchored
 * run is tried from every start position. Each try scans to the end of the run and fails when
 * the run is followed by anything else, so `"a" + 100,000 dots + "b"` costs 5·10⁹ steps: seconds
 * of a blocked event loop from one request. These helpers look at each character once.
 *
 * `char` is a pattern for ONE character (a character class such as `/[\s.]/u`). With the `u` or
 * `v` flag a character is a code point (a surrogate pair is tested as one), as it is for the
 * regular expression itself; without them it is a UTF-16 unit. `g` and `y` are refused: their
 * `lastIndex` would make `test` depend on the previous call.
 */

function assertCharPattern(char: RegExp): void {
  if (char.global || char.sticky) throw new TypeError(`trim patterns must not be global or sticky: ${String(char)}`);
}

function byCodePoint(char: RegExp): boolean {
  return char.flags.includes('u') || char.flags.includes('v');
}

function isHighSurrogate(unit: number): boolean {
  return unit >= 0xd800 && unit <= 0xdbff;
}

function isLowSurrogate(unit: number): boolean {
  return unit >= 0xdc00 && unit <= 0xdfff;
}

/** Index just past the leading run of characters matching `char`. */
function runStartEnd(text: string, char: RegExp): number {
  assertCharPattern(char);
  const pairs = byCodePoint(char);
  let start = 0;
  while (start < text.length) {
    const width = pairs && start + 1 < text.length && isHighSurrogate(text.charCodeAt(start)) && isLowSurrogate(text.charCodeAt(start + 1)) ? 2 : 1;
    if (!char.test(text.slice(start, start + width))) break;
    start += width;
  }
  return start;
}

/** Index where the trailing run of characters matching `char` begins. */
function runEndStart(text: string, char: RegExp, floor: number): number {
  assertCharPattern(char);
  const pairs = byCodePoint(char);
  let end = text.length;
  while (end > floor) {
    const width = pairs && end - 2 >= floor && isLowSurrogate(text.charCodeAt(end - 1)) && isHighSurrogate(text.charCodeAt(end - 2)) ? 2 : 1;
    if (!char.test(text.slice(end - width, end))) break;
    end -= width;
  }
  return end;
}

/** `text` without its leading characters that match `char`: `replace(/^[…]+/, '')` in linear time. */
export function trimStartMatching(text: string, char: RegExp): string {
  return text.slice(runStartEnd(text, char));
}

/** `text` without its trailing characters that match `char`: `replace(/[…]+$/, '')` in linear time. */
export function trimEndMatching(text: string, char: RegExp): string {
  return text.slice(0, runEndStart(text, char, 0));
}

/** Both ends: `replace(/^[…]+|[…]+$/g, '')` in linear time. */
export function trimMatching(text: string, char: RegExp): string {
  const start = runStartEnd(text, char);
  return text.slice(start, runEndStart(text, char, start));
}
