/** `hub log --graph`'s layout: each commit's text beside the graph lines {@link LogGraph} draws for it. */
import { LogGraph, type GraphCommit } from './log-graph.js';

/**
 * Lays out `texts` (one entry per commit, each one or more lines) beside the graph of `commits`
 * (in graph order), as git prints `log --graph`: the first line of each text on the commit's
 * `*` line, the others after graph lines of their own, and the graph's remaining lines after;
 * `separated` (multi-line formats) puts git's separator line between commits.
 */
export function drawGraph(commits: readonly GraphCommit[], texts: readonly string[][], separated = false): string[] {
  const graph = new LogGraph();
  const out: string[] = [];
  commits.forEach((c, n) => {
    graph.update(c);
    if (separated && n > 0) out.push(graph.separatorLine());
    for (;;) {
      const l = graph.nextLine();
      if (l.commitLine) {
        out.push(l.text + (texts[n]![0] ?? ''));
        break;
      }
      out.push(l.text);
    }
    for (const t of texts[n]!.slice(1)) out.push(graph.nextLine().text + t);
    while (!graph.finished) out.push(graph.nextLine().text);
  });
  return out;
}
