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

  /** The copy, re-read first when it is older than refreshMs. */
  async fresh(): Promise<T> {
    return Date.now() - this.loadedAt > this.refreshMs ? this.reload() : this.value;
  }

  /** After a miss in the fresh copy: re-read, unless that was done under a second ago. */
  async afterMiss(): Promise<T> {
    return Date.now() - this.loadedAt > this.missReloadMs ? this.reload() : this.value;
  }
}
