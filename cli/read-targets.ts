// Targets for `sonde ping -f FILE`: one per line, blank lines and # comments ignored,
// `-` reads standard input.
import { readFile } from 'node:fs/promises';

export function parseTargetList(text: string): string[] {
  const out: string[] = [];
  for (const raw of text.split(/\r?\n/)) {
    const hash = raw.indexOf('#');
    const line = (hash >= 0 ? raw.slice(0, hash) : raw).trim();
    if (line.length > 0) out.push(line);
  }
  return out;
}

export async function readTargetFile(path: string): Promise<string[]> {
  if (path === '-') {
    const chunks: Buffer[] = [];
    for await (const chunk of process.stdin) chunks.push(chunk as Buffer);
    return parseTargetList(Buffer.concat(chunks).toString('utf8'));
  }
  return parseTargetList(await readFile(path, 'utf8'));
}
