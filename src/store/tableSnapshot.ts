// An in-memory copy of a small ClickHouse table (sites, API keys), read on the hot paths without a
// query. A change made on another instance (a revoked key) is seen within `refreshMs`: past half of
// it the copy is re-read in the background while it serves; past all of it the copy is not served
// until re-read (an instance idle for an hour does not answer its first request from an hour-old copy).
// A miss re-reads at most once a second (a row made elsewhere moments ago). One read at a time.

export interface TableSnapshotOptions {
  /** The oldest copy served while ClickHouse answers. */
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
  private failedAt = Number.NEGATIVE_INFINITY;
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
      .then(
        (v) => {
          this.value = v;
          this.loadedAt = Date.now();
          return v;
        },
        (err: unknown) => {
          this.failedAt = Date.now();
          throw err;
        },
      )
      .finally(() => {
        this.loading = undefined;
      });
    return this.loading;
  }

  /**
   * The copy for a listing: re-read now, so a row made on another instance moments ago is listed; or,
   * when it is never re-read on a timer (refreshMs infinite: every row is made in this process, and the
   * copy is whole), the copy as it is.
   */
  listing(): Promise<T> {
    return this.refreshMs === Number.POSITIVE_INFINITY ? this.fresh() : this.reload();
  }

  /**
   * The copy, re-read first when it is older than refreshMs; a re-read that fails keeps the copy.
   * NOTE: while ClickHouse is down (a re-read failed within refreshMs) the last copy of sites and keys
   * keeps serving without waiting, so the collector spools and cached statistics are answered.
   */
  async fresh(): Promise<T> {
    return (
      this.peek() ??
      this.reload().catch((err: unknown) => {
        if (this.loadedAt === 0) throw err;
        return this.value;
      })
    );
  }

  /** As fresh(), without a promise: undefined while the copy must be (re-)read before use. */
  peek(): T | undefined {
    if (this.loadedAt === 0) return undefined;
    const now = Date.now();
    const age = now - this.loadedAt;
    // Under steady use the background re-read lands before the copy is too old, so nobody waits. After a
    // failed re-read the next waits missReloadMs: a ClickHouse that is down is not asked once per request.
    if (age > this.refreshMs / 2 && now - this.failedAt > this.missReloadMs) this.reload().catch(() => {});
    if (age > this.refreshMs && now - this.failedAt > this.refreshMs) return undefined;
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
