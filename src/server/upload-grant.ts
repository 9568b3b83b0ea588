/**
 * Presigned LFS upload URLs. Hugging Face clients (@huggingface/hub, huggingface_hub) PUT an
 * object to the batch response's `upload.href` WITHOUT the action's `header` and without their
 * token: on the HF Hub that href is a presigned S3 URL. So the `basic` upload href of `hub serve`
 * carries its own authorisation, a grant: `?grant=<expiry>.<HMAC-SHA256(secret, repo, oid,
 * expiry)>`, issued by a batch request that passed the write check. A grant allows exactly one
 * thing, uploading the object `oid` to repository `repo` until it expires; the bytes must still
 * hash to the oid, so a leaked grant cannot put anything else there. The secret is the server
 * root's `upload-grant.key` (server-key.ts): every server on the root accepts the grants of the
 * others (behind a load balancer the batch and the PUT may reach different servers), and a
 * restart keeps outstanding grants valid until they expire.
 */
import { createHmac, randomBytes, timingSafeEqual } from 'node:crypto';

/** Issues and checks upload grants. */
export interface UploadGrants {
  /** The query string (`grant=...`) that authorises uploading `oid` to repository `repoId`. */
  sign(repoId: number, oid: string): string;
  /** Whether `query` holds a valid, unexpired grant for uploading `oid` to repository `repoId`. */
  verify(repoId: number, oid: string, query: URLSearchParams): boolean;
}

/** Grants valid for `ttlSeconds` (default one hour, the batch actions' `expires_in`). */
export function createUploadGrants(opts: { secret?: Buffer; ttlSeconds?: number; now?: () => number } = {}): UploadGrants {
  const secret = opts.secret ?? randomBytes(32);
  const ttl = opts.ttlSeconds ?? 3600;
  const now = opts.now ?? Date.now;
  const mac = (repoId: number, oid: string, expiry: number) => createHmac('sha256', secret).update(`lfs-upload\n${repoId}\n${oid}\n${expiry}`).digest();
  return {
    sign(repoId, oid) {
      const expiry = Math.floor(now() / 1000) + ttl;
      return `grant=${expiry}.${mac(repoId, oid, expiry).toString('hex')}`;
    },
    verify(repoId, oid, query) {
      const m = /^(\d{1,12})\.([0-9a-f]{64})$/.exec(query.get('grant') ?? '');
      if (!m) return false;
      const expiry = Number(m[1]);
      if (expiry < now() / 1000) return false;
      return timingSafeEqual(Buffer.from(m[2], 'hex'), mac(repoId, oid, expiry));
    },
  };
}
