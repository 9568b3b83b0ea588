/**
 * git's `log --graph` drawing: the `*`, `|`, `/`, `\`, `_` columns left of each commit. A port of
 * the layout of git's graph.c (git 2.25 and later: two-parent merges drawn without a pre-commit
 * line, collapsing edges smoothed on the commit line), without colour, for commits of any number
 * of parents (an octopus merge gets git's expansion rows before it when columns lie to its right,
 * `*-.` dashes on its line and one edge per parent after it). Hand-written because no
 * maintained npm package reproduces git's layout, and users compare the two.
 * Pure: commits in, lines out. The order must be git's graph order (core/worktree/log-order.ts);
 * draw-graph.ts lays the lines out beside the commits' text.
 */

/** A commit as the graph needs it. */
export interface GraphCommit {
  oid: string;
  parents: readonly string[];
}

type State = 'padding' | 'pre-commit' | 'commit' | 'post-merge' | 'collapsing';

const MERGE_CHARS = ['/', '|', '\\'];

/** The graph of one log: call {@link LogGraph.update} per commit, then {@link LogGraph.nextLine} until the commit line is out. */
export class LogGraph {
  private commit: GraphCommit | undefined;
  private parents: string[] = [];
  private columns: string[] = [];
  private newColumns: string[] = [];
  private mapping: number[] = [];
  private oldMapping: number[] = [];
  private mappingSize = 0;
  private width = 0;
  private state: State = 'padding';
  private prevState: State = 'padding';
  private commitIndex = 0;
  private prevCommitIndex = 0;
  private mergeLayout = -1;
  private edgesAdded = 0;
  private prevEdgesAdded = 0;
  /** Which of an octopus merge's expansion rows (pre-commit lines) is next. */
  private expansionRow = 0;

  /** Moves the graph to `commit`, the next one shown. */
  update(commit: GraphCommit): void {
    this.commit = commit;
    this.parents = [...commit.parents];
    this.prevCommitIndex = this.commitIndex;
    this.updateColumns();
    this.expansionRow = 0;
    this.state = this.needsPreCommitLine() ? 'pre-commit' : 'commit';
  }

  /**
   * The blank line between two commits of a multi-line format (git's separator), drawn after
   * {@link update}: the columns as they stand before the commit's own line.
   */
  separatorLine(): string {
    // before an octopus merge's expansion rows, git's separator is the first of them
    if (this.state !== 'commit') return this.nextLine().text;
    this.prevState = 'padding';
    const octopus = this.parents.length > 2 ? ' '.repeat((this.parents.length - 2) * 2) : ' ';
    return this.columns.map((col) => `|${col === this.commit!.oid ? octopus : ' '}`).join('').padEnd(this.width);
  }

  /** True once every line of the current commit is out (the graph is in its padding state). */
  get finished(): boolean {
    return this.state === 'padding';
  }

  /** The next line of graph, and whether it is the commit's own line (`*`). */
  nextLine(): { text: string; commitLine: boolean } {
    let text: string;
    let commitLine = false;
    switch (this.state) {
      case 'padding':
        text = this.newColumns.map(() => '| ').join('');
        break;
      case 'pre-commit':
        text = this.preCommitLine();
        break;
      case 'commit':
        text = this.commitLine();
        commitLine = true;
        break;
      case 'post-merge':
        text = this.postMergeLine();
        break;
      case 'collapsing':
        text = this.collapsingLine();
        break;
    }
    return { text: text.padEnd(this.width), commitLine };
  }

  private setState(s: State): void {
    this.prevState = this.state;
    this.state = s;
  }

  private findNewColumn(oid: string): number {
    return this.newColumns.indexOf(oid);
  }

