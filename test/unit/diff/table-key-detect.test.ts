/**
 * Issue 14: a table diff without --key detects a key (the first leading column unique and never
 * empty in both files) so that an edited row is one modified row, not a removed and an added one.
 */
import { describe, expect, it } from 'vitest';
import { textSource } from './table-sources.js';
import { diffTables } from '../../../src/diff/table-diff.js';

const csv = (name: string, text: string) => textSource(name, text);

describe('key detection', () => {
  it('pairs rows by the first unique column: an edit is a modified row with its cells', async () => {
    const a = csv('a.csv', 'id,name,score\n1,ann,10\n2,bob,20\n3,cy,30\n');
    const b = csv('b.csv', 'id,name,score\n1,ann,10\n2,bob,25\n3,cy,30\n4,dee,40\n');
    const d = await diffTables(a, b, { format: 'csv', detectKey: true, limit: 10 });
    expect(d).toMatchObject({ key: ['id'], keyDetected: true, added: { count: 1 }, removed: { count: 0 }, unchanged: 2 });
    expect(d.modified).toMatchObject({ count: 1, examples: [{ key: { id: '2' }, cells: [{ column: 'score', a: '20', b: '25' }] }] });
    // without detection the same edit is a removed and an added row
    const plain = await diffTables(a, b, { format: 'csv', limit: 10 });
    expect(plain).toMatchObject({ key: null, keyDetected: false, added: { count: 2 }, removed: { count: 1 }, modified: null });
  });

  it('skips a column with a repeated or an empty cell in either file, and finds none when no leading column qualifies', async () => {
    // `group` repeats in b, `tag` has an empty cell in a: `code` is the key
    const a = csv('a.csv', 'group,tag,code,v\nx,,k1,1\ny,t2,k2,2\n');
    const b = csv('b.csv', 'group,tag,code,v\nx,t1,k1,1\nx,t2,k2,3\n');
    expect(await diffTables(a, b, { format: 'csv', detectKey: true, limit: 10 })).toMatchObject({ key: ['code'], keyDetected: true, modified: { count: 2 }, added: { count: 0 }, removed: { count: 0 } });
    const none = csv('n.csv', 'v,w\n1,1\n1,1\n');
    expect(await diffTables(none, none, { format: 'csv', detectKey: true, limit: 10 })).toMatchObject({ key: null, keyDetected: false });
    // a given key is used as given, and an absent side detects nothing
    expect(await diffTables(a, b, { format: 'csv', key: ['group', 'code'], detectKey: true, limit: 10 })).toMatchObject({ key: ['group', 'code'], keyDetected: false });
    expect(await diffTables(undefined, b, { format: 'csv', detectKey: true, limit: 10 })).toMatchObject({ key: null, keyDetected: false });
  });
});
