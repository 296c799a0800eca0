// Dates shown relative ("5 minutes ago") with the absolute time on hover.

const rtf = typeof Intl !== 'undefined' ? new Intl.RelativeTimeFormat(undefined, { numeric: 'auto' }) : undefined;

const UNITS: [Intl.RelativeTimeFormatUnit, number][] = [
  ['year', 365 * 24 * 3600],
  ['month', 30 * 24 * 3600],
  ['week', 7 * 24 * 3600],
  ['day', 24 * 3600],
  ['hour', 3600],
  ['minute', 60],
  ['second', 1],
];

/** formatRelative: "3 minutes ago", "in 2 days"; "just now" under 10 s. */
export function formatRelative(value: string | number | Date, now: number = Date.now()): string {
  const t = value instanceof Date ? value.getTime() : typeof value === 'number' ? value : Date.parse(value);
  if (!Number.isFinite(t)) return String(value);
  const diff = Math.round((t - now) / 1000);
  if (Math.abs(diff) < 10) return 'just now';
  for (const [unit, secs] of UNITS) {
    if (Math.abs(diff) >= secs || unit === 'second') {
      const n = Math.round(diff / secs);
      return rtf ? rtf.format(n, unit) : `${n} ${unit}${Math.abs(n) === 1 ? '' : 's'}`;
    }
  }
  return String(value);
}

/** formatAbsolute: the local date and time, e.g. "Nov 23, 2026, 10:04:05 PM". */
export function formatAbsolute(value: string | number | Date): string {
  const d = value instanceof Date ? value : new Date(value);
  if (Number.isNaN(d.getTime())) return String(value);
  return d.toLocaleString(undefined, { dateStyle: 'medium', timeStyle: 'medium' });
}
