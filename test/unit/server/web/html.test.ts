/** The HTML helpers of the web pages: everything interpolated is escaped unless it is markup. */
import { describe, expect, it } from 'vitest';
import { escapeHtml, formatBytes, html, pathSegments, trusted, urlPath } from '../../../../src/server/web/html.js';

describe('escapeHtml and the html template', () => {
  it('escapes the five characters that matter in content and quoted attributes', () => {
    expect(escapeHtml(`<script>alert("x")</script> & 'y'`)).toBe('&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt; &amp; &#39;y&#39;');
    expect(escapeHtml('plain text')).toBe('plain text');
  });

  it('escapes every interpolation, in content and in attributes, lists included', () => {
    const name = `"><img src=x onerror=alert(1)>`;
    const out = html`<a title="${name}">${name}</a><ul>${['<b>', "'q'"].map((x) => html`<li>${x}</li>`)}</ul>`;
    expect(out.text).toBe('<a title="&quot;&gt;&lt;img src=x onerror=alert(1)&gt;">&quot;&gt;&lt;img src=x onerror=alert(1)&gt;</a><ul><li>&lt;b&gt;</li><li>&#39;q&#39;</li></ul>');
  });

  it('keeps markup built by html or marked trusted, and drops null, undefined and booleans', () => {
    expect(html`<p>${html`<b>${'<i>'}</b>`}${trusted('<br>')}${null}${undefined}${false}${0}</p>`.text).toBe('<p><b>&lt;i&gt;</b><br>0</p>');
  });
});

describe('URL helpers and formats', () => {
  it('encodes each segment, so a / in a revision or a # in a file name stays inside its segment', () => {
    expect(urlPath('alice', 'refs/pr/1', 'a#b c')).toBe('/alice/refs%2Fpr%2F1/a%23b%20c');
    expect(pathSegments('dir/sub dir/<f>.txt')).toBe('dir/sub%20dir/%3Cf%3E.txt');
  });

  it('formats byte counts for people', () => {
    expect(formatBytes(0)).toBe('0 B');
    expect(formatBytes(1023)).toBe('1023 B');
    expect(formatBytes(1536)).toBe('1.5 KiB');
    expect(formatBytes(512 * 1024 * 1024)).toBe('512 MiB');
    expect(formatBytes(3 * 1024 ** 3)).toBe('3 GiB');
  });
});
