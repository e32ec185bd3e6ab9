// The floor of durable single-hit ingest, in its own process: a bare node:http endpoint that parses the
// JSON body, appends it to a file in group commits (one write + one fdatasync for every hit that
// arrived meanwhile, as the spool does) and answers 204 once that is on disk. No validation, no
// pseudonymisation, no ClickHouse: what any collector that acknowledges only durable hits must pay.
import fs from 'node:fs';
import http from 'node:http';
import os from 'node:os';
import path from 'node:path';

const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'calypso-bench-durable-'));
const fd = fs.openSync(path.join(dir, 'spool'), 'a');
let pending: Buffer[] = [];
let waiters: Array<() => void> = [];
let syncing = false;

const commit = (): void => {
  if (syncing || waiters.length === 0) return;
  const done = waiters;
  fs.writeSync(fd, Buffer.concat(pending));
  pending = [];
  waiters = [];
  syncing = true;
  fs.fdatasync(fd, () => {
    syncing = false;
    for (const w of done) w();
    commit();
  });
};

const server = http.createServer((req, res) => {
  const chunks: Buffer[] = [];
  req.on('data', (c: Buffer) => chunks.push(c));
  req.on('end', () => {
    const event = JSON.parse(Buffer.concat(chunks).toString('utf8')) as unknown;
    pending.push(Buffer.from(`${JSON.stringify(event)}\n`));
    waiters.push(() => {
      res.writeHead(204);
      res.end();
    });
    commit();
  });
});
server.listen(0, '127.0.0.1', () => {
  const addr = server.address();
  process.stdout.write(`listening ${typeof addr === 'object' && addr !== null ? addr.port : 0}\n`);
});
process.on('SIGTERM', () =>
  server.close(() => {
    fs.rmSync(dir, { recursive: true, force: true });
    process.exit(0);
  }),
);
