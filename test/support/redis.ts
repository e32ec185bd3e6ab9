// The Redis of this run. Without one, Redis tests skip with the reason, except under CI=true where they fail.
import { inject } from 'vitest';

export function redisUrlOrSkip(): { url: string | undefined; reason: string } {
  const r = inject('redis');
  if ('url' in r) return { url: r.url, reason: '' };
  if (process.env.CI === 'true') throw new Error(`CI=true needs a Redis: ${r.missing}`);
  return { url: undefined, reason: r.missing };
}