  private insertIntoNewColumns(oid: string, idx: number): void {
    let i = this.findNewColumn(oid);
    if (i < 0) {
      i = this.newColumns.length;
      this.newColumns.push(oid);
    }
    let mappingIdx: number;
    if (this.parents.length > 1 && idx > -1 && this.mergeLayout === -1) {
      const dist = idx - i;
      const shift = dist > 1 ? 2 * dist - 3 : 1;
      this.mergeLayout = dist > 0 ? 0 : 1;
      this.edgesAdded = this.parents.length + this.mergeLayout - 2;
      mappingIdx = this.width + (this.mergeLayout - 1) * shift;
      this.width += 2 * this.mergeLayout;
    } else if (this.edgesAdded > 0 && i === this.mapping[this.width - 2]) {
      mappingIdx = this.width - 2;
      this.edgesAdded = -1;
    } else {
      mappingIdx = this.width;
      this.width += 2;
    }
    this.mapping[mappingIdx] = i;
  }

  private updateColumns(): void {
    this.columns = this.newColumns;
    this.newColumns = [];
    const numColumns = this.columns.length;
    const maxNew = numColumns + this.parents.length;
    this.mappingSize = 2 * maxNew;
    this.mapping = new Array<number>(this.mappingSize).fill(-1);
    this.oldMapping = this.oldMapping.length >= this.mappingSize ? this.oldMapping : [...this.oldMapping, ...new Array<number>(this.mappingSize - this.oldMapping.length).fill(-1)];
    this.width = 0;
    this.prevEdgesAdded = this.edgesAdded;
    this.edgesAdded = 0;
    let seenThis = false;
    for (let i = 0; i <= numColumns; i++) {
      let col: string;
      if (i === numColumns) {
        if (seenThis) break;
        col = this.commit!.oid;
      } else col = this.columns[i]!;
      if (col === this.commit!.oid) {
        seenThis = true;
        this.commitIndex = i;
        this.mergeLayout = -1;
        for (const p of this.parents) this.insertIntoNewColumns(p, i);
        if (this.parents.length === 0) this.width += 2;
      } else {
        this.insertIntoNewColumns(col, -1);
      }
    }
    while (this.mappingSize > 1 && this.mapping[this.mappingSize - 1]! < 0) this.mappingSize--;
  }

  /** Parents of an octopus merge drawn with dashes on its line (`*-.` has one, `*---.` two). */
  private dashedParents(): number {
    return this.parents.length + this.mergeLayout - 3;
  }

  /** An octopus merge with columns to its right first widens the gap around it: two rows per dashed parent. */
  private needsPreCommitLine(): boolean {
    return this.parents.length >= 3 && this.commitIndex < this.columns.length - 1 && this.expansionRow < this.dashedParents() * 2;
  }

  /** One expansion row before an octopus merge: the columns right of it move out, one space a row. */
  private preCommitLine(): string {
    let line = '';
    let seenThis = false;
    this.columns.forEach((col, i) => {
      if (col === this.commit!.oid) {
        seenThis = true;
        line += `|${' '.repeat(this.expansionRow)}`;
      } else if (seenThis && this.expansionRow === 0) {
        // the first row: a line the merge just before drew as a backslash stays one
        line += this.prevState === 'post-merge' && this.prevCommitIndex < i ? '\\' : '|';
      } else if (seenThis) {
        line += '\\';
      } else {
        line += '|';
      }
      line += ' ';
    });
    this.expansionRow++;
    if (!this.needsPreCommitLine()) this.setState('commit');
    return line;
  }

  private mappingCorrect(): boolean {
    for (let i = 0; i < this.mappingSize; i++) {
      const target = this.mapping[i]!;
      if (target < 0 || target === Math.floor(i / 2)) continue; // (integer division, as in git)
      return false;
    }
    return true;
  }

  /** Each column of the line before the new ones, and the commit's place among them. */
  private *eachColumn(): Generator<{ i: number; col: string }> {
    let seenThis = false;
    for (let i = 0; i <= this.columns.length; i++) {
      if (i === this.columns.length) {
        if (seenThis) return;
        yield { i, col: this.commit!.oid };
        return;
      }
      const col = this.columns[i]!;
      if (col === this.commit!.oid) seenThis = true;
      yield { i, col };
    }
  }

