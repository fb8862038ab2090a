/**
 * SMTP replies as the delivery engine records them: the 3-digit reply code (RFC 5321 §4.2), the
 * RFC 3463 enhanced status code when the server sent one, and the text. Pure: no I/O.
 */

export type SmtpReply = {
  code: number;
  /** RFC 3463 class.subject.detail, e.g. "5.1.1"; empty when the server sent none. */
  enhancedCode: string;
  /** The human text of every line, codes removed, joined with spaces. */
  text: string;
  /** The whole reply on one line, as it goes into a DSN's Diagnostic-Code. */
  line: string;
};

const CODE = /^([2-5]\d\d)[ -]?/;
const ENHANCED = /^([245])\.(\d{1,3})\.(\d{1,3})(?=\s|$)/;

/**
 * Parses a (possibly multi-line) reply such as "550-5.1.1 No such user\r\n550 5.1.1 Try again".
 * Returns null when the text does not start with a reply code (e.g. a socket error message).
 */
export function parseReply(raw: string): SmtpReply | null {
  const lines = raw
    .split(/\r?\n/)
    .map((l) => l.trim())
    .filter(Boolean);
  const first = lines[0] ? CODE.exec(lines[0]) : null;
  if (!first) return null;
  const code = Number(first[1]);
  let enhancedCode = '';
  const texts: string[] = [];
  for (const line of lines) {
    let rest = line.replace(CODE, '');
    const enhanced = ENHANCED.exec(rest);
    // RFC 3463 §2: the class of the enhanced code must match the reply code's first digit;
    // a mismatching one is not trusted (some servers put unrelated dotted numbers in the text).
    if (enhanced && enhanced[1] === String(code)[0]) {
      if (!enhancedCode) enhancedCode = `${enhanced[1]}.${enhanced[2]}.${enhanced[3]}`;
      rest = rest.slice(enhanced[0].length).trim();
    }
    if (rest) texts.push(rest);
  }
  const text = texts.join(' ');
  return { code, enhancedCode, text, line: [code, enhancedCode, text].filter(Boolean).join(' ') };
}

/** An enhanced code for a reply that carried none: the class from the reply code (RFC 3463 X.0.0). */
export function statusOf(smtpCode: number | null, enhancedCode: string, fallback: string): string {
  if (enhancedCode) return enhancedCode;
  if (smtpCode && smtpCode >= 200 && smtpCode < 600) return `${String(smtpCode)[0]}.0.0`;
  return fallback;
}
