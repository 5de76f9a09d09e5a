/** Longest text from outside that regionkit quotes in a message or a span. */
export const MAX_QUOTED_CHARS = 512;

/**
 * Text that came from outside (a server's error message, say), fit to quote in an error
 * message, a log line or a span: control characters (CR, LF, ESC, ...) escaped, so it can
 * neither forge log lines nor drive a terminal, and cut to `max` characters.
 */
export function printable(text: string, max = MAX_QUOTED_CHARS): string {
  const cut =
    text.length > max ? `${text.slice(0, max)}… (${text.length - max} more characters)` : text;
  return cut.replace(CONTROL, escapeControl);
}

const CONTROL = /[\p{Cc}\u2028\u2029]/gu;
const NAMED: Readonly<Record<string, string>> = { '\n': '\\n', '\r': '\\r', '\t': '\\t' };

function escapeControl(char: string): string {
  return NAMED[char] ?? `\\u${(char.codePointAt(0) ?? 0).toString(16).padStart(4, '0')}`;
}
