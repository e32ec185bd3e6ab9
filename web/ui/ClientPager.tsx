// Paging of rows the page already holds: a slice per page and Previous / Next with "page x of y".
import { useEffect, useState } from 'preact/hooks';

export interface Paged<T> {
  rows: T[];
  page: number;
  pageCount: number;
  setPage: (page: number) => void;
}

export function usePaged<T>(items: readonly T[], pageSize: number): Paged<T> {
  const [page, setPage] = useState(0);
  const pageCount = Math.max(1, Math.ceil(items.length / pageSize));
  // New rows (another look-up) start at the first page.
  useEffect(() => setPage(0), [items]);
  const p = Math.min(page, pageCount - 1);
  return { rows: items.slice(p * pageSize, (p + 1) * pageSize), page: p, pageCount, setPage };
}

export interface PagerLabels {
  /** The nav's accessible name, e.g. "Events pages". */
  name: string;
  prev: string;
  next: string;
  /** "Page 2 of 5", already formatted. */
  status: string;
}

export function ClientPager<T>({ paged, labels }: { paged: Paged<T>; labels: PagerLabels }) {
  if (paged.pageCount <= 1) return null;
  return (
    // A div with the role, not <nav>: the shell styles every nav inside it as its menu.
    <div class="client-pager" role="navigation" aria-label={labels.name}>
      <button type="button" disabled={paged.page === 0} onClick={() => paged.setPage(paged.page - 1)}>{labels.prev}</button>
      <span aria-live="polite">{labels.status}</span>
      <button type="button" disabled={paged.page >= paged.pageCount - 1} onClick={() => paged.setPage(paged.page + 1)}>{labels.next}</button>
    </div>
  );
}
