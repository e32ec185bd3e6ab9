// The write coalescer against a real redis-server: one turn's commands go out in one corked write, each
// resolves with its own reply, and the socket is uncorked for the next turn.
import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createWriteCoalescer } from '../../src/cache/writeCoalescer.ts';
import { redisUrlOrSkip } from '../support/redis.ts';

const redis = redisUrlOrSkip();

describe.skipIf(redis.url === undefined)(`write coalescer ${redis.reason}`, () => {
  let client: Redis;
  beforeAll(async () => {
    client = new Redis(redis.url!);
    await client.ping();
  });
  afterAll(() => client?.disconnect());

  const corked = () => (client as unknown as { stream: { writableCorked: number } }).stream.writableCorked;

  it('holds one turn of commands in one write; each gets its own reply; the next turn is held anew', async () => {
    const coalesced = createWriteCoalescer(client);
    for (let turn = 0; turn < 2; turn++) {
      const replies = Array.from({ length: 20 }, (_, i) => coalesced(() => client.echo(`t${turn}-${i}`)));
      expect(corked()).toBe(1); // nothing written yet: the turn's commands wait in the socket's buffer
      expect(await Promise.all(replies)).toEqual(Array.from({ length: 20 }, (_, i) => `t${turn}-${i}`));
      expect(corked()).toBe(0);
    }
  });

  it('an error reply fails only its own command', async () => {
    const coalesced = createWriteCoalescer(client);
    const [ok, bad] = await Promise.allSettled([coalesced(() => client.echo('fine')), coalesced(() => client.call('NO-SUCH-COMMAND'))]);
    expect(ok).toEqual({ status: 'fulfilled', value: 'fine' });
    expect(bad.status).toBe('rejected');
  });
});
