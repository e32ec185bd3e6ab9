// The built dashboard (web/dist): its one page, index.html, at / and at every screen's path (it names only
// the boot script, scripts/buildDashboard.ts), not cached (it names the current hashed assets);
// /assets/<hashed name> cached for a year.
// Files are read once and served from memory, compressed as the build wrote them (<name>.br, <name>.gz
// beside the file), else compressed once on first use (brotli and gzip, off the event loop's thread).
import fs from 'node:fs';
import path from 'node:path';
import { promisify } from 'node:util';
import { brotliCompress, constants, gzip } from 'node:zlib';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { echo } from '../errors/apiError.ts';
import type { Handler } from '../http/httpServer.ts';
import { SECURITY_HEADERS } from './securityHeaders.ts';

/** The dashboard's screens (web/screens/registry.ts): each path, and any path under it, answers index.html. */
export const SCREEN_PATHS = ['/overview', '/segments', '/subjects', '/legalhold', '/admin', '/explorer', '/privacy'] as const;

const TYPES: Readonly<Record<string, string>> = {
  '.js': 'text/javascript; charset=utf-8',
  '.mjs': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.json': 'application/json; charset=utf-8',
  '.map': 'application/json; charset=utf-8',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.jpg': 'image/jpeg',
  '.ico': 'image/x-icon',
  '.woff2': 'font/woff2',
  '.woff': 'font/woff',
  '.txt': 'text/plain; charset=utf-8',
};
const COMPRESSIBLE = new Set(['.js', '.mjs', '.css', '.json', '.map', '.svg', '.txt', '.html']);
const NOT_BUILT = 'the dashboard is not built: run npm run build:dashboard\n';

interface File {
  readonly type: string;
  readonly raw: Buffer;
  readonly br: Buffer | undefined;
  readonly gzip: Buffer | undefined;
}

export interface DashboardFiles {
  /** GET / and the screens' paths. */
  readonly index: Handler;
  /** GET /assets/<name>. */
  readonly asset: Handler;
  /** GET /favicon.ico, which browsers ask for by themselves: 204, so no 404 lands in the console. */
  readonly favicon: Handler;
}

const brotliAsync = promisify(brotliCompress);
const gzipAsync = promisify(gzip);

/** The build's compressed copy of `file`, if it wrote one. */
const built = (file: string): Promise<Buffer | undefined> => fs.promises.readFile(file).catch(() => undefined);

async function load(file: string, ext: string): Promise<File> {
  const raw = await fs.promises.readFile(file);
  // Small files gain nothing from compression; the rest is compressed once, at good but quick settings.
  const squeeze = COMPRESSIBLE.has(ext) && raw.length > 512;
  let [br, gz] = squeeze ? await Promise.all([built(`${file}.br`), built(`${file}.gz`)]) : [undefined, undefined];
  if (squeeze && (br === undefined || gz === undefined)) {
    [br, gz] = await Promise.all([brotliAsync(raw, { params: { [constants.BROTLI_PARAM_QUALITY]: 9, [constants.BROTLI_PARAM_SIZE_HINT]: raw.length } }), gzipAsync(raw, { level: 9 })]);
  }
  return { type: TYPES[ext] ?? (ext === '.html' ? 'text/html; charset=utf-8' : 'application/octet-stream'), raw, br, gzip: gz };
}

/** The build's compressed copies are served in place of their file, not as assets of their own. */
const isCopy = (name: string) => name.endsWith('.br') || name.endsWith('.gz');

function send(req: IncomingMessage, res: ServerResponse, file: File, cacheControl: string): void {
  const accept = req.headers['accept-encoding'] ?? '';
  const [body, encoding] =
    file.br !== undefined && accept.includes('br') ? [file.br, 'br'] : file.gzip !== undefined && accept.includes('gzip') ? [file.gzip, 'gzip'] : [file.raw, undefined];
  const headers: Record<string, string> = { ...SECURITY_HEADERS, 'content-type': file.type, 'content-length': String(body.length), 'cache-control': cacheControl };
  if (file.br !== undefined) headers.vary = 'Accept-Encoding';
  if (encoding !== undefined) headers['content-encoding'] = encoding;
  res.writeHead(200, headers);
  res.end(req.method === 'HEAD' ? undefined : body);
}

/**
 * `onIndex`: told of each index.html served (overviewPrefetch.ts).
 * NOTE: no path from a request reaches the file system: an asset's name must be one of the names listed
 * in web/dist/assets (re-listed when a name is missing, at most once a second, so a rebuild is picked up),
 * so `..`, encoded or not, and any other path are 404.
 */
export function createDashboardFiles(distDir: string, onIndex?: (req: IncomingMessage) => void): DashboardFiles {
  const assetsDir = path.join(distDir, 'assets');
  let index: Promise<File | undefined> | undefined;
  let names = new Set<string>();
  let listedAt = Number.NEGATIVE_INFINITY;
  const files = new Map<string, Promise<File | undefined>>();

  const relist = () => {
    if (Date.now() - listedAt < 1_000) return;
    listedAt = Date.now();
    let next: Set<string>;
    try {
      next = new Set(fs.readdirSync(assetsDir, { withFileTypes: true }).filter((d) => d.isFile() && !isCopy(d.name)).map((d) => d.name));
    } catch {
      next = new Set();
    }
    // NOTE: the files in memory are dropped only when the build changed: a client asking for missing
    // names (a scanner, anyone, no key needed) would otherwise make every file be read and compressed again.
    if (next.size === names.size && [...next].every((n) => names.has(n))) return;
    names = next;
    files.clear();
    index = undefined;
  };
  /** index.html; while it is missing (not built) every request looks again, so a build is picked up. */
  const indexFile = (): Promise<File | undefined> =>
    (index ??= load(path.join(distDir, 'index.html'), '.html').catch(() => {
      index = undefined;
      return undefined;
    }));
  relist();

  return {
    async index(req, res) {
      const file = await indexFile();
      if (file === undefined) {
        res.writeHead(503, { ...SECURITY_HEADERS, 'content-type': 'text/plain; charset=utf-8', 'cache-control': 'no-store', 'content-length': String(Buffer.byteLength(NOT_BUILT)) });
        res.end(NOT_BUILT);
        return;
      }
      send(req, res, file, 'no-cache');
      // After the page is answered: whatever it starts (the overview's prefetch) runs while the page loads.
      onIndex?.(req);
    },
    async asset(req, res) {
      const q = req.url!.indexOf('?');
      const name = (q === -1 ? req.url! : req.url!.slice(0, q)).slice('/assets/'.length);
      if (!names.has(name)) relist();
      let loading = files.get(name);
      if (loading === undefined && names.has(name)) {
        loading = load(path.join(assetsDir, name), path.extname(name)).catch(() => {
          files.delete(name);
          return undefined;
        });
        files.set(name, loading);
      }
      const file = await loading;
      if (file === undefined) {
        const text = `no asset ${echo(name)}\n`;
        res.writeHead(404, { ...SECURITY_HEADERS, 'content-type': 'text/plain; charset=utf-8', 'cache-control': 'no-store', 'content-length': String(Buffer.byteLength(text)) });
        res.end(text);
        return;
      }
      send(req, res, file, 'public, max-age=31536000, immutable');
    },
    favicon(_req, res) {
      res.writeHead(204, { ...SECURITY_HEADERS, 'cache-control': 'public, max-age=86400' });
      res.end();
    },
  };
}
