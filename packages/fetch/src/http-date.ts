/**
 * HTTP-date (RFC 9110 §5.6.7) as epoch ms, or undefined. Recipients must accept all three
 * forms; anything else is refused here rather than handed to `Date.parse`, which reads almost
 * any text as some date. The weekday is not checked against the date (the RFC allows that).
 */
export function parseHttpDate(text: string): number | undefined {
  let m = IMF_FIXDATE.exec(text);
  if (m) return utc(m[3], m[2], m[1], m[4], m[5], m[6]);
  m = RFC_850.exec(text);
  if (m) return utc(fullYear(Number(m[3])), m[2], m[1], m[4], m[5], m[6]);
  m = ASCTIME.exec(text);
  if (m) return utc(m[6], m[1], m[2], m[3], m[4], m[5]);
  return undefined;
}

const DAY = '(?:Mon|Tue|Wed|Thu|Fri|Sat|Sun)';
const LONG_DAY = '(?:Monday|Tuesday|Wednesday|Thursday|Friday|Saturday|Sunday)';
const MONTH = '(Jan|Feb|Mar|Apr|May|Jun|Jul|Aug|Sep|Oct|Nov|Dec)';
const TIME = '(\\d{2}):(\\d{2}):(\\d{2})';
/** `Sun, 06 Nov 1994 08:49:37 GMT`, the form to send. */
const IMF_FIXDATE = new RegExp(`^${DAY}, (\\d{2}) ${MONTH} (\\d{4}) ${TIME} GMT$`);
/** `Sunday, 06-Nov-94 08:49:37 GMT`, obsolete. */
const RFC_850 = new RegExp(`^${LONG_DAY}, (\\d{2})-${MONTH}-(\\d{2}) ${TIME} GMT$`);
/** `Sun Nov  6 08:49:37 1994`, C's asctime(), obsolete. */
const ASCTIME = new RegExp(`^${DAY} ${MONTH} ([ \\d]\\d) ${TIME} (\\d{4})$`);
const MONTHS = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec'];

/** A two-digit year more than 50 years ahead is the most recent past one (RFC 9110). */
function fullYear(twoDigits: number): number {
  const now = new Date().getUTCFullYear();
  const candidate = now - (now % 100) + twoDigits;
  return candidate > now + 50 ? candidate - 100 : candidate;
}

function utc(
  year: string | number | undefined,
  month: string | undefined,
  day: string | undefined,
  hour: string | undefined,
  minute: string | undefined,
  second: string | undefined,
): number | undefined {
  const [d, h, m, s] = [day, hour, minute, second].map(Number) as [number, number, number, number];
  const monthIndex = MONTHS.indexOf(month as string);
  if (d < 1 || d > 31 || h > 23 || m > 59 || s > 60) return undefined;
  const at = Date.UTC(Number(year), monthIndex, d, h, m, s);
  // Refuses 31 Feb and the like, which Date.UTC would roll into the next month.
  return new Date(at).getUTCDate() === d ? at : undefined;
}
