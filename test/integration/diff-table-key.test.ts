// Issue 14, tables without flags: `hub diff` of two tables detects a key column and says so, so
// an edit is a modified row (not a removed and an added row); `--stat` shows the row counts;
// `--no-key` keeps the multiset comparison.
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { runHub } from '../helpers/run-hub.js';
import { tmpDir } from '../helpers/tmp-dir.js';

describe('hub diff of tables without --key', () => {
  it('detects the key, shows modified rows and says which key; --stat counts rows; --no-key does not detect', async () => {
    const dir = tmpDir();
    writeFileSync(join(dir, 'a.csv'), 'id,name,score\n1,ann,10\n2,bob,20\n3,cy,30\n');
    writeFileSync(join(dir, 'b.csv'), 'id,name,score\n1,ann,10\n2,bob,25\n3,cy,30\n4,dee,40\n');
    const human = await runHub(['diff', '--no-index', 'a.csv', 'b.csv'], { cwd: dir });
    expect(human.code, human.stderr).toBe(0);
    expect(human.stdout).toContain('  rows: 3 -> 4 rows, 1 added, 0 removed, 1 modified, 2 unchanged (key: id (detected))\n');
    expect(human.stdout).toContain('    ~ id="2": score "20" -> "25"\n');
    const stat = await runHub(['diff', '--no-index', '--stat', 'a.csv', 'b.csv'], { cwd: dir });
    expect(stat.stdout.split('\n')[1]).toBe('  rows: 3 -> 4 rows, 1 added, 0 removed, 1 modified, 2 unchanged (key: id (detected))');
    expect(stat.stdout).not.toContain('~ id=');
    const json = JSON.parse((await runHub(['diff', '--no-index', '--json', 'a.csv', 'b.csv'], { cwd: dir })).stdout);
    expect(json.files[0].table).toMatchObject({ key: ['id'], keyDetected: true, modified: { count: 1 } });
    const plain = await runHub(['diff', '--no-index', '--no-key', 'a.csv', 'b.csv'], { cwd: dir });
    expect(plain.stdout).toContain('  rows: 3 -> 4 rows, 2 added, 1 removed, 2 unchanged\n');
    const given = await runHub(['diff', '--no-index', '--key', 'name', 'a.csv', 'b.csv'], { cwd: dir });
    expect(given.stdout).toContain('(key: name)\n');
  });
});
