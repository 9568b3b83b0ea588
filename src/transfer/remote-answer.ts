/**
 * What a remote answered, checked before anything uses it. An answer the protocol does not allow
 * (an HTML login page that a captive portal or proxy sends with status 200, truncated or
 * non-JSON text, JSON of the wrong shape) becomes a ProtocolError naming the URL and what was
 * expected (exit 6), never a TypeError deep inside hub reported as "unexpected".
 */
import { ProtocolError } from '../errors.js';

/** A header value as undici gives it. */
type Header = string | string[] | undefined;

/** The media type of a Content-Type header, lower case, without parameters ('' when absent). */
export function mediaType(contentType: Header): string {
  const value = Array.isArray(contentType) ? contentType[0] : contentType;
  return (value ?? '').split(';')[0].trim().toLowerCase();
}

/** True when the answer is an HTML page (by its type, or by how its text starts). */
export function isHtml(contentType: Header, start: string): boolean {
  return mediaType(contentType) === 'text/html' || /^\s*(<!doctype html|<html|<head|<body)/i.test(start);
}

/** A short description of an answer for an error message: `an HTML page`, `text/plain 'Hello…'`, `an empty body`. */
export function describeAnswer(contentType: Header, body: string | Uint8Array): string {
  const text = typeof body === 'string' ? body : Buffer.from(body.subarray(0, 200)).toString('latin1');
  if (isHtml(contentType, text)) return 'an HTML page';
  if (text.length === 0) return 'an empty body';
  const start = text.slice(0, 40).replace(/[^\x20-\x7e]/g, '.');
  return `${mediaType(contentType) || 'an answer without a content type'} '${start}${text.length > 40 ? '…' : ''}'`;
}

/**
 * The error for an answer from `url` that is not `expected`. An HTML page gets the likely reason:
 * something between hub and the server (a captive portal, a proxy asking to log in) or a URL
 * that is a web page rather than a repository.
 */
export function unexpectedAnswer(url: string, expected: string, got: string, data: Record<string, unknown> = {}): ProtocolError {
  const why = got === 'an HTML page' ? ' (a captive portal or proxy asking to log in, or a wrong URL?)' : '';
  return new ProtocolError(`${url} answered ${got}, not ${expected}${why}`, { data: { url, ...data } });
}

/** Parses a JSON answer from `url`; anything that is not JSON is an unexpectedAnswer. */
export function parseJsonAnswer(url: string, text: string, contentType: Header, expected: string, reviver?: (key: string, value: unknown) => unknown): unknown {
  if (!isHtml(contentType, text)) {
    try {
      return JSON.parse(text, reviver);
    } catch {
      /* reported below */
    }
  }
  const got = isHtml(contentType, text) ? 'an HTML page' : text.trim() === '' ? 'an empty body' : `invalid or truncated JSON (${text.length} bytes of ${mediaType(contentType) || 'no content type'})`;
  throw unexpectedAnswer(url, expected, got);
}

/** True for a plain object (not an array, not null). */
export function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
