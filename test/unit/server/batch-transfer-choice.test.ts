/** Which transfer hub serve answers a batch with (lfs.ts parseBatchRequest): hub's own protocol when hub asks for it first, Xet for every other Xet client. */
import { describe, expect, it } from 'vitest';
import { parseBatchRequest } from '../../../src/server/lfs.js';
import { DEFAULT_TRANSFERS } from '../../../src/transfer/lfs-client.js';

const choice = (transfers: string[] | undefined, chunk = true, xet = true) => parseBatchRequest({ operation: 'download', objects: [], ...(transfers ? { transfers } : {}) }, chunk, xet).transfer;

describe('the batch answer transfer', () => {
  it('is hub-chunks for hub (its default list), xet for the HF clients whatever their order, basic otherwise', () => {
    expect(choice([...DEFAULT_TRANSFERS])).toBe('hub-chunks');
    expect(choice(['xet', 'hub-chunks', 'basic'])).toBe('xet'); // HUB_TRANSFER=xet,hub-chunks
    expect(choice(['basic', 'multipart', 'xet'])).toBe('xet'); // @huggingface/hub's default
    expect(choice(['basic', 'hub-chunks'])).toBe('hub-chunks');
    expect(choice(['basic'])).toBe('basic');
    expect(choice(undefined)).toBe('basic');
    expect(choice([...DEFAULT_TRANSFERS], true, false)).toBe('hub-chunks'); // a server without the Xet CAS
    expect(choice(['xet', 'basic'], false, false)).toBe('basic'); // --no-chunk-transfer
  });
});
