/** Model cards: Markdown rendered, raw HTML sanitised, front matter as tags, relative links rebased. */
import { describe, expect, it } from 'vitest';
import { frontMatterTags, renderMarkdown, renderModelCard, splitFrontMatter } from '../../../../src/server/web/markdown.js';

const links = { blobBase: '/alice/m/blob/main', resolveBase: '/alice/m/resolve/main' };

describe('renderMarkdown', () => {
  it('renders CommonMark with tables and keeps harmless layout HTML', () => {
    const out = renderMarkdown('# Title\n\nSome **bold** and `code`.\n\n| a | b |\n| - | - |\n| 1 | 2 |\n\n<div align="center"><sub>small</sub></div>\n').text;
    expect(out).toContain('<h1>Title</h1>');
    expect(out).toContain('<strong>bold</strong>');
    expect(out).toContain('<code>code</code>');
    expect(out).toMatch(/<table>[\s\S]*<td>1<\/td>/);
    expect(out).toContain('<div align="center"><sub>small</sub></div>');
  });

  it('never lets a script, an event handler, a javascript: URL, a frame or a style through', () => {
    const hostile = [
      '<script>alert(1)</script>',
      '<img src="x.png" onerror="alert(2)">',
      '<a href="javascript:alert(3)">x</a>',
      '[md link](javascript:alert(4))',
      '<iframe src="https://evil.example"></iframe>',
      '<div style="position:fixed" onclick="alert(5)">d</div>',
      '<svg><script>alert(6)</script></svg>',
      '<object data="x"></object><embed src="x">',
      '<form action="/-/login"><input name="token"></form>',
      '<a href="//evil.example/x">protocol-relative</a>',
      '<img src="data:text/html,<script>alert(7)</script>">',
    ].join('\n\n');
    const out = renderMarkdown(hostile).text;
    expect(out).not.toMatch(/<script|<iframe|<object|<embed|<form|<input|<svg|onerror=|onclick=|style=|href="javascript:|href="\/\/evil|src="data:text/i);
    expect(renderMarkdown('<img src="data:image/png;base64,iVBORw0KGgo=">').text).toContain('src="data:image/png;base64,iVBORw0KGgo="');
    expect(out).toContain('&lt;script&gt;alert(1)&lt;/script&gt;'); // shown as text, not dropped silently
  });

  it('points relative links at the blob pages and relative images at resolve URLs of the revision', () => {
    const out = renderMarkdown('[cfg](./config.json) [up](../x/../y.md#part) ![img](img/a.png) [abs](https://example.org/) [anchor](#usage)', links).text;
    expect(out).toContain('href="/alice/m/blob/main/config.json"');
    expect(out).toContain('href="/alice/m/blob/main/y.md#part"');
    expect(out).toContain('src="/alice/m/resolve/main/img/a.png"');
    expect(out).toContain('href="https://example.org/" rel="nofollow noopener noreferrer"');
    expect(out).toContain('href="#usage"');
  });
});

describe('front matter', () => {
  it('splits YAML front matter off the card and turns it into tags', () => {
    const card = renderModelCard('---\nlicense: apache-2.0\ntags:\n  - vision\n  - "<b>x</b>"\nmodel-index: {a: 1}\n---\n# Card\n', links);
    expect(card.tags).toEqual([
      { key: 'license', value: 'apache-2.0' },
      { key: 'tags', value: 'vision' },
      { key: 'tags', value: '<b>x</b>' },
      { key: 'model-index', value: '{"a":1}' },
    ]);
    expect(card.html.text).toBe('<h1>Card</h1>\n');
  });

  it('shows front matter that is not YAML as code, with the reason, instead of failing', () => {
    const card = renderModelCard('---\nkey: [unclosed\n---\ntext\n');
    expect(card.tags).toEqual([]);
    expect(card.frontMatterError).toBeTruthy();
    expect(card.html.text).toContain('<code class="language-yaml">key: [unclosed');
  });

  it('only a block at the very start is front matter; lists are cut to MAX_TAGS', () => {
    expect(splitFrontMatter('text\n---\na: 1\n---\n').yaml).toBeUndefined();
    expect(splitFrontMatter('---\r\na: 1\r\n---\r\nbody').yaml).toBe('a: 1');
    expect(frontMatterTags({ language: Array.from({ length: 500 }, (_, i) => `l${i}`) })).toHaveLength(60);
    expect(frontMatterTags(['not', 'a', 'map'])).toEqual([]);
  });
});
