// The list commands' output for scripts: no ANSI escape codes when stdout is not a terminal
// (a pipe here), none on a terminal when NO_COLOR is set (https://no-color.org), colours on a
// terminal otherwise (a pseudo-terminal from script(1)); --json on every list command.
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

const CLI = fileURLToPath(new URL('../../dist/cli/index.js', import.meta.url));
const built = existsSync(CLI);
const hasScript = spawnSync('script', ['--version']).status === 0;
const ESC = '\x1b[';

describe.skipIf(!built)('list commands in pipes (needs the build: npm run build)', () => {
  let dir: string;
  const sonde = (args: string[], env: Record<string, string> = {}) =>
    spawnSync(process.execPath, [CLI, ...args, '--data', dir], { encoding: 'utf8', timeout: 30_000, env: { ...process.env, ...env } });

  beforeAll(() => {
    dir = mkdtempSync(join(tmpdir(), 'sonde-lists-'));
    writeFileSync(join(dir, 't.csv'), 'address,kind,labels\n127.0.0.1,HOST,site=a\n127.0.0.2,HOST,site=b\n');
    expect(sonde(['targets', 'import', join(dir, 't.csv')]).status).toBe(0);
    expect(sonde(['monitors', 'create', '--name', 'lo', '--label', 'site:a']).status).toBe(0);
    expect(sonde(['keys', 'create', '--name', 'ci', '--scopes', 'network:read']).status).toBe(0);
  });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  for (const list of [['targets', 'list'], ['monitors', 'list'], ['keys', 'list']]) {
    it(`${list.join(' ')} | cat carries no escape codes, and --json is one parseable document`, () => {
      const table = sonde(list);
      expect(table.status, table.stderr).toBe(0);
      expect(table.stdout).toContain('│');
      expect(table.stdout.includes(ESC)).toBe(false);
      const json = sonde([...list, '--json']);
      expect(json.status, json.stderr).toBe(0);
      expect(json.stdout.includes(ESC)).toBe(false);
      const parsed = JSON.parse(json.stdout) as unknown;
      expect(Array.isArray(parsed) ? parsed.length : Object.keys(parsed as object).length).toBeGreaterThan(0);
    });
  }

  it.skipIf(!hasScript)('on a terminal: colours by default, none with NO_COLOR', () => {
    const onTerminal = (env: Record<string, string>) => spawnSync('script', ['-qc', `"${process.execPath}" "${CLI}" targets list --data "${dir}"`, '/dev/null'], {
      encoding: 'utf8', timeout: 30_000, env: { ...process.env, ...env },
    });
    const coloured = onTerminal({});
    expect(coloured.status, coloured.stderr).toBe(0);
    expect(coloured.stdout.includes(ESC)).toBe(true);
    const plain = onTerminal({ NO_COLOR: '1' });
    expect(plain.status, plain.stderr).toBe(0);
    expect(plain.stdout).toContain('127.0.0.1');
    expect(plain.stdout.includes(ESC)).toBe(false);
  });
});
