// Structured JSON logs on stdout through a bounded asynchronous buffer.
//
// pino's default destination writes synchronously to fd 1 and, when the pipe is full, waits in
// Atomics.wait until it is not: with a stdout pipe that nobody reads (a supervisor that died or
// stalled) the event loop stopped for good, /collect stopped answering and SIGTERM was never handled.
// Here every line goes to process.stdout, which on a pipe is asynchronous (libuv writes it when the
// pipe has room, never blocking the loop); what waits is bounded, and a line that would go past the
// bound is dropped and counted (calypso_log_lines_dropped_total) instead.
import { pino, type Logger } from 'pino';
import type { Config } from '../config/config.ts';

export type { Logger };

interface StdoutSink {
  write(line: string): void;
  maxBytes: number;
  dropped: number;
  /** No more writes: stdout failed (EPIPE: the reader is gone). */
  broken: boolean;
}

// One per process: there is one stdout, however many loggers (tests run several services in one process).
let sink: StdoutSink | undefined;

function stdoutSink(maxBytes: number): StdoutSink {
  if (sink !== undefined) {
    sink.maxBytes = maxBytes;
    return sink;
  }
  const out = process.stdout;
  const s: StdoutSink = {
    maxBytes,
    dropped: 0,
    broken: false,
    write(line) {
      // writableLength: bytes handed to the stream that the pipe has not taken yet (0 on a file or a TTY,
      // which Node writes synchronously).
      if (s.broken || out.writableLength + line.length > s.maxBytes) {
        s.dropped++;
        return;
      }
      out.write(line);
    },
  };
  // Without a listener an EPIPE (the reading end closed) would be an uncaught exception: stop writing instead.
  out.on('error', () => {
    s.broken = true;
  });
  return (sink = s);
}

/** Log lines dropped so far in this process because stdout was not being read fast enough. */
export function droppedLogLines(): number {
  return sink?.dropped ?? 0;
}

/**
 * Resolves once what is buffered for stdout has been written, or after `timeoutMs`, whichever is first
 * (a stalled reader must not keep a stopping process alive). True when everything was written.
 */
export async function flushStdout(timeoutMs: number): Promise<boolean> {
  const out = process.stdout;
  const deadline = Date.now() + timeoutMs;
  // Polled: 'drain' comes only after a write that went past the stream's high-water mark.
  while (out.writableLength > 0 && sink?.broken !== true && Date.now() < deadline) await new Promise((r) => setTimeout(r, 10));
  return out.writableLength === 0;
}

/** Structured JSON logs on stdout. NOTE: callers never log raw cookie ids, IPs, user agents or secrets. */
export function createLogger(config: Pick<Config, 'logLevel'> & Partial<Pick<Config, 'logBufferBytes'>>): Logger {
  return pino(
    {
      level: config.logLevel,
      // The pid lets a supervisor (or a test) find the process that `npm start` runs.
      base: { service: 'calypso', pid: process.pid },
      timestamp: pino.stdTimeFunctions.isoTime,
      redact: { paths: ['req.headers.authorization', 'req.headers.cookie', '*.secret', '*.adminKey'], censor: '[redacted]' },
    },
    config.logLevel === 'silent' ? { write: () => undefined } : stdoutSink(config.logBufferBytes ?? 1024 * 1024),
  );
}
