/**
 * The stylesheet of the web pages, served at `/-/style.css`. Kept as a string in a module so
 * that `tsc` ships it in dist/ with the code (no asset copying, no build step); plain CSS with
 * custom properties, light and dark by `prefers-color-scheme`.
 */

/** The CSS text. */
export const STYLESHEET = `
:root { --fg: #1f2328; --muted: #59636e; --bg: #fff; --panel: #f6f8fa; --line: #d1d9e0; --accent: #0969da;
  --add: #dafbe1; --del: #ffebe9; --add-fg: #116329; --del-fg: #a40e26; --tag: #ddf4ff; --warn: #fff8c5;
  font-family: system-ui, -apple-system, "Segoe UI", Roboto, sans-serif; font-size: 15px; line-height: 1.45; }
@media (prefers-color-scheme: dark) { :root { --fg: #e6edf3; --muted: #9198a1; --bg: #0d1117; --panel: #151b23; --line: #3d444d;
  --accent: #4493f8; --add: #12261e; --del: #25171c; --add-fg: #56d364; --del-fg: #f85149; --tag: #121d2f; --warn: #272115; } }
* { box-sizing: border-box; }
body { margin: 0; color: var(--fg); background: var(--bg); }
a { color: var(--accent); text-decoration: none; }
a:hover { text-decoration: underline; }
header.top { display: flex; align-items: center; gap: 1rem; padding: .6rem 1.5rem; border-bottom: 1px solid var(--line); background: var(--panel); }
header.top .brand { font-weight: 700; font-size: 1.15rem; color: var(--fg); }
header.top .who { margin-left: auto; color: var(--muted); display: flex; gap: .6rem; align-items: center; }
header.top form { display: inline; margin: 0; }
main { max-width: 1180px; margin: 0 auto; padding: 1.2rem 1.5rem 3rem; }
footer { color: var(--muted); font-size: .8rem; text-align: center; padding: 1rem; }
h1 { font-size: 1.45rem; margin: .2rem 0 .8rem; word-break: break-word; }
h1 .type { font-size: .8rem; font-weight: 500; color: var(--muted); border: 1px solid var(--line); border-radius: 1rem; padding: .05rem .55rem; vertical-align: middle; }
h2 { font-size: 1.1rem; margin: 1.4rem 0 .5rem; }
.muted { color: var(--muted); }
.mono, code, pre, .sha { font-family: ui-monospace, SFMono-Regular, Menlo, Consolas, monospace; font-size: .86rem; }
.tabs { display: flex; gap: .2rem; border-bottom: 1px solid var(--line); margin-bottom: 1rem; flex-wrap: wrap; }
.tabs a { padding: .45rem .9rem; color: var(--fg); border-bottom: 2px solid transparent; }
.tabs a.on { border-bottom-color: #fd8c73; font-weight: 600; }
.panel { border: 1px solid var(--line); border-radius: 6px; margin: 0 0 1rem; overflow: hidden; }
.panel > .head { background: var(--panel); padding: .5rem .8rem; border-bottom: 1px solid var(--line); display: flex; gap: .8rem; align-items: center; flex-wrap: wrap; }
.panel > .body { padding: .8rem 1rem; overflow-x: auto; }
table.list { width: 100%; border-collapse: collapse; }
table.list td, table.list th { padding: .35rem .8rem; border-top: 1px solid var(--line); text-align: left; vertical-align: top; }
table.list tr:first-child td, table.list tr:first-child th { border-top: 0; }
table.list th { background: var(--panel); font-weight: 600; font-size: .85rem; }
td.num, th.num { text-align: right; white-space: nowrap; font-variant-numeric: tabular-nums; }
.badge { display: inline-block; font-size: .72rem; border-radius: 1rem; padding: 0 .5rem; border: 1px solid var(--line); color: var(--muted); white-space: nowrap; }
.badge.lfs { border-color: #bf8700; color: #9a6700; }
.badge.private { border-color: #bf8700; color: #9a6700; }
.badge.added { background: var(--add); color: var(--add-fg); border-color: transparent; }
.badge.deleted, .badge.removed { background: var(--del); color: var(--del-fg); border-color: transparent; }
.badge.modified, .badge.renamed { background: var(--tag); color: var(--accent); border-color: transparent; }
.tags { display: flex; flex-wrap: wrap; gap: .35rem; margin: 0 0 1rem; }
.tag { background: var(--tag); border-radius: 1rem; padding: .1rem .65rem; font-size: .8rem; }
.tag b { font-weight: 600; color: var(--muted); }
.cols { display: grid; grid-template-columns: minmax(0, 1fr) 300px; gap: 1.5rem; }
@media (max-width: 900px) { .cols { grid-template-columns: 1fr; } }
.side h3 { font-size: .9rem; margin: 1rem 0 .4rem; }
.side ul { list-style: none; padding: 0; margin: 0; font-size: .88rem; }
.side li { padding: .15rem 0; overflow: hidden; text-overflow: ellipsis; white-space: nowrap; }
pre.clone { background: var(--panel); border: 1px solid var(--line); border-radius: 6px; padding: .5rem .7rem; overflow-x: auto; white-space: pre; margin: .3rem 0 .8rem; }
.card { line-height: 1.6; overflow-wrap: break-word; }
.card img { max-width: 100%; }
.card pre { background: var(--panel); padding: .7rem; border-radius: 6px; overflow-x: auto; }
.card table { border-collapse: collapse; }
.card td, .card th { border: 1px solid var(--line); padding: .3rem .6rem; }
table.code { border-collapse: collapse; width: 100%; }
table.code td { padding: 0 .8rem; white-space: pre; vertical-align: top; font-family: ui-monospace, SFMono-Regular, Menlo, Consolas, monospace; font-size: .84rem; line-height: 1.5; }
table.code td.ln { width: 1%; text-align: right; color: var(--muted); user-select: none; border-right: 1px solid var(--line); }
table.code td.ln a { color: inherit; }
table.code tr:target td { background: var(--warn); }
table.code tr.add td.src { background: var(--add); }
table.code tr.del td.src { background: var(--del); }
table.code tr.hunk td { background: var(--tag); color: var(--muted); }
table.tensor-changes { font-size: .84rem; }
table.data td { font-family: ui-monospace, SFMono-Regular, Menlo, Consolas, monospace; font-size: .82rem; white-space: nowrap; max-width: 28rem; overflow: hidden; text-overflow: ellipsis; }
table.data th small { display: block; font-weight: 400; color: var(--muted); }
.note { background: var(--warn); border: 1px solid var(--line); border-radius: 6px; padding: .45rem .8rem; margin: .5rem 0; font-size: .88rem; }
.err { background: var(--del); color: var(--del-fg); border-radius: 6px; padding: .45rem .8rem; margin: .5rem 0; }
.stat-bar { display: inline-block; height: .6rem; background: var(--add-fg); border-radius: 2px; vertical-align: middle; }
.pager { display: flex; gap: 1rem; margin: 1rem 0; }
form.login { max-width: 28rem; display: grid; gap: .6rem; }
form.login input[type=password] { padding: .45rem; font: inherit; border: 1px solid var(--line); border-radius: 6px; background: var(--bg); color: var(--fg); }
button { font: inherit; padding: .35rem .9rem; border: 1px solid var(--line); border-radius: 6px; background: var(--panel); color: var(--fg); cursor: pointer; }
button.link { border: 0; background: none; color: var(--accent); padding: 0; }
.crumbs { margin: 0 0 .6rem; font-size: .95rem; }
.crumbs a, .crumbs span { margin-right: .25rem; }
.commit-title { font-size: 1.15rem; font-weight: 600; white-space: pre-wrap; word-break: break-word; }
pre.message { white-space: pre-wrap; margin: .5rem 0 0; }
dl.facts { display: grid; grid-template-columns: max-content 1fr; gap: .25rem 1rem; margin: 0; font-size: .9rem; }
dl.facts dt { color: var(--muted); }
dl.facts dd { margin: 0; word-break: break-all; }
`;
