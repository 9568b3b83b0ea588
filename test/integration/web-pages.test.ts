/**
 * Issue 16: the web pages of `hub serve`, against a real server, repositories pushed with hub,
 * and a real browser (chromium through playwright-core). Every page loads and shows what it
 * should (names, sizes, tensor rows, table cells, line numbers, the rendered model card with its
 * front-matter tags, clone instructions, the commit's tensor diff with statistics); a private
 * repository is a 404 for anonymous visitors and other users, exactly like a missing one, and
 * readable after logging in with the owner's token; hostile names, messages and READMEs are
 * shown as text; the session cookie is HttpOnly, SameSite and authorises no write; pages answer
 * only GET and HEAD; every page has a Content-Security-Policy. Screenshots of each page go to
 * the test's temporary folder.
 */
import { copyFileSync, existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { request } from 'node:http';
import { join } from 'node:path';
import type { BrowserContext, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { launchBrowser } from '../helpers/browser.js';
import { http } from '../helpers/http-answer.js';
import { serverContent } from '../helpers/server-content.js';
import { startHubServe, type TestServer } from '../helpers/hub-server.js';
import { makeModel, mutateModel } from '../helpers/make-model.js';
import { repoRoot } from '../helpers/paths.js';
import { ID } from '../helpers/remote-repo.js';
import { runHubJson } from '../helpers/run-hub.js';
import { tmpDir } from '../helpers/tmp-dir.js';

const EVIL_MESSAGE = `fine-tune <script>window.__xss = "msg"</script> & 'single' "double"`;
const EVIL_FILE = `weird <b>"q"'.txt`;
const SECRET = 'TOP-SECRET-7f3a';
const README_V1 = `---
license: apache-2.0
tags:
- text-generation
- "<img src=x onerror=alert(1)>"
datasets:
- alice/squad-mini
---
# Llama tiny <script>window.__xss = 1</script>

A **tiny** model card with a [config link](config.json).

| layer | width |
| --- | --- |
| q_proj | 1024 |

<div align="center" onmouseover="window.__xss = 2"><img src="https://example.invalid/logo.png" onerror="window.__xss = 3"> centered</div>

<a href="javascript:window.__xss = 4">bad link</a>

<iframe src="https://example.invalid/frame"></iframe>
`;
const CSV_V1 = 'id,name,score\n1,alpha,0.5\n2,beta,0.25\n3,gamma,0.125\n';
const CSV_V2 = 'id,name,score\n1,alpha,0.5\n3,gamma,0.125\n4,delta,1.5\n';
const NOTES = Array.from({ length: 30 }, (_, i) => `line ${i + 1} of the notes`).join('\n') + '\n';
/** Between views of a page that waits for work computed ahead: longer than the quiet second that work waits for after each request (src/server/web/content-pool.ts), so it advances between them. */
const AHEAD_POLL_MS = 1500;

describe('web pages of hub serve', () => {
  let s: TestServer;
  const tokens = {} as Record<'alice' | 'bob' | 'aliceRead', string>;
  const commits = {} as Record<'first' | 'tune', string>;
  const tiny = () => `${s.url}/alice/llama-tiny`;

  /** A local hub repository of `owner` pushing to `repo`. */
  async function local(repo: string, token: string, track: string[]) {
    const env = { ...ID, HUB_HOME: tmpDir(), HUB_TOKEN: token };
    const dir = tmpDir();
    const hub = (args: string[]) => runHubJson(args, { cwd: dir, env });
    await hub(['init']);
    if (track.length) await hub(['track', ...track]);
    await hub(['remote', 'add', 'origin', `${s.url}/${repo}`]);
    return { dir, hub };
  }

  beforeAll(async () => {
    s = await startHubServe();
    for (const [key, user, write] of [['alice', 'alice', true], ['aliceRead', 'alice', false], ['bob', 'bob', true]] as const) {
      tokens[key] = (await runHubJson(['token', 'create', '--root', s.root, '--user', user, ...(write ? ['--write'] : [])])).token;
    }
    // alice/llama-tiny: a model, tables in three formats, a GGUF file, text, a hostile file name
    await runHubJson(['repo', 'create', 'alice/llama-tiny', '--endpoint', s.url, '--token', tokens.alice]);
    const { dir, hub } = await local('alice/llama-tiny', tokens.alice, ['*.safetensors', '*.parquet', '*.gguf']);
    makeModel(join(dir, 'model.safetensors'), '3MiB', 16, 24);
    writeFileSync(join(dir, 'README.md'), README_V1);
    writeFileSync(join(dir, 'data.csv'), CSV_V1);
    writeFileSync(join(dir, 'config.json'), '{"hidden_size": 1024}\n');
    writeFileSync(join(dir, EVIL_FILE), 'a file with a hostile name\n');
    mkdirSync(join(dir, 'docs'));
    writeFileSync(join(dir, 'docs', 'notes.txt'), NOTES);
    copyFileSync(join(repoRoot, 'fixtures/diff/tables/jsonl-key-rows/a.jsonl'), join(dir, 'rows.jsonl'));
    copyFileSync(join(repoRoot, 'fixtures/diff/tables/parquet-key-rows/a.parquet'), join(dir, 'table.parquet'));
    copyFileSync(join(repoRoot, 'fixtures/diff/tensors/gguf/a.gguf'), join(dir, 'tiny.gguf'));
    await hub(['add', '-A']);
    commits.first = (await hub(['commit', '-m', 'first version'])).commit;
    await hub(['tag', 'v1']);
    await hub(['push', '--tags']);
    await hub(['switch', '-c', 'dev']);
    writeFileSync(join(dir, 'config.json'), '{"hidden_size": 2048}\n');
    await hub(['add', '-A']);
    await hub(['commit', '-m', 'dev: wider']);
    await hub(['push']);
    await hub(['switch', 'main']);
    const tuned = join(tmpDir(), 'tuned.safetensors');
    mutateModel(join(dir, 'model.safetensors'), tuned, 0.25, 17, true);
    copyFileSync(tuned, join(dir, 'model.safetensors'));
    writeFileSync(join(dir, 'data.csv'), CSV_V2);
    writeFileSync(join(dir, 'README.md'), README_V1.replace('A **tiny** model card', 'A **tuned** model card'));
    await hub(['add', 'model.safetensors', 'data.csv', 'README.md']);
    commits.tune = (await hub(['commit', '-m', EVIL_MESSAGE])).commit;
    await hub(['push']);
    // alice/secret: private
    await runHubJson(['repo', 'create', 'alice/secret', '--private', '--endpoint', s.url, '--token', tokens.alice]);
    const secret = await local('alice/secret', tokens.alice, []);
    writeFileSync(join(secret.dir, 'README.md'), `# Secret\n\n${SECRET}\n`);
    await secret.hub(['add', '-A']);
    await secret.hub(['commit', '-m', 'secret']);
    await secret.hub(['push']);
    // alice/squad-mini: a dataset
    await runHubJson(['repo', 'create', 'alice/squad-mini', '--dataset', '--endpoint', s.url, '--token', tokens.alice]);
    const ds = await local('datasets/alice/squad-mini', tokens.alice, []);
    writeFileSync(join(ds.dir, 'train.csv'), CSV_V1);
    await ds.hub(['add', '-A']);
    await ds.hub(['commit', '-m', 'data']);
    await ds.hub(['push']);
    // alice/empty: no commit yet
    await runHubJson(['repo', 'create', 'alice/empty', '--endpoint', s.url, '--token', tokens.alice]);
  });

  afterAll(async () => {
    await s?.stop();
  });

  describe('over HTTP', () => {
    it('answers pages as HTML with a Content-Security-Policy that allows no script', async () => {
      const pages = [
        '/', '/alice', '/datasets', '/alice/llama-tiny', '/alice/llama-tiny/tree/main', '/alice/llama-tiny/commits/main/docs', `/alice/llama-tiny/commit/${commits.tune}`,
        '/datasets/alice/squad-mini', '/datasets/alice/squad-mini/tree/main', '/datasets/alice/squad-mini/blob/main/train.csv', '/alice/empty', '/-/login', '/alice/nope',
      ];
      for (const path of pages) {
        const a = await http(`${s.url}${path}`);
        expect(a.status, path).toBe(path === '/alice/nope' ? 404 : 200);
        expect(String(a.headers['content-type']), path).toMatch(/^text\/html; charset=utf-8/);
        const csp = String(a.headers['content-security-policy']);
        expect(csp, path).toContain("default-src 'none'");
        expect(csp, path).not.toContain('script-src');
        expect(csp, path).not.toContain('unsafe-inline');
        expect(a.headers['x-content-type-options'], path).toBe('nosniff');
        expect(a.text, path).not.toMatch(/<script/i);
      }
      expect((await http(`${s.url}/datasets/alice/squad-mini/blob/main/train.csv`)).text).toContain('<td title="gamma">gamma</td>');
      expect((await http(`${s.url}/datasets/alice/squad-mini`)).text).toContain(`hf download alice/squad-mini --repo-type dataset`);
      expect((await http(`${s.url}/alice/empty`)).text).toContain('This repository is empty');
      expect((await http(`${s.url}/alice/llama-tiny/commits/main/docs`)).text).toMatch(/first version[\s\S]*<\/table>/);
      expect((await http(`${s.url}/alice/llama-tiny/tree/no-such-branch`)).status).toBe(404);
      expect((await http(`${s.url}/alice/llama-tiny/blob/main/no-such-file`)).status).toBe(404);
      expect((await http(`${s.url}/alice/llama-tiny/tree/bad..rev`)).status).toBe(400);
    });

    it('a commit page never waits for content: heads are compared when pushed; other commits show a diff without content first', async () => {
      await runHubJson(['repo', 'create', 'alice/ahead', '--endpoint', s.url, '--token', tokens.alice]);
      const r = await local('alice/ahead', tokens.alice, []);
      writeFileSync(join(r.dir, 'data.csv'), CSV_V1);
      await r.hub(['add', '-A']);
      const older = (await r.hub(['commit', '-m', 'older'])).commit;
      writeFileSync(join(r.dir, 'data.csv'), CSV_V2);
      await r.hub(['add', '-A']);
      const head = (await r.hub(['commit', '-m', 'head'])).commit;
      await r.hub(['push']); // one push: only `head` is a branch head, so only its diff is computed ahead
      const page = (c: string) => `${s.url}/alice/ahead/commit/${c}`;
      const first = await http(page(older));
      expect(first.status).toBe(200);
      expect(first.text).toContain('statistics are being computed in the background');
      expect(first.text).toContain('table: the comparison is being computed');
      expect(first.text).not.toContain('content read:');
      let later = first;
      // asked for seldom: work ahead waits while the server answers requests and a second after
      for (let i = 0; i < 60 && later.text.includes('being computed'); i++) {
        await new Promise((res) => setTimeout(res, AHEAD_POLL_MS));
        later = await http(page(older));
      }
      expect(later.text).not.toContain('being computed');
      expect(later.text).toMatch(/content read: [^<]* of a 96 MiB budget/);
      expect(later.text).toContain('gamma'); // the added table's rows, compared by the background work
      // background diffs run one at a time in the order asked: the push's came first, so it is
      // done, and the head's page is complete on its very first view
      const headPage = await http(page(head));
      expect(headPage.text).not.toContain('being computed');
      expect(headPage.text).toContain('delta'); // the row the head added, from the table comparison
      await runHubJson(['repo', 'delete', 'alice/ahead', '--endpoint', s.url, '--token', tokens.alice]); // the listings' tests expect their repositories only
    });

    it('work computed ahead waits while the server answers any request: a transfer held open keeps a pushed head\'s statistics waiting until it ends', async () => {
      await runHubJson(['repo', 'create', 'alice/held', '--endpoint', s.url, '--token', tokens.alice]);
      const r = await local('alice/held', tokens.alice, []);
      writeFileSync(join(r.dir, 'data.csv'), CSV_V1);
      await r.hub(['add', '-A']);
      await r.hub(['commit', '-m', 'first']);
      await r.hub(['push']);
      writeFileSync(join(r.dir, 'data.csv'), CSV_V2);
      await r.hub(['add', '-A']);
      const head = (await r.hub(['commit', '-m', 'head'])).commit;
      // a Git LFS batch request whose body has not all arrived: in flight until the client goes
      const held = request(`${s.url}/alice/held.git/info/lfs/objects/batch`, { method: 'POST', headers: { authorization: `Bearer ${tokens.alice}`, 'content-type': 'application/vnd.git-lfs+json', 'content-length': '200' } });
      held.on('error', () => {}); // destroyed below
      held.write('{"operation": "download", ');
      try {
        await r.hub(['push']);
        // ample for the head's diff of a four-line table, had the work not waited (it waits up to
        // 5 s before each task and read while a request is in flight, and the diff is its last task)
        await new Promise((res) => setTimeout(res, 3000));
        expect((await http(`${s.url}/alice/held/commit/${head}`)).text).toContain('statistics are being computed in the background');
      } finally {
        held.destroy();
      }
      let page = '';
      for (let i = 0; i < 60 && !page.includes('content read:'); i++) {
        await new Promise((res) => setTimeout(res, AHEAD_POLL_MS));
        page = (await http(`${s.url}/alice/held/commit/${head}`)).text;
      }
      expect(page).toContain('delta'); // the row the head added, from the table comparison computed ahead
      await runHubJson(['repo', 'delete', 'alice/held', '--endpoint', s.url, '--token', tokens.alice]); // the listings' tests expect their repositories only
    });

    it('computes a push\'s file pages when it ends: the tensor list shows even once the model\'s content has left the store', async () => {
      await runHubJson(['repo', 'create', 'alice/ahead-files', '--endpoint', s.url, '--token', tokens.alice]);
      const r = await local('alice/ahead-files', tokens.alice, ['*.safetensors']);
      makeModel(join(r.dir, 'm.safetensors'), '2MiB', 93, 12);
      writeFileSync(join(r.dir, 't.csv'), CSV_V1);
      const content = serverContent(s);
      const xorbs = async () => new Set((await content.xorbs()).keys());
      const before = await xorbs();
      await r.hub(['add', '-A']);
      const head = (await r.hub(['commit', '-m', 'model'])).commit;
      await r.hub(['push']);
      // the work of a push runs previews first and the head's diff with content last: once the
      // commit page shows that diff, the file pages' previews are cached
      let commit = await http(`${s.url}/alice/ahead-files/commit/${head}`);
      for (let i = 0; i < 60 && !commit.text.includes('content read:'); i++) {
        await new Promise((res) => setTimeout(res, AHEAD_POLL_MS));
        commit = await http(`${s.url}/alice/ahead-files/commit/${head}`);
      }
      expect(commit.text).toContain('content read:');
      const added = [...(await xorbs())].filter((x) => !before.has(x));
      expect(added.length).toBeGreaterThan(0);
      // emptied in place (a worker may hold them open: a rename would not stop its reads)
      const saved = await Promise.all(added.map((x) => content.readXorb(x)));
      for (const x of added) await content.writeXorb(x, new Uint8Array(0));
      try {
        const blob = await http(`${s.url}/alice/ahead-files/blob/main/m.safetensors`);
        expect(blob.status).toBe(200);
        expect(blob.text).toMatch(/<b>12 tensors<\/b>/);
        expect(blob.text).not.toContain('class="err"');
        expect((await http(`${s.url}/alice/ahead-files/blob/main/t.csv`)).text).toContain('<td title="gamma">gamma</td>');
      } finally {
        for (const [i, x] of added.entries()) await content.writeXorb(x, saved[i]);
      }
      await runHubJson(['repo', 'delete', 'alice/ahead-files', '--endpoint', s.url, '--token', tokens.alice]);
    });

    it('escapes names, messages, file names and card text', async () => {
      const commit = await http(`${tiny()}/commit/${commits.tune}`);
      expect(commit.text).toContain('fine-tune &lt;script&gt;window.__xss = &quot;msg&quot;&lt;/script&gt; &amp; &#39;single&#39; &quot;double&quot;');
      const tree = await http(`${tiny()}/tree/main`);
      expect(tree.text).toContain('weird &lt;b&gt;&quot;q&quot;&#39;.txt');
      expect(tree.text).toContain(`/alice/llama-tiny/blob/main/${encodeURIComponent(EVIL_FILE).replace("'", '&#39;')}"`);
      const card = await http(tiny());
      expect(card.text).toContain('Llama tiny &lt;script&gt;');
      expect(card.text).toContain('<b>tags:</b> &lt;img src=x onerror=alert(1)&gt;');
      expect(card.text).not.toMatch(/ on\w+="|href="javascript:|<iframe|<script/i); // attributes are always quoted after sanitising
      const blob = await http(`${tiny()}/blob/main/${encodeURIComponent(EVIL_FILE)}`);
      expect(blob.status).toBe(200);
      expect(blob.text).toContain('a file with a hostile name');
    });

    it('shows a private repository to no one who may not read it: the same 404 as a missing one', async () => {
      const missing = await http(`${s.url}/alice/no-such-repo`);
      expect(missing.status).toBe(404);
      const normal = (text: string, path: string) => text.replaceAll(encodeURIComponent(path), 'PATH');
      for (const headers of [{}, { authorization: `Bearer ${tokens.bob}` }]) {
        for (const path of ['/alice/secret', '/alice/secret/tree/main', '/alice/secret/blob/main/README.md', '/alice/secret/commits/main']) {
          const a = await http(`${s.url}${path}`, { headers });
          expect(a.status, path).toBe(404);
          expect(a.text).not.toContain(SECRET);
          const same = await http(`${s.url}${path.replace('secret', 'no-such-repo')}`, { headers });
          expect(normal(a.text, path)).toBe(normal(same.text, path.replace('secret', 'no-such-repo')));
        }
        for (const path of ['/', '/alice']) expect((await http(`${s.url}${path}`, { headers })).text, path).not.toContain('alice/secret');
      }
      const owner = await http(`${s.url}/alice/secret`, { headers: { authorization: `Bearer ${tokens.aliceRead}` } });
      expect(owner.status).toBe(200);
      expect(owner.text).toContain(SECRET);
      expect((await http(`${s.url}/`, { headers: { authorization: `Bearer ${tokens.aliceRead}` } })).text).toContain('alice/secret');
      expect((await http(`${s.url}/alice/secret`, { headers: { authorization: 'Bearer hf_not_a_token' } })).status).toBe(401);
    });

    it('never writes: pages answer GET and HEAD only, and the API, git and LFS routes are not shadowed', async () => {
      for (const path of ['/alice/llama-tiny', '/alice/llama-tiny/tree/main', '/alice/llama-tiny/blob/main/data.csv', '/', '/alice']) {
        for (const method of ['POST', 'PUT', 'DELETE', 'PATCH']) {
          const a = await http(`${s.url}${path}`, { method, body: 'x=1' });
          expect(a.status, `${method} ${path}`).toBe(405);
          expect(a.headers.allow).toBe('GET, HEAD');
        }
      }
      const head = await http(tiny(), { method: 'HEAD' });
      expect(head.status).toBe(200);
      expect(head.body.length).toBe(0);
      expect((await http(`${s.url}/api/models/alice/llama-tiny`)).json.id).toBe('alice/llama-tiny');
      expect((await http(`${tiny()}/resolve/main/config.json`)).text).toBe('{"hidden_size": 1024}\n');
      expect((await http(`${tiny()}.git/info/refs?service=git-upload-pack`)).status).toBe(200);
      expect((await http(`${tiny()}/info/refs?service=git-upload-pack`)).status).toBe(200);
      expect((await http(`${s.url}/api/health`)).json.status).toBe('ok');
    });

    it('logs in with a token into an HttpOnly SameSite cookie that reads pages and authorises nothing else', async () => {
      const form = await http(`${s.url}/-/login?next=/alice/secret`);
      const nonceCookie = String(form.headers['set-cookie']).split(';')[0];
      const csrf = /name="csrf" value="([^"]+)"/.exec(form.text)![1];
      const post = (fields: Record<string, string>, headers: Record<string, string> = {}) =>
        http(`${s.url}/-/login`, { method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded', cookie: nonceCookie, ...headers }, body: new URLSearchParams(fields).toString() });
      // refused: no CSRF token, another origin, a bad token
      expect((await post({ token: tokens.alice, next: '/alice/secret' })).status).toBe(403);
      expect((await post({ token: tokens.alice, csrf, next: '/alice/secret' }, { origin: 'http://evil.example' })).status).toBe(403);
      const bad = await post({ token: 'hf_wrong', csrf, next: '/' });
      expect(bad.status).toBe(401);
      expect(bad.headers['set-cookie'] === undefined || !String(bad.headers['set-cookie']).includes('hub_session=')).toBe(true);
      const ok = await post({ token: tokens.alice, csrf, next: '/alice/secret' }, { origin: s.url });
      expect(ok.status).toBe(303);
      expect(ok.headers.location).toBe('/alice/secret');
      const setCookie = String(ok.headers['set-cookie']);
      expect(setCookie).toMatch(/^hub_session=[A-Za-z0-9_-]+; Path=\/; HttpOnly; SameSite=Lax; Max-Age=\d+$/);
      expect(setCookie).not.toContain(tokens.alice);
      expect(setCookie).not.toContain(tokens.alice.slice(3, 20));
      const cookie = setCookie.split(';')[0];
      const page = await http(`${s.url}/alice/secret`, { headers: { cookie } });
      expect(page.status).toBe(200);
      expect(page.text).toContain(SECRET);
      expect(page.text).toContain('signed in as');
      // a signed-in browser downloads through the resolve links
      expect((await http(`${s.url}/alice/secret/resolve/main/README.md`, { headers: { cookie } })).text).toContain(SECRET);
      // ...and can do nothing else with the cookie: no API, git or LFS access, no write
      expect((await http(`${s.url}/api/repos/create`, { method: 'POST', headers: { cookie, 'content-type': 'application/json' }, body: '{"name":"made-by-cookie"}' })).status).toBe(401);
      expect((await http(`${s.url}/alice/secret.git/info/refs?service=git-receive-pack`, { headers: { cookie } })).status).toBe(401);
      expect((await http(`${s.url}/alice/secret.git/info/refs?service=git-upload-pack`, { headers: { cookie } })).status).toBe(401);
      const batch = JSON.stringify({ operation: 'upload', transfers: ['basic'], objects: [{ oid: 'a'.repeat(64), size: 1 }] });
      expect((await http(`${s.url}/alice/secret.git/info/lfs/objects/batch`, { method: 'POST', headers: { cookie, 'content-type': 'application/vnd.git-lfs+json' }, body: batch })).status).toBe(401);
      expect((await http(`${s.url}/api/models/alice/secret`, { headers: { cookie } })).status).toBe(404);
      // a cookie altered by one character is no session
      // (the character replaced is the second last, by one it is not: it was a fixed 'A' unless the
      // last was 'A', the same cookie again once in 64 runs)
      const forged = cookie.slice(0, -2) + (cookie.at(-2) === 'A' ? 'B' : 'A') + cookie.slice(-1);
      expect(forged).not.toBe(cookie);
      expect((await http(`${s.url}/alice/secret`, { headers: { cookie: forged } })).status).toBe(404);
      // logging out: a form with the CSRF token; the cookie is removed
      const logout = await http(`${s.url}/-/logout`, { method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded', cookie: `${cookie}; ${nonceCookie}`, origin: s.url }, body: `csrf=${encodeURIComponent(csrf)}` });
      expect(logout.status).toBe(303);
      expect(String(logout.headers['set-cookie'])).toMatch(/^hub_session=; .*Max-Age=0/);
      expect((await http(`${s.url}/-/logout`, { method: 'POST', headers: { cookie }, body: '' })).status).toBe(403);
    });
  });

  describe('in a browser', () => {
    let browser: BrowserContext;
    let page: Page;
    let shots: string;
    const refused: string[] = [];

    beforeAll(async () => {
      shots = tmpDir('hub-web-shots-');
      browser = await launchBrowser();
      page = await browser.newPage();
      page.on('console', (m) => {
        if (/Refused to|Content Security Policy/i.test(m.text())) refused.push(m.text());
      });
    });

    afterAll(async () => {
      await browser?.close();
    });

    /** Loads `path`, checks its status, saves a screenshot named `name`. */
    async function visit(path: string, name: string, status = 200): Promise<void> {
      const res = await page.goto(`${s.url}${path}`);
      expect(res?.status(), path).toBe(status);
      const file = join(shots, `${name}.png`);
      await page.screenshot({ path: file, fullPage: true });
      expect(readFileSync(file).subarray(1, 4).toString()).toBe('PNG');
    }

    const text = (selector: string) => page.locator(selector).first().innerText();
    const count = (selector: string) => page.locator(selector).count();

    it('home and owner pages list the visible repositories, newest first, with size and last commit', async () => {
      await visit('/', 'home');
      const names = await page.locator('table.list tr td:first-child b').allInnerTexts();
      expect(names).toEqual(['alice/empty', 'alice/squad-mini', 'alice/llama-tiny']);
      expect(await text('table.list')).toMatch(/alice\/llama-tiny[\s\S]*MiB[\s\S]*fine-tune <script>/);
      await visit('/alice', 'owner');
      expect(await page.locator('table.list tr td:first-child b').allInnerTexts()).toEqual(['alice/empty', 'alice/squad-mini', 'alice/llama-tiny']);
      await visit('/datasets', 'datasets');
      expect(await page.locator('table.list tr td:first-child b').allInnerTexts()).toEqual(['alice/squad-mini']);
    });

    it('the repository page renders the model card, its front matter as tags, refs and clone instructions', async () => {
      await visit('/alice/llama-tiny', 'repo-page');
      expect(await text('article.card h1')).toBe('Llama tiny <script>window.__xss = 1</script>');
      expect(await text('article.card strong')).toBe('tuned');
      expect(await text('article.card table')).toContain('q_proj');
      expect(await page.locator('article.card a', { hasText: 'config link' }).getAttribute('href')).toBe('/alice/llama-tiny/blob/main/config.json');
      expect(await page.locator('.tag').allInnerTexts()).toEqual(['license: apache-2.0', 'tags: text-generation', 'tags: <img src=x onerror=alert(1)>', 'datasets: alice/squad-mini']);
      expect(await count('script, iframe, [onerror], [onmouseover], a[href^="javascript"]')).toBe(0);
      expect(await page.evaluate(() => (window as unknown as { __xss?: unknown }).__xss)).toBeUndefined();
      const side = await text('aside.side');
      expect(side).toContain(`hub clone ${s.url}/alice/llama-tiny`);
      expect(side).toContain(`git clone ${s.url}/alice/llama-tiny`);
      expect(side).toContain(`HF_ENDPOINT=${s.url} hf download alice/llama-tiny`);
      expect(side).toMatch(/Branches \(2\)\s+dev[\s\S]*main/);
      expect(side).toMatch(/Tags \(1\)\s+v1/);
      expect(side).toContain(commits.tune.slice(0, 7));
    });

    it('the tree shows sizes, large files marked, download links; the file pages show tensors, tables and numbered lines', async () => {
      await visit('/alice/llama-tiny/tree/main', 'tree');
      const model = page.locator('tr', { hasText: 'model.safetensors' });
      expect(await model.locator('.badge.lfs').count()).toBe(1);
      expect(await model.innerText()).toMatch(/\d(\.\d)? MiB/);
      expect(await model.locator('a[download]').getAttribute('href')).toBe('/alice/llama-tiny/resolve/main/model.safetensors');
      expect(await page.locator('tr', { hasText: 'config.json' }).locator('.badge.lfs').count()).toBe(0);
      expect(await page.locator('table.list a', { hasText: 'docs' }).getAttribute('href')).toBe('/alice/llama-tiny/tree/main/docs');
      await visit('/alice/llama-tiny/tree/v1/docs', 'tree-docs');
      expect(await text('table.list')).toContain('notes.txt');

      await visit('/alice/llama-tiny/blob/v1/model.safetensors', 'blob-safetensors');
      expect(await text('.tensors .head')).toContain('24 tensors');
      expect(await count('.tensors table.list tr')).toBe(25);
      expect(await text('.tensors table.list tr:nth-child(2)')).toMatch(/model\.embed_tokens\.weight\s+F32\s+\[\d+, \d+\]\s+[\d.]+ (KiB|MiB)/);
      await visit('/alice/llama-tiny/blob/main/tiny.gguf', 'blob-gguf');
      expect(await text('.tensors .head')).toMatch(/\d+ tensors/);

      await visit('/alice/llama-tiny/blob/v1/data.csv', 'blob-csv');
      expect(await page.locator('.table-preview th').allInnerTexts()).toEqual(['id\ninteger', 'name\nstring', 'score\nnumber']);
      expect(await page.locator('.table-preview td').allInnerTexts()).toEqual(['1', 'alpha', '0.5', '2', 'beta', '0.25', '3', 'gamma', '0.125']);
      await visit('/alice/llama-tiny/blob/main/table.parquet', 'blob-parquet');
      expect(await text('.table-preview .head')).toMatch(/\d+ columns[\s\S]*rows/);
      expect(await count('.table-preview td')).toBeGreaterThan(0);
      await visit('/alice/llama-tiny/blob/main/rows.jsonl', 'blob-jsonl');
      expect(await count('.table-preview td')).toBeGreaterThan(0);

      await visit('/alice/llama-tiny/blob/main/docs/notes.txt', 'blob-text');
      expect(await count('table.code tr')).toBe(30);
      expect(await text('tr#L7 td.ln')).toBe('7');
      expect(await text('tr#L7 td.src')).toBe('line 7 of the notes');
    });

    it('history, the commit page with its tensor diff, and a comparison', async () => {
      await visit('/alice/llama-tiny/commits/main', 'commits');
      const titles = await page.locator('table.commits tr td:nth-child(2)').allInnerTexts();
      expect(titles).toEqual([EVIL_MESSAGE, 'first version']);

      // computed when the push arrived; a page asked for before that ends shows it on a reload
      for (let i = 0; i < 60 && (await http(`${s.url}/alice/llama-tiny/commit/${commits.tune}`)).text.includes('being computed'); i++) await new Promise((r) => setTimeout(r, AHEAD_POLL_MS));
      await visit(`/alice/llama-tiny/commit/${commits.tune}`, 'commit-tensor-diff');
      expect(await text('.commit-title')).toBe(EVIL_MESSAGE);
      expect(await text('dl.facts')).toContain(commits.first.slice(0, 7));
      const modelDiff = page.locator('.file-diff', { hasText: 'model.safetensors' });
      expect(await modelDiff.locator('.chunks').innerText()).toMatch(/new · .* shared \(\d+\.\d%\)/);
      const summary = await modelDiff.locator('.body > p').first().innerText();
      const m = /24 → 24 tensors: (\d+) changed, 1 added, 1 removed, (\d+) unchanged/.exec(summary);
      expect(m, summary).not.toBeNull();
      const changed = Number(m![1]);
      expect(changed).toBeGreaterThan(0);
      expect(await modelDiff.locator('table.tensor-changes tr').count()).toBe(changed + 1);
      const firstRow = await modelDiff.locator('table.tensor-changes tr:nth-child(2) td').allInnerTexts();
      expect(Number(firstRow[6])).toBeGreaterThan(0.99); // cosine of a slight perturbation
      expect(Number(firstRow[5])).toBeGreaterThan(0.01); // relative L2 about 0.05
      const csvDiff = page.locator('.file-diff', { hasText: 'data.csv' });
      expect(await csvDiff.innerText()).toMatch(/rows 3 → 3: 1 added, 1 removed/);
      expect(await csvDiff.locator('table.data').first().innerText()).toContain('delta');
      const readme = page.locator('.file-diff', { hasText: 'README.md' });
      expect(await readme.locator('tr.add').allInnerTexts()).toContain('+A **tuned** model card with a [config link](config.json).');
      expect(await readme.locator('tr.del').allInnerTexts()).toContain('-A **tiny** model card with a [config link](config.json).');

      await visit('/alice/llama-tiny/compare/v1...main', 'compare');
      expect(await text('main')).toMatch(/\b1 commit(?!s)/);
      expect(await page.locator('.file-diff > .head > .mono').allInnerTexts()).toEqual(['README.md', 'data.csv', 'model.safetensors']);
    });

    it('a private repository: 404 for an anonymous visitor, readable after logging in, 404 again after logging out', async () => {
      await visit('/alice/secret', 'private-anonymous', 404);
      expect(await text('main')).not.toContain(SECRET);
      await visit('/', 'home-anonymous');
      expect(await text('main')).not.toContain('alice/secret');

      await page.locator('header a', { hasText: 'Log in' }).click();
      await page.locator('#token').fill(tokens.aliceRead);
      await Promise.all([page.waitForURL(`${s.url}/`), page.locator('form.login button').click()]);
      expect(await text('main')).toContain('alice/secret');
      expect(await page.evaluate(() => document.cookie)).toBe(''); // HttpOnly: no script could read it
      const session = (await browser.cookies()).find((c) => c.name === 'hub_session')!;
      expect(session).toMatchObject({ httpOnly: true, sameSite: 'Lax', path: '/' });
      await visit('/alice/secret', 'private-signed-in');
      expect(await text('article.card')).toContain(SECRET);
      expect(await text('header')).toContain('signed in as alice');

      await Promise.all([page.waitForURL(`${s.url}/`), page.locator('header form button', { hasText: 'Log out' }).click()]);
      expect((await browser.cookies()).some((c) => c.name === 'hub_session')).toBe(false);
      await visit('/alice/secret', 'private-logged-out', 404);
    });

    it('no page broke its Content-Security-Policy, and every screenshot was saved', () => {
      expect(refused).toEqual([]);
      for (const name of ['home', 'repo-page', 'tree', 'blob-safetensors', 'blob-csv', 'blob-text', 'commits', 'commit-tensor-diff', 'compare', 'private-anonymous']) {
        expect(existsSync(join(shots, `${name}.png`)), name).toBe(true);
      }
    });
  });
});
