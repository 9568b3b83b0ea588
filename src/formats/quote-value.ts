/**
 * Renders an untrusted value for a one-line error message: JSON-quoted (so control characters
 * and newlines show as escapes and never break the line) and cut to `max` characters.
 */
export function quoteValue(value: string, max = 80): string {
  const cut = value.length > max ? `${value.slice(0, max)}…` : value;
  return JSON.stringify(cut);
}
