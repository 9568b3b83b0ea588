/**
 * Model cards: a README.md rendered as HTML. Markdown through markdown-it (CommonMark, with raw
 * HTML as model cards use it: `<div align="center">`, `<img>`, `<details>`), then everything
 * markdown-it produced through sanitize-html with an allow-list, so raw HTML in a card can lay
 * text out but never run a script, style the page or frame anything. A YAML front matter block
 * (the Hugging Face model-card metadata: license, tags, datasets...) is parsed with `yaml` and
 * returned as tags instead of being shown as text. Relative links and images are rewritten to
 * the repository's blob and resolve pages at the revision shown.
 */
import MarkdownIt from 'markdown-it';
import sanitizeHtml from 'sanitize-html';
import { parse as parseYaml } from 'yaml';
import { trusted, type SafeHtml } from './html.js';

/** One front-matter tag: `license: apache-2.0`, or a bare value of a list (`tags: vision`). */
export interface CardTag {
  key: string;
  value: string;
}

/** A rendered model card. */
export interface ModelCard {
  html: SafeHtml;
  tags: CardTag[];
  /** Set when the front matter is not valid YAML (it is then shown as a code block). */
  frontMatterError?: string;
}

/** Where relative links point: `/OWNER/NAME/blob/REV` and `/OWNER/NAME/resolve/REV` (already encoded). */
export interface CardLinks {
  blobBase: string;
  resolveBase: string;
}

/** Most tags shown (a card may list hundreds of languages). */
export const MAX_TAGS = 60;
const MAX_TAG_CHARS = 120;

const markdown = new MarkdownIt({ html: true, linkify: true, typographer: false });

const ALLOWED_TAGS = [
  ...sanitizeHtml.defaults.allowedTags,
  'img', 'h1', 'h2', 'details', 'summary', 'del', 's', 'ins', 'sup', 'sub', 'kbd', 'picture', 'source',
];

/** Splits `---\nYAML\n---\n` (or `...` as the end marker) off the start of `text`. */
export function splitFrontMatter(text: string): { yaml?: string; body: string } {
  const m = /^\uFEFF?---[ \t]*\r?\n([\s\S]*?)\r?\n(?:---|\.\.\.)[ \t]*(?:\r?\n|$)/.exec(text);
  if (!m) return { body: text };
  return { yaml: m[1], body: text.slice(m[0].length) };
}

/** The tags of parsed front matter: each scalar as `key: value`, each list item as its own tag. */
export function frontMatterTags(data: unknown): CardTag[] {
  if (data === null || typeof data !== 'object' || Array.isArray(data)) return [];
  const tags: CardTag[] = [];
  const add = (key: string, value: unknown) => {
    if (tags.length >= MAX_TAGS || value === null || value === undefined || value === '') return;
    const text = typeof value === 'object' ? JSON.stringify(value) : String(value);
    tags.push({ key, value: text.length > MAX_TAG_CHARS ? `${text.slice(0, MAX_TAG_CHARS - 1)}…` : text });
  };
  for (const [key, value] of Object.entries(data as Record<string, unknown>)) {
    if (Array.isArray(value)) for (const item of value) add(key, item);
    else add(key, value);
  }
  return tags;
}

/** True for a link that stays inside the repository (no scheme, not absolute, not an anchor). */
function isRelative(url: string): boolean {
  return url !== '' && !url.startsWith('#') && !url.startsWith('/') && !/^[a-z][a-z0-9+.-]*:/i.test(url) && !url.startsWith('//');
}

/** A relative link resolved against `base` (`./a/../b.png` → `base/b.png`), keeping its query and anchor. */
function rebase(base: string, url: string): string {
  const [pathPart, ...rest] = url.split(/(?=[?#])/);
  const out: string[] = [];
  for (const seg of pathPart.split('/')) {
    if (seg === '' || seg === '.') continue;
    if (seg === '..') out.pop();
    else out.push(seg);
  }
  return `${base}/${out.join('/')}${rest.join('')}`;
}

/** Markdown (with raw HTML) as sanitised HTML; relative links point into the repository. */
export function renderMarkdown(text: string, links?: CardLinks): SafeHtml {
  const raw = markdown.render(text);
  const clean = sanitizeHtml(raw, {
    allowedTags: ALLOWED_TAGS,
    allowedAttributes: {
      a: ['href', 'name', 'title', 'rel'],
      img: ['src', 'alt', 'title', 'width', 'height'],
      source: ['srcset', 'media', 'type'],
      code: ['class'],
      th: ['align', 'colspan', 'rowspan'],
      td: ['align', 'colspan', 'rowspan'],
      p: ['align'],
      div: ['align'],
      h1: ['align'],
      h2: ['align'],
      h3: ['align'],
      ol: ['start'],
    },
    allowedClasses: { code: [/^language-[\w-]+$/] },
    allowedSchemes: ['http', 'https', 'mailto'],
    allowedSchemesByTag: { img: ['http', 'https', 'data'] },
    allowProtocolRelative: false,
    disallowedTagsMode: 'escape',
    transformTags: {
      a: (tagName, attribs) => {
        const href = attribs.href ?? '';
        if (links && isRelative(href)) return { tagName, attribs: { ...attribs, href: rebase(links.blobBase, href) } };
        if (/^https?:/i.test(href)) return { tagName, attribs: { ...attribs, rel: 'nofollow noopener noreferrer' } };
        return { tagName, attribs };
      },
      img: (tagName, attribs) => {
        const src = attribs.src ?? '';
        if (/^data:/i.test(src) && !/^data:image\/(png|jpeg|gif|webp);/i.test(src)) return { tagName, attribs: { ...attribs, src: '' } }; // a data: URL only as a picture
        return { tagName, attribs: links && isRelative(src) ? { ...attribs, src: rebase(links.resolveBase, src) } : attribs };
      },
    },
  });
  return trusted(clean);
}

/** A README.md as a model card: front matter as tags, the rest as sanitised HTML. */
export function renderModelCard(text: string, links?: CardLinks): ModelCard {
  const { yaml, body } = splitFrontMatter(text);
  if (yaml === undefined) return { html: renderMarkdown(body, links), tags: [] };
  try {
    const data: unknown = parseYaml(yaml, { maxAliasCount: 100, prettyErrors: false });
    return { html: renderMarkdown(body, links), tags: frontMatterTags(data) };
  } catch (err) {
    // a broken header is still the author's text: shown as code, with the reason
    const fence = '`'.repeat(Math.max(3, ...[...yaml.matchAll(/`+/g)].map((m) => m[0].length + 1)));
    return { html: renderMarkdown(`${fence}yaml\n${yaml}\n${fence}\n\n${body}`, links), tags: [], frontMatterError: (err as Error).message.split('\n')[0] };
  }
}
