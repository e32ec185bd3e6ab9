// The durable parts of one request (its events, the consent rows, the consent log rows) go to separate
// spools, one per table. Policy 1.3 and 6.1: a request is kept whole or not at all, so an answer of
// "retry" must mean nothing of it was kept. This appends the parts so that they share one outcome.
import { setTimeout as sleep } from 'node:timers/promises';
import { SpoolFullError, type Spool } from '../pipeline/spool.ts';

export interface SpoolPart {
  readonly spool: Spool;
  readonly payload: Buffer;
  readonly tags?: Iterable<string>;
}

/** Every part was made durable, or (only after an I/O error that outlasted the retries) some were. */
export type AppendOutcome = { readonly kept: 'all' } | { readonly kept: 'some'; readonly failed: readonly SpoolPart[]; readonly error: unknown };

const KEPT_ALL: AppendOutcome = Object.freeze({ kept: 'all' });

/** Waits before each retry of a part that failed while others were kept: 4 tries over about 1.5 s. */
export const RETRY_DELAYS_MS: readonly number[] = [100, 400, 1_000];

export const allFit = (parts: readonly SpoolPart[]): boolean => parts.every((p) => p.spool.fits(p.payload.length));

/**
 * Appends every part, or throws and none was kept. The budgets are checked and the appends started in
 * one turn of the event loop (nothing else can append in between), so a full spool refuses the whole
 * request. An append can still fail after that check (ENOSPC, EIO): when every part failed the error is
 * thrown; when some were already durable they cannot be taken back, so the failed ones are tried again
 * and, should they keep failing, the outcome says so (the caller answers as for a kept request and
 * reports it: it is never answered as an error while something of it is kept).
 */
export async function appendTogether(parts: readonly SpoolPart[]): Promise<AppendOutcome> {
  if (!allFit(parts)) throw new SpoolFullError('the spool is over its disk budget');
  // One part (a hit whose consent changed nothing) shares its outcome with no other: append it as it is.
  if (parts.length === 1) {
    await parts[0]!.spool.append(parts[0]!.payload, parts[0]!.tags);
    return KEPT_ALL;
  }
  const settled = await Promise.allSettled(parts.map((p) => p.spool.append(p.payload, p.tags)));
  let failed = parts.filter((_, i) => settled[i]!.status === 'rejected');
  if (failed.length === 0) return KEPT_ALL;
  let error = (settled.find((s) => s.status === 'rejected') as PromiseRejectedResult).reason;
  if (failed.length === parts.length) throw error;
  for (const delay of RETRY_DELAYS_MS) {
    await sleep(delay);
    const again = await Promise.allSettled(failed.map((p) => p.spool.append(p.payload, p.tags)));
    const still = failed.filter((_, i) => again[i]!.status === 'rejected');
    if (still.length === 0) return KEPT_ALL;
    error = (again.find((s) => s.status === 'rejected') as PromiseRejectedResult).reason;
    failed = still;
  }
  return { kept: 'some', failed, error };
}
