// Start-up of `sonde ping`: the ping path loads neither the store (better-sqlite3), nor the
// HTTP server (uWebSockets.js, published as `uwebsockets`), nor the metrics (prom-client);
// a few targets on the command line are probed on the main thread (no worker, no Piscina).
// Checked on the module graph, not on a clock: a preload in the child (main thread and, as
// workers inherit execArgv, every worker thread) appends each CommonJS module it compiles
// (all the packages checked are CommonJS) to a file per thread, as it is loaded.
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { canRaw4, NO_RAW } from '../engine/helpers.js';

const CLI = fileURLToPath(new URL('../../dist/cli/index.js', import.meta.url));
const built = existsSync(CLI);
const HEAVY = /node_modules\/(better-sqlite3|uwebsockets|uWebSockets[^/]*|prom-client)\//i;

describe.skipIf(!built || !canRaw4)(`sonde ping loads only what it uses (${built ? NO_RAW : 'needs the build (npm run build)'})`, () => {
  let dir: string;
  let preload: string;
  beforeAll(() => {
    dir = mkdtempSync(join(tmpdir(), 'sonde-startup-'));
    preload = join(dir, 'record-modules.cjs');
    writeFileSync(preload, [
      "const { appendFileSync } = require('node:fs');",
      "const { join } = require('node:path');",
      "const Module = require('node:module');",
      "const { threadId } = require('node:worker_threads');",
      "const file = join(process.env.SONDE_MODULES_DIR, `thread-${process.pid}-${threadId}.txt`);",
      "appendFileSync(file, '');",
      "const compile = Module.prototype._compile;",
      "Module.prototype._compile = function (content, filename) { appendFileSync(file, filename + '\\n'); return compile.call(this, content, filename); };",
    ].join('\n'));
  });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  /** Runs the CLI with the recorder; returns every module path any of its threads loaded. */
  function loadedBy(args: string[]): { status: number | null; stderr: string; modules: string[]; threads: number } {
    const out = mkdtempSync(join(dir, 'run-'));
    const r = spawnSync(process.execPath, ['--require', preload, CLI, ...args], {
      encoding: 'utf8', timeout: 30_000, env: { ...process.env, SONDE_MODULES_DIR: out },
    });
    const files = readdirSync(out);
    const modules = files.flatMap((f) => readFileSync(join(out, f), 'utf8').split('\n'));
    return { status: r.status, stderr: r.stderr, modules, threads: files.length };
  }

  it('the recorder sees the heavy modules where they are used (targets list opens SQLite)', () => {
    const r = loadedBy(['targets', 'list', '--data', join(dir, 'data')]);
    expect(r.status, r.stderr).toBe(0);
    expect(r.modules.some((m) => /node_modules\/better-sqlite3\//.test(m))).toBe(true);
  });

  it('`sonde ping -c 1 127.0.0.1` probes on the main thread: no worker, no Piscina, no SQLite, HTTP server or prom-client', () => {
    const r = loadedBy(['ping', '-c', '1', '127.0.0.1']);
    expect(r.status, r.stderr).toBe(0);
    expect(r.threads).toBe(1);
    expect(r.modules.some((m) => /node_modules\/hdr-histogram-js\//.test(m))).toBe(true);
    expect(r.modules.filter((m) => /node_modules\/piscina\//.test(m) || HEAVY.test(m))).toEqual([]);
  });

  it('`sonde ping -f FILE` (the worker pool) loads no SQLite, HTTP server or prom-client, in any thread', () => {
    const file = join(dir, 'targets.txt');
    writeFileSync(file, '127.0.0.1\n127.0.0.2\n');
    const r = loadedBy(['ping', '-q', '-c', '1', '-f', file]);
    expect(r.status, r.stderr).toBe(0);
    // The main thread and at least one probe thread reported.
    expect(r.threads).toBeGreaterThanOrEqual(2);
    expect(r.modules.some((m) => /node_modules\/piscina\//.test(m))).toBe(true);
    expect(r.modules.filter((m) => HEAVY.test(m))).toEqual([]);
  });

  it('`sonde --help` loads no command module', () => {
    const r = loadedBy(['--help']);
    expect(r.status, r.stderr).toBe(0);
    expect(r.modules.filter((m) => /node_modules\/(piscina|better-sqlite3|uwebsockets|prom-client|cli-table3)\//.test(m))).toEqual([]);
  });
});