  private commitLine(): string {
    let line = '';
    let seenThis = false;
    for (const { i, col } of this.eachColumn()) {
      if (col === this.commit!.oid) {
        seenThis = true;
        line += '*';
        // an octopus merge: dashes towards the parents that start right of the gap, then '.'
        const dashed = this.parents.length > 2 ? this.dashedParents() : 0;
        for (let d = 0; d < dashed; d++) line += d === dashed - 1 ? '-.' : '--';
      } else if (seenThis && this.edgesAdded > 1) {
        line += '\\';
      } else if (seenThis && this.edgesAdded === 1) {
        // a right-skewed merge: the edge coming in may have been drawn '\' by the merge before
        line += this.prevState === 'post-merge' && this.prevEdgesAdded > 0 && this.prevCommitIndex < i ? '\\' : '|';
      } else if (this.prevState === 'collapsing' && this.oldMapping[2 * i + 1] === i && this.mapping[2 * i]! < i) {
        line += '/';
      } else {
        line += '|';
      }
      line += ' ';
    }
    line = line.padEnd(this.width);
    if (this.parents.length > 1) this.setState('post-merge');
    else if (this.mappingCorrect()) this.setState('padding');
    else this.setState('collapsing');
    return line;
  }

  private postMergeLine(): string {
    let line = '';
    let seenThis = false;
    let parentCol = false;
    const first = this.parents[0];
    for (const { i, col } of this.eachColumn()) {
      if (col === this.commit!.oid) {
        seenThis = true;
        let idx = this.mergeLayout;
        for (let j = 0; j < this.parents.length; j++) {
          line += MERGE_CHARS[idx];
          if (idx === 2) {
            if (this.edgesAdded > 0 || j < this.parents.length - 1) line += ' ';
          } else idx++;
        }
        if (this.edgesAdded === 0) line += ' ';
      } else if (seenThis) {
        line += this.edgesAdded > 0 ? '\\ ' : '| ';
      } else {
        line += '|';
        if (this.mergeLayout !== 0 || i !== this.commitIndex - 1) line += parentCol ? '_' : ' ';
      }
      if (col === first) parentCol = true;
    }
    line = line.padEnd(this.width);
    this.setState(this.mappingCorrect() ? 'padding' : 'collapsing');
    return line;
  }

  private collapsingLine(): string {
    let usedHorizontal = false;
    let horizontalEdge = -1;
    let horizontalEdgeTarget = -1;
    [this.mapping, this.oldMapping] = [this.oldMapping, this.mapping];
    for (let i = 0; i < this.mappingSize; i++) this.mapping[i] = -1;
    for (let i = 0; i < this.mappingSize; i++) {
      const target = this.oldMapping[i]!;
      if (target < 0) continue;
      if (target * 2 === i) {
        this.mapping[i] = target;
      } else if (this.mapping[i - 1]! < 0) {
        this.mapping[i - 1] = target;
        if (horizontalEdge === -1) {
          horizontalEdge = i;
          horizontalEdgeTarget = target;
          for (let j = target * 2 + 3; j < i - 2; j += 2) this.mapping[j] = target;
        }
      } else if (this.mapping[i - 1] === target) {
        // shares its parent with the line to its left: merged into it
      } else {
        this.mapping[i - 2] = target;
        if (horizontalEdge === -1) {
          horizontalEdgeTarget = target;
          horizontalEdge = i - 1;
          for (let j = target * 2 + 3; j < i - 2; j += 2) this.mapping[j] = target;
        }
      }
    }
    for (let i = 0; i < this.mappingSize; i++) this.oldMapping[i] = this.mapping[i]!;
    if (this.mapping[this.mappingSize - 1]! < 0) this.mappingSize--;
    let line = '';
    for (let i = 0; i < this.mappingSize; i++) {
      const target = this.mapping[i]!;
      if (target < 0) line += ' ';
      else if (target * 2 === i) line += '|';
      else if (target === horizontalEdgeTarget && i !== horizontalEdge - 1) {
        if (i !== target * 2 + 3) this.mapping[i] = -1;
        usedHorizontal = true;
        line += '_';
      } else {
        if (usedHorizontal && i < horizontalEdge) this.mapping[i] = -1;
        line += '/';
      }
    }
    line = line.padEnd(this.width);
    if (this.mappingCorrect()) this.setState('padding');
    return line;
  }
}
