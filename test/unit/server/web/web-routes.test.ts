/** Which URLs are web pages, and that the API, git, LFS and HF routes are never claimed. */
import { describe, expect, it } from 'vitest';
import { matchWebRoute } from '../../../../src/server/web/web-routes.js';

describe('matchWebRoute', () => {
  it('claims the pages', () => {
    expect(matchWebRoute('/')).toEqual({ page: 'home' });
    expect(matchWebRoute('/datasets')).toEqual({ page: 'home', type: 'dataset' });
    expect(matchWebRoute('/alice')).toEqual({ page: 'owner', owner: 'alice' });
    expect(matchWebRoute('/alice/llama')).toEqual({ page: 'repo', type: 'model', owner: 'alice', name: 'llama' });
    expect(matchWebRoute('/datasets/alice/squad/')).toEqual({ page: 'repo', type: 'dataset', owner: 'alice', name: 'squad' });
    expect(matchWebRoute('/alice/llama/tree/main')).toEqual({ page: 'tree', type: 'model', owner: 'alice', name: 'llama', rev: 'main', path: '' });
    expect(matchWebRoute('/alice/llama/tree/refs%2Fpr%2F1/a%20b/c')).toMatchObject({ page: 'tree', rev: 'refs/pr/1', path: 'a b/c' });
    expect(matchWebRoute('/alice/llama/blob/v1/dir/model.safetensors')).toMatchObject({ page: 'blob', rev: 'v1', path: 'dir/model.safetensors' });
    expect(matchWebRoute('/alice/llama/commits')).toMatchObject({ page: 'commits', rev: undefined, path: '' });
    expect(matchWebRoute('/alice/llama/commits/main/docs')).toMatchObject({ page: 'commits', rev: 'main', path: 'docs' });
    expect(matchWebRoute('/alice/llama/commit/abc123')).toMatchObject({ page: 'commit', rev: 'abc123' });
    expect(matchWebRoute('/alice/llama/compare/v1...main')).toMatchObject({ page: 'compare', base: 'v1', head: 'main' });
    expect(matchWebRoute('/alice/llama/compare/v1..main')).toMatchObject({ page: 'bad' });
    expect(matchWebRoute('/-/style.css')).toEqual({ page: 'style' });
    expect(matchWebRoute('/-/login')).toEqual({ page: 'login' });
    expect(matchWebRoute('/-/logout')).toEqual({ page: 'logout' });
  });

  it('claims none of the API, git, LFS and HF routes', () => {
    for (const path of [
      '/api/health',
      '/api/models/alice/llama',
      '/api/datasets/alice/squad/tree/main',
      '/api/repos/create',
      '/alice/llama.git',
      '/alice/llama.git/info/refs',
      '/alice/llama/info/refs',
      '/alice/llama/git-upload-pack',
      '/alice/llama/git-receive-pack',
      '/alice/llama.git/info/lfs/objects/batch',
      '/alice/llama/info/lfs/objects/batch',
      '/alice/llama/resolve/main/model.safetensors',
      '/alice/llama/raw/main/config.json',
      '/datasets/alice/squad/resolve/main/train.csv',
      '/-/anything-else',
      '/alice/llama/tree',
      '/alice/llama/blob/main',
      '/..%2F..%2Fetc/passwd',
    ]) {
      expect(matchWebRoute(path), path).toBeUndefined();
    }
  });

  it('answers a bad percent-encoding on a page route as a bad request, and leaves other routes alone', () => {
    expect(matchWebRoute('/alice/llama/tree/%E0%A4%A')).toEqual({ page: 'bad', message: 'invalid percent-encoding in the path' });
    expect(matchWebRoute('/alice/%E0%A4%A')).toBeUndefined();
  });
});
