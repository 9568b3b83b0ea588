/**
 * The contract of the server's metadata: users, tokens, repositories, members, objects, chunk
 * visibility and locks, as records. metadata.ts has the embedded SQLite implementation,
 * metadata-pg/ the PostgreSQL one (several servers sharing one database); open-metadata.ts picks
 * one from `--database`.
 *
 * Every method is asynchronous (PostgreSQL answers over the network), and each one is atomic on
 * its own: what must not interleave with another server's writes (a repository name taken twice,
 * an object recorded at two sizes, a path locked twice) is decided inside one method, in one
 * transaction. A sequence of calls is not atomic; what must be serialized across servers as a
 * whole (a ref update) runs inside {@link Metadata.withRepoLock}.
 */
import type { ServedRange } from '../store/chunk-api.js';
import type { ChunkVisibility } from './chunk-visibility.js';
import type { LfsLocks } from './lfs-locks-db.js';
import type { Registrations } from './registrations.js';
import type { User } from './user.js';

/** What a resolved token grants. */
export interface TokenGrant {
  user: User;
  write: boolean;
  tokenId: number;
}

/** A token as listed (never its value: only its hash is stored). `createdAt` is ms since the epoch. */
export interface TokenInfo {
  id: number;
  user: string;
  write: boolean;
  label?: string;
  createdAt: number;
}

/** The kinds of repository (models live at `/<owner>/<name>`, datasets at `/datasets/...`). */
export type RepoType = 'model' | 'dataset';

/** A repository known to the server. `createdAt` is milliseconds since the epoch. */
export interface RepoRecord {
  id: number;
  type: RepoType;
  owner: string;
  name: string;
  private: boolean;
  createdAt: number;
}

/** An LFS object a repository holds (its bytes live in the content store). */
export interface RepoObject {
  oid: string;
  size: number;
}

/**
 * The server's metadata store. Methods that name a thing that must exist throw NotFoundError
 * (codes `user_not_found`, `repo_not_found`, `token_not_found`); bad input throws UsageError.
 */
export interface Metadata {
  /** The user `name`, created if missing; `admin`, when given, is set on the existing user too. */
  ensureUser(name: string, opts?: { admin?: boolean }): Promise<User>;
  /** The user `name` (any case), if it exists. */
  getUser(name: string): Promise<User | undefined>;
  /** Creates a token for an existing user; the plaintext is returned here and nowhere else. */
  createToken(userName: string, opts: { write: boolean; label?: string }): Promise<{ token: string; id: number }>;
  /** What a plaintext token grants, or undefined when it is unknown or revoked. */
  resolveToken(token: string): Promise<TokenGrant | undefined>;
  /** Number of live tokens (zero in a fresh root: `hub serve` then creates the first admin token). */
  countTokens(): Promise<number>;
  /**
   * The first admin token of a fresh root: when no token exists at all, makes the user `admin` an
   * administrator and creates a write token labelled `label` for it, and returns its plaintext;
   * else undefined. Decided in the database, so of several servers starting at once on an empty
   * database exactly one creates (and prints) it.
   */
  createFirstAdminToken(label: string): Promise<string | undefined>;
  /** Revokes a token for good. */
  revokeToken(id: number): Promise<void>;
  /** The live tokens (of `userName` when given: NotFoundError when no such user), oldest first. */
  listTokens(userName?: string): Promise<TokenInfo[]>;
  /** The token `id`, if it is live. */
  getToken(id: number): Promise<TokenInfo | undefined>;
  /** Creates a repository of an existing user; ConflictError `repo_exists` when taken. */
  createRepo(repo: { type: RepoType; owner: string; name: string; private: boolean }): Promise<RepoRecord>;
  /** The repository `type` `owner/name` (any case), if it exists. */
  getRepo(type: RepoType, owner: string, name: string): Promise<RepoRecord | undefined>;
  /** Every repository, ordered by type, owner and name. */
  listRepos(): Promise<RepoRecord[]>;
  /** Makes a repository private or public. */
  setPrivate(id: number, isPrivate: boolean): Promise<void>;
  /** Deletes a repository with its members and object records. */
  deleteRepo(id: number): Promise<void>;
  /** Adds an existing user to a repository, or changes their write flag. */
  addMember(repoId: number, userName: string, write: boolean): Promise<void>;
  /** The user's membership of a repository (the owner is a write member), if any. */
  membership(repoId: number, userId: number): Promise<{ write: boolean } | undefined>;
  /** Records that a repository holds an object and may serve `ranges` of xorbs (chunk-visibility.ts); IntegrityError when it is known with another size. */
  addObject(repoId: number, oid: string, size: number, ranges?: readonly ServedRange[]): Promise<void>;
  /** Which xorb bytes repositories serve and which chunks users may name (chunk-visibility.ts). */
  readonly visibility: ChunkVisibility;
  /** The Git LFS file locks of each repository (lfs-locks-db.ts). */
  readonly locks: LfsLocks;
  /** Registrations in flight, which the pre-receive hook waits for (registrations.ts). */
  readonly registrations: Registrations;
  /** Whether a repository holds an object. */
  hasObject(repoId: number, oid: string): Promise<boolean>;
  /** The size of an object a repository holds, if it holds it. */
  objectSize(repoId: number, oid: string): Promise<number | undefined>;
  /** The sizes of those of `oids` a repository holds (one look-up for a whole LFS batch). */
  objectSizes(repoId: number, oids: readonly string[]): Promise<Map<string, number>>;
  /** The objects a repository holds, ordered by oid. */
  listObjects(repoId: number): Promise<RepoObject[]>;
  /**
   * Runs `fn` while holding the repository's update lock, released when `fn` settles: at most one
   * holder per repository at a time, across every server sharing the metadata (PostgreSQL: an
   * advisory lock; SQLite: one server process, an in-process mutex). Ref updates (git pushes, HF
   * commits) run inside it. Not re-entrant: `fn` must not take the same repository's lock again.
   */
  withRepoLock<T>(repoId: number, fn: () => Promise<T>): Promise<T>;
  /** Releases the store. */
  close(): Promise<void>;
}
