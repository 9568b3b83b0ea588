import { describe, expect, it } from 'vitest';
import { ExitCode, ProtocolError } from '../../../src/errors.js';
import { errorForBody, errorForStatus } from '../../../src/transfer/http-client.js';
import { describeAnswer, parseJsonAnswer } from '../../../src/transfer/remote-answer.js';

const URL = 'http://10.0.0.1/acme/m.git/info/lfs/objects/batch';
const PAGE = '<!DOCTYPE html><html><body>Log in to the hotel Wi-Fi</body></html>';

function thrown(fn: () => unknown): unknown {
  try {
    fn();
  } catch (err) {
    return err;
  }
  throw new Error('nothing thrown');
}

describe('parseJsonAnswer', () => {
  it('returns JSON', () => {
    expect(parseJsonAnswer(URL, '{"objects":[]}', 'application/vnd.git-lfs+json', 'a batch')).toEqual({ objects: [] });
  });

  it('an HTML page, even one sent as JSON, is a protocol error naming the URL (exit 6, not retried)', () => {
    for (const type of ['text/html; charset=utf-8', 'application/json', undefined]) {
      const err = thrown(() => parseJsonAnswer(URL, PAGE, type, 'a Git LFS batch response'));
      expect(err).toBeInstanceOf(ProtocolError);
      expect(err).toMatchObject({ code: 'bad_response', exitCode: ExitCode.network, retriable: false, data: { url: URL } });
      expect((err as Error).message).toBe(`${URL} answered an HTML page, not a Git LFS batch response (a captive portal or proxy asking to log in, or a wrong URL?)`);
    }
  });

  it('truncated JSON and an empty body say what they are', () => {
    expect((thrown(() => parseJsonAnswer(URL, '{"objects":[{"oid":', 'application/json', 'JSON')) as Error).message).toBe(`${URL} answered invalid or truncated JSON (19 bytes of application/json), not JSON`);
    expect((thrown(() => parseJsonAnswer(URL, ' ', 'application/json', 'JSON')) as Error).message).toBe(`${URL} answered an empty body, not JSON`);
  });
});

describe('describeAnswer', () => {
  it('names HTML, empty bodies, and otherwise the type and the start, printable', () => {
    expect(describeAnswer('text/html', 'anything')).toBe('an HTML page');
    expect(describeAnswer(undefined, '  <html>')).toBe('an HTML page');
    expect(describeAnswer('text/plain', '')).toBe('an empty body');
    expect(describeAnswer('text/plain', 'hello\nworld')).toBe("text/plain 'hello.world'");
    expect(describeAnswer(undefined, Buffer.from([0, 1, 65]))).toBe("an answer without a content type '..A'");
  });
});

describe('statuses and error bodies', () => {
  it('a redirect is a protocol error, 511 asks to log in to the network; neither is retried', () => {
    expect(errorForStatus(302, '', 'LFS download')).toMatchObject({ code: 'bad_response', exitCode: 6, retriable: false });
    expect(errorForStatus(511, '', 'LFS download')).toMatchObject({ code: 'network_login', exitCode: 6, retriable: false });
    expect(errorForStatus(503, '', 'LFS download')).toMatchObject({ code: 'server_error', exitCode: 6, retriable: true });
  });

  it("an HTML error page is not quoted as the server's message", () => {
    expect(errorForBody(502, PAGE, 'LFS download').message).toBe('LFS download: an HTML page');
    expect(errorForBody(404, '{"message":"no such repo"}', 'LFS download').message).toBe('LFS download: no such repo');
  });
});
