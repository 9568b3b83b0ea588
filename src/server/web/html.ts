/**
 * HTML building for the web pages: every value interpolated into the {@link html} template is
 * escaped unless it is already {@link SafeHtml} (built by `html` itself, or by the Markdown
 * renderer after sanitising). No page concatenates strings into markup any other way, so a
 * repository, file, branch, commit message or README full of `<script>` and quotes shows as
 * text. Hand-written (a dozen lines) because a template engine would add a build step or a
 * second escaping convention for the same job.
 */

/** Markup that is safe to emit as it is. */
export class SafeHtml {
  constructor(readonly text: string) {}
  toString(): string {
    return this.text;
  }
}

/** What `html` accepts between `${}`: text (escaped), numbers, markup, nothing, or lists of those. */
export type HtmlValue = SafeHtml | string | number | boolean | null | undefined | readonly HtmlValue[];

const ESCAPES: Record<string, string> = { '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' };

/** `text` with `& < > " '` escaped: safe in element content and in quoted attribute values. */
export function escapeHtml(text: string): string {
  return text.replace(/[&<>"']/g, (c) => ESCAPES[c]);
}

function render(value: HtmlValue): string {
  if (value === null || value === undefined || value === false || value === true) return '';
  if (value instanceof SafeHtml) return value.text;
  if (Array.isArray(value)) return value.map(render).join('');
  return escapeHtml(String(value));
}

/** Tagged template: the literal parts are markup, every interpolation is escaped (lists are joined). */
export function html(parts: TemplateStringsArray, ...values: HtmlValue[]): SafeHtml {
  let out = parts[0];
  for (let i = 0; i < values.length; i++) out += render(values[i]) + parts[i + 1];
  return new SafeHtml(out);
}

/** Markup from a trusted producer (the sanitiser, the stylesheet); never from request or repository data. */
export function trusted(markup: string): SafeHtml {
  return new SafeHtml(markup);
}

/** A URL path from segments, each percent-encoded (`/` inside a segment too, as `%2F`). */
export function urlPath(...segments: string[]): string {
  return `/${segments.map((s) => encodeURIComponent(s)).join('/')}`;
}

/** A repository path (`a/b c.txt`) as URL segments, keeping its `/` separators. */
export function pathSegments(path: string): string {
  return path.split('/').filter((s) => s !== '').map((s) => encodeURIComponent(s)).join('/');
}

const UNITS = ['B', 'KiB', 'MiB', 'GiB', 'TiB', 'PiB'];

/** A byte count for people: `812 B`, `1.5 KiB`, `512 MiB`. */
export function formatBytes(n: number): string {
  let v = n;
  let u = 0;
  while (v >= 1024 && u < UNITS.length - 1) {
    v /= 1024;
    u++;
  }
  return u === 0 ? `${n} B` : `${v >= 100 ? v.toFixed(0) : v.toFixed(1).replace(/\.0$/, '')} ${UNITS[u]}`;
}

/** An ISO date as `2026-01-31 14:05 UTC`. */
export function formatDate(iso: string): string {
  return `${iso.slice(0, 10)} ${iso.slice(11, 16)} UTC`;
}

/** A number with thousands separators (`12,345`). */
export function formatCount(n: number): string {
  return n.toLocaleString('en-US');
}
