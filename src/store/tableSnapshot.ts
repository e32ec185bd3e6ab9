// An in-memory copy of a small ClickHouse table (sites, API keys), read on the hot paths without a
// query: re-read when older than `refreshMs` (changes made on other instances), or on a miss at most
// once a second (a row made elsewhere moments ago). One read at a time, shared by every caller.

export interface TableSnapshotOptions {
  /** Age after which the copy is re-read before use. */
  refreshMs: number;
  /** Shortest time between re-reads caused by a miss. Default 1 000 ms. */
  missReloadMs?: number;
}

export class TableSnapshot<T> {
  /** The current copy; callers may add to it after writing the same row to the table. */
  value: T;
  private readonly read: () => Promise<T>;
  private readonly refreshMs: number;
  private readonly missReloadMs: number;
  private loadedAt = 0;
  private loading: Promise<T> | undefined;

  constructor(read: () => Promise<T>, initial: T, options: TableSnapshotOptions) {
    this.read = read;
    this.value = initial;
    this.refreshMs = options.refreshMs;
    this.missReloadMs = options.missReloadMs ?? 1_000;
  }

  /** Re-reads now (or joins the read in progress). */
  reload(): Promise<T> {
    this.loading ??= this.read()
      .then((v) => {
        this.value = v;
        this.loadedAt = Date.now();
        return v;
      })
      .finally(() => {
        this.loading = undefined;
      });
    return this.loading;
  }

  /**
   * The copy; when it is older than refreshMs it is re-read in the background and the copy in hand
   * serves meanwhile. Only the very first read is waited for.
   * NOTE: so a hit or a cached answer never waits on ClickHouse, and while it is down the last copy of
   * sites and keys keeps serving (the collector spools, cached statistics are answered).
   */
  async fresh(): Promise<T> {
    return this.peek() ?? this.reload();
  }

  /** As fresh(), without a promise: undefined only while the very first read has not finished. */
  peek(): T | undefined {
    if (this.loadedAt === 0) return undefined;
    if (Date.now() - this.loadedAt > this.refreshMs) this.reload().catch(() => {});
    return this.value;
  }

  /** After a miss in the fresh copy: re-read, unless that was done under a second ago; a failed re-read keeps the copy. */
  async afterMiss(): Promise<T> {
    if (Date.now() - this.loadedAt <= this.missReloadMs) return this.value;
    return this.reload().catch((err: unknown) => {
      if (this.loadedAt === 0) throw err;
      return this.value;
    });
  }
}
