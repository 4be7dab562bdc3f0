// The dashboard's files (dist/ui, written by `npm run build`), read once at start into memory
// with their precompressed .br/.gz siblings, and served at /ui/: the SPA's index.html for
// /ui/ and every client-side route, hashed assets cached for a year, strict security headers
// on every answer (no inline script: CSP default-src 'self'). A missing build is a 503 that
// says how to make one, not a crash.
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { extname, join, relative, sep } from 'node:path';
import { negotiateEncoding } from '../http/encoding.js';

export const SECURITY_HEADERS: Readonly<Record<string, string>> = {
  'Content-Security-Policy': "default-src 'self'; img-src 'self' data:; style-src 'self'; frame-ancestors 'none'; base-uri 'none'; form-action 'self'",
  'X-Content-Type-Options': 'nosniff',
  'Referrer-Policy': 'no-referrer',
};

const IMMUTABLE = 'public, max-age=31536000, immutable';
const NO_CACHE = 'no-cache';

const CONTENT_TYPES: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.mjs': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.json': 'application/json',
  '.map': 'application/json',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.ico': 'image/x-icon',
  '.woff2': 'font/woff2',
  '.txt': 'text/plain; charset=utf-8',
  '.webmanifest': 'application/manifest+json',
};

export interface UiFile {
  readonly type: string;
  readonly cacheControl: string;
  /** By Content-Encoding: 'identity' always, 'br' and 'gzip' when the build wrote them. */
  readonly bodies: ReadonlyMap<string, Buffer>;
  /** The encodings offered, best first ('identity' last). */
  readonly offered: readonly string[];
}

export interface UiAnswer {
  status: number;
  headers: Record<string, string>;
  body: Buffer | string;
}

function filesUnder(dir: string): string[] {
  const out: string[] = [];
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) out.push(...filesUnder(path));
    else if (entry.isFile()) out.push(path);
  }
  return out;
}

export class StaticUi {
  /** By path under /ui/ ('index.html', 'assets/app-ab12cd.js'). */
  private readonly files = new Map<string, UiFile>();
  readonly loaded: boolean;

  constructor(readonly dir: string) {
    this.loaded = existsSync(join(dir, 'index.html')) && statSync(join(dir, 'index.html')).isFile();
    if (!this.loaded) return;
    for (const path of filesUnder(dir)) {
      if (path.endsWith('.gz') || path.endsWith('.br')) continue;
      const name = relative(dir, path).split(sep).join('/');
      const bodies = new Map<string, Buffer>();
      const offered: string[] = [];
      for (const [encoding, suffix] of [['br', '.br'], ['gzip', '.gz']] as const) {
        if (existsSync(path + suffix)) {
          bodies.set(encoding, readFileSync(path + suffix));
          offered.push(encoding);
        }
      }
      bodies.set('identity', readFileSync(path));
      offered.push('identity');
      this.files.set(name, {
        type: CONTENT_TYPES[extname(path).toLowerCase()] ?? 'application/octet-stream',
        cacheControl: name.startsWith('assets/') ? IMMUTABLE : NO_CACHE,
        bodies, offered,
      });
    }
  }

  get size(): number {
    return this.files.size;
  }

  /** The answer to GET (or HEAD) of `path` (the URL path, /ui/…). */
  answer(path: string, acceptEncoding: string): UiAnswer {
    if (!this.loaded) {
      return {
        status: 503, headers: { ...SECURITY_HEADERS, 'Content-Type': 'text/plain; charset=utf-8', 'Cache-Control': NO_CACHE },
        body: `the dashboard is not built: ${join(this.dir, 'index.html')} is missing. Run \`npm run build\` (it writes dist/ui/), then restart the daemon.\n`,
      };
    }
    const name = path === '/ui' || path === '/ui/' ? 'index.html' : path.slice('/ui/'.length);
    let file = this.files.get(name);
    if (file === undefined) {
      // A missing hashed asset is a 404 (a stale page asking for an old build's file), not the page.
      if (name.startsWith('assets/')) {
        return { status: 404, headers: { ...SECURITY_HEADERS, 'Content-Type': 'text/plain; charset=utf-8' }, body: `no such dashboard asset: ${path}\n` };
      }
      file = this.files.get('index.html')!; // a client-side route: the app routes it
    }
    const encoding = file.offered.length === 1 ? 'identity' : negotiateEncoding(acceptEncoding, file.offered);
    const headers: Record<string, string> = { ...SECURITY_HEADERS, 'Content-Type': file.type, 'Cache-Control': file.cacheControl };
    if (file.offered.length > 1) headers.Vary = 'Accept-Encoding';
    if (encoding !== 'identity') headers['Content-Encoding'] = encoding;
    return { status: 200, headers, body: file.bodies.get(encoding)! };
  }
}
