// Runs before every test file: a test that checks nothing fails (a loop over examples that turned
// out empty, an assertion in a callback that never ran) instead of passing silently.
import { beforeEach, expect } from 'vitest';

beforeEach(() => {
  expect.hasAssertions();
});
