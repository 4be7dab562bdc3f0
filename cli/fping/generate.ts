// fping -g: the targets of a CIDR prefix (without its network and broadcast addresses, as
// fping does for prefixes shorter than /31) or of a start/end pair. IPv4 only, like fping.
import { isIPv4 } from 'node:net';

/** The most addresses -g generates; fping's own cap (MAX_GENERATE) is 100,000 too. */
export const MAX_GENERATE = 100_000;

export class GenerateError extends Error {}

function toInt(text: string, what: string): number {
  if (!isIPv4(text)) throw new GenerateError(`-g: ${what} ${JSON.stringify(text)} is not an IPv4 address (-g works only with IPv4)`);
  return text.split('.').reduce((n, part) => n * 256 + Number(part), 0);
}

function toText(n: number): string {
  return `${(n >>> 24) & 255}.${(n >>> 16) & 255}.${(n >>> 8) & 255}.${n & 255}`;
}

function range(first: number, last: number, asked: string): string[] {
  const n = last - first + 1;
  if (n > MAX_GENERATE) {
    throw new GenerateError(`-g: ${asked} holds ${n.toLocaleString('en-US')} addresses; at most ${MAX_GENERATE.toLocaleString('en-US')} (the -g cap) can be generated: split the range`);
  }
  const out: string[] = [];
  for (let a = first; a <= last; a++) out.push(toText(a));
  return out;
}

/** `args`: one CIDR (`a.b.c.d/m`) or a start and an end address. */
export function generateTargets(args: readonly string[]): string[] {
  if (args.length === 1) {
    const [address, maskText, extra] = args[0].split('/');
    if (maskText === undefined || extra !== undefined) throw new GenerateError(`-g: give a CIDR prefix like 192.0.2.0/24, or a start and an end address (got ${JSON.stringify(args[0])})`);
    const mask = /^\d{1,2}$/.test(maskText) ? Number(maskText) : NaN;
    if (!(mask >= 1 && mask <= 32)) throw new GenerateError(`-g: netmask must be between 1 and 32 (is: ${maskText})`);
    const size = 2 ** (32 - mask);
    let first = Math.floor(toInt(address, 'address') / size) * size;
    let last = first + size - 1;
    if (mask < 31) {
      first++;
      last--;
    }
    return range(first, last, args[0]);
  }
  if (args.length === 2) {
    const first = toInt(args[0], 'start');
    const last = toInt(args[1], 'end');
    if (last < first) throw new GenerateError(`-g: the end ${args[1]} comes before the start ${args[0]}`);
    return range(first, last, `${args[0]} … ${args[1]}`);
  }
  throw new GenerateError(`-g takes one CIDR prefix or a start and an end address (got ${args.length} arguments)`);
}
