import { pino, type Logger } from 'pino';
import type { Config } from '../config/config.ts';

export type { Logger };

/** Structured JSON logs on stdout. NOTE: callers never log raw cookie ids, IPs, user agents or secrets. */
export function createLogger(config: Pick<Config, 'logLevel'>): Logger {
  return pino({
    level: config.logLevel,
    base: { service: 'calypso' },
    timestamp: pino.stdTimeFunctions.isoTime,
    redact: { paths: ['req.headers.authorization', 'req.headers.cookie', '*.secret', '*.adminKey'], censor: '[redacted]' },
  });
}
