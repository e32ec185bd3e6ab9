// Baseline for the look-up bench: a bare node:http endpoint doing the same Redis read with ioredis (the
// index's look-up script), given the pid. No key, purpose, pseudonymisation, consent or audit.
import http from 'node:http';
import { Redis } from 'ioredis';
import { loadConfig } from '../src/config/config.ts';
import { LOOKUP_SCRIPT } from '../src/segments/redisSegmentIndex.ts';

// The service's own configuration: the same Redis and key prefix.
const config = loadConfig();
const prefix = config.redisKeyPrefix;
const redis = new Redis(config.redisUrl!, { keyPrefix: prefix });
redis.defineCommand('lookup', { numberOfKeys: 3, lua: LOOKUP_SCRIPT });
const lookup = (redis as unknown as { lookup(a: string, b: string, c: string, d: string, e: string): Promise<string[]> }).lookup.bind(redis);

const server = http.createServer(async (req, res) => {
  const pid = new URL(req.url ?? '/', 'http://x').searchParams.get('pid') ?? '0';
  const [, ...segments] = await lookup('seg:{bench}:live', `consent:bench:${pid}`, `consent-default:bench:${pid}`, pid, `${prefix}seg:{bench}:m:`);
  const body = JSON.stringify({ segments });
  res.writeHead(200, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(body) });
  res.end(body);
});
server.listen(0, '127.0.0.1', () => {
  const addr = server.address();
  process.stdout.write(`listening ${typeof addr === 'object' && addr !== null ? addr.port : 0}\n`);
});
process.on('SIGTERM', () => server.close(() => process.exit(0)));
