/** The one error type of `hub serve` that becomes an HTTP response (used by every route and by the JSON body reader). */

/** An error that becomes an HTTP response: status, a JSON body `{"error": message}`, extra headers. */
export class HttpError extends Error {
  constructor(readonly status: number, message: string, readonly headers: Record<string, string> = {}, readonly code?: string) {
    super(message);
  }
}
