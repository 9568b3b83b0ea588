/** The one error type of `hub serve` that becomes an HTTP response (used by every route and by the JSON body reader). */
import { ConflictError, HubError, NotFoundError, PermissionError, UsageError } from '../errors.js';

/** An error that becomes an HTTP response: status, a JSON body `{"error": message}`, extra headers. */
export class HttpError extends Error {
  constructor(readonly status: number, message: string, readonly headers: Record<string, string> = {}, readonly code?: string) {
    super(message);
  }
}

/** The HTTP error for anything a handler threw: HubErrors by kind, anything else 500. */
export function toHttpError(err: unknown): HttpError {
  if (err instanceof HttpError) return err;
  if (err instanceof HubError) {
    const status = err instanceof UsageError ? 400 : err instanceof NotFoundError ? 404 : err instanceof ConflictError ? 409 : err instanceof PermissionError ? 403 : 500;
    return new HttpError(status, status === 500 ? 'internal server error' : err.message, {}, err.code);
  }
  return new HttpError(500, 'internal server error');
}
