// An open-loop load at a steady rate, for latency: request i is due at start + i / rate, and its
// latency runs from when the generator's timer found it due, not from when it was sent, so a slow server
// is not hidden by the generator waiting on it for a free socket (coordinated omission). autocannon's
// rate limit fires each second's quota in one burst, which measures the burst's queue instead.
// NOTE: how late the generator's own timer fired (its process starved of the core, its GC) is not the
// server's latency and is not counted in it; it is returned (`timerLateP99`) beside the figures, and a
// large one says the machine was too busy to pace. The client is kept cheap for the same reason:
// keep-alive sockets written with each request's bytes and read by counting the response's length, not
// node:http's agent, parser and objects per request.
import net from 'node:net';

export interface PacedRequest {
  path: string;
  method?: 'GET' | 'POST';
  body?: string;
  headers?: Record<string, string>;
}

export interface PacedResult {
  sent: number;
  failed: number;
  p50: number;
  p99: number;
  max: number;
  /** p99 of how long after its due time the generator's timer found each request due (not counted above). */
  timerLateP99: number;
}

/** One request's bytes, HTTP/1.1 keep-alive. */
function encode(host: string, r: PacedRequest): Buffer {
  const body = r.body === undefined ? undefined : Buffer.from(r.body);
  let head = `${r.method ?? 'GET'} ${r.path} HTTP/1.1\r\nhost: ${host}\r\nconnection: keep-alive\r\n`;
  for (const [k, v] of Object.entries(r.headers ?? {})) head += `${k}: ${v}\r\n`;
  if (body !== undefined) head += `content-length: ${body.length}\r\n`;
  head += '\r\n';
  return body === undefined ? Buffer.from(head) : Buffer.concat([Buffer.from(head), body]);
}

const HEAD_END = Buffer.from('\r\n\r\n');
const LAST_CHUNK = Buffer.from('0\r\n\r\n');

/**
 * Where the first complete response in `buf` ends and its status, or undefined while incomplete. Knows
 * what the benches' servers send: a Content-Length, or a chunked body ended by its last chunk.
 */
function responseEnd(buf: Buffer): { end: number; status: number } | undefined {
  const h = buf.indexOf(HEAD_END);
  if (h < 0) return undefined;
  const head = buf.toString('latin1', 0, h).toLowerCase();
  const status = Number(head.slice(9, 12));
  const len = /\r\ncontent-length:\s*(\d+)/.exec(head);
  if (len !== null) {
    const end = h + 4 + Number(len[1]);
    return buf.length >= end ? { end, status } : undefined;
  }
  if (head.includes('transfer-encoding: chunked')) {
    const last = buf.indexOf(LAST_CHUNK, h + 4);
    return last < 0 ? undefined : { end: last + LAST_CHUNK.length, status };
  }
  // 204 and 304 carry no body.
  return { end: h + 4, status };
}

interface Conn {
  socket: net.Socket;
  buf: Buffer;
  /** The request in flight on it, or -1. */
  at: number;
}

/** Requests due in the first `warmupSeconds` open the sockets and warm both sides; they are not counted. */
export async function pacedLoad(base: string, make: (i: number) => PacedRequest, rate: number, seconds: number, warmupSeconds = 1, maxSockets = 64): Promise<PacedResult> {
  const url = new URL(base);
  const port = Number(url.port);
  const warm = Math.round(rate * warmupSeconds);
  const total = warm + Math.round(rate * seconds);
  const latencies = new Float64Array(total);
  const found = new Float64Array(total);
  // Each distinct request's bytes once (the benches cycle through a sample).
  const bytes = new Map<string, Buffer>();
  const bytesOf = (r: PacedRequest) => {
    const k = `${r.method ?? 'GET'} ${r.path} ${JSON.stringify(r.headers ?? {})} ${r.body ?? ''}`;
    let b = bytes.get(k);
    if (b === undefined) bytes.set(k, (b = encode(url.host, r)));
    return b;
  };
  let done = 0;
  let failed = 0;
  const start = performance.now();
  const due = (i: number) => start + (i * 1000) / rate;
  const all = new Set<Conn>();
  await new Promise<void>((resolve) => {
    const idle: Conn[] = [];
    const waiting: number[] = [];
    let open = 0;
    let next = 0;
    const finish = (i: number, ok: boolean) => {
      latencies[i] = performance.now() - found[i]!;
      if (!ok) failed++;
      if (++done === total) resolve();
    };
    const send = (c: Conn, i: number) => {
      c.at = i;
      c.socket.write(bytesOf(make(i)));
    };
    const release = (c: Conn) => {
      const i = waiting.shift();
      if (i === undefined) idle.push(c);
      else send(c, i);
    };
    const connect = () => {
      open++;
      const c: Conn = { socket: net.connect({ host: url.hostname, port, noDelay: true }), buf: Buffer.alloc(0), at: -1 };
      all.add(c);
      c.socket.on('connect', () => release(c));
      c.socket.on('data', (d: Buffer) => {
        c.buf = c.buf.length === 0 ? d : Buffer.concat([c.buf, d]);
        const r = responseEnd(c.buf);
        if (r === undefined || c.at < 0) return;
        c.buf = c.buf.subarray(r.end);
        const i = c.at;
        c.at = -1;
        finish(i, r.status >= 200 && r.status < 300);
        release(c);
      });
      // Closed by the server (its keep-alive timeout on a socket left idle) or failed.
      const lost = () => {
        open--;
        all.delete(c);
        const k = idle.indexOf(c);
        if (k >= 0) idle.splice(k, 1);
        const i = c.at;
        c.at = -1;
        if (i >= 0) finish(i, false);
      };
      c.socket.on('error', () => {});
      c.socket.on('close', lost);
    };
    const tick = () => {
      const now = performance.now();
      const dueNow = Math.min(total, Math.floor(((now - start) * rate) / 1000) + 1);
      for (; next < dueNow; next++) {
        found[next] = now;
        const c = idle.pop();
        if (c !== undefined) send(c, next);
        else {
          waiting.push(next);
          if (open < maxSockets) connect();
        }
      }
      if (next < total) setTimeout(tick, 1);
    };
    tick();
  });
  for (const c of all) c.socket.destroy();
  const timerLate = found.map((t, i) => t - due(i));
  const q = (xs: Float64Array, at: number) => {
    const sorted = [...xs.subarray(warm)].sort((a, b) => a - b);
    return Math.round(sorted[Math.min(sorted.length - 1, Math.floor(at * sorted.length))]! * 10) / 10;
  };
  return { sent: total - warm, failed, p50: q(latencies, 0.5), p99: q(latencies, 0.99), max: q(latencies, 1), timerLateP99: q(timerLate, 0.99) };
}
