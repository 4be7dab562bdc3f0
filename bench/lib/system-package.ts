// Installs a Debian package a benchmark compares against (fping, iputils-ping) when missing.
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';

export function findExecutable(name: string): string | undefined {
  for (const dir of (process.env.PATH ?? '/usr/bin:/bin').split(':').concat(['/usr/sbin', '/sbin'])) {
    const p = `${dir}/${name}`;
    if (existsSync(p)) return p;
  }
  return undefined;
}

/**
 * Returns the path of `command`, installing `aptPackage` with apt-get when it is missing and
 * we are root. Returns undefined (after saying why and how to fix it) when it cannot.
 */
export function ensureCommand(command: string, aptPackage: string): string | undefined {
  const found = findExecutable(command);
  if (found) return found;
  if (process.getuid?.() !== 0) {
    console.log(`${command} is not installed and installing needs root: run \`sudo apt-get install -y ${aptPackage}\`; skipping ${command}.`);
    return undefined;
  }
  if (!findExecutable('apt-get')) {
    console.log(`${command} is not installed and this system has no apt-get: install ${aptPackage} by hand; skipping ${command}.`);
    return undefined;
  }
  const run = (args: string[]): boolean => {
    console.log(`$ apt-get ${args.join(' ')}`);
    const r = spawnSync('apt-get', args, { stdio: ['ignore', 'ignore', 'inherit'], env: { ...process.env, DEBIAN_FRONTEND: 'noninteractive' } });
    return r.status === 0;
  };
  console.log(`${command} is missing: installing ${aptPackage}`);
  if (!run(['install', '-y', '-q', aptPackage])) {
    if (!run(['update', '-q']) || !run(['install', '-y', '-q', aptPackage])) {
      console.log(`could not install ${aptPackage} (see apt-get's message above); skipping ${command}.`);
      return undefined;
    }
  }
  return findExecutable(command);
}
