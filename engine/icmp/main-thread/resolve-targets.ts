// Turns a job's targets into addresses: IP literals directly, DNS names once per job
// (dns.promises.lookup; each distinct name is looked up once). A name that does not
// resolve becomes that target's error; the other targets are probed regardless.
import { lookup } from 'node:dns/promises';
import { parseIpLiteral, type ParsedAddress } from '../shared/address.js';
import { validatePingRequest } from './validate-request.js';

/** `code`: the resolver's error code (ENOTFOUND, EAI_AGAIN …) when the lookup failed. */
export type ResolvedTarget = { ok: true; address: ParsedAddress } | { ok: false; error: string; code: string };

/** `literals[i]` is target i already parsed as an IP literal (null for a name). */
export async function resolveTargets(
  targets: readonly string[], literals: ReadonlyArray<ParsedAddress | null>, preferFamily: 4 | 6,
): Promise<ResolvedTarget[]> {
  const names = new Map<string, Promise<ResolvedTarget>>();
  const out: Array<ResolvedTarget | Promise<ResolvedTarget>> = targets.map((target, i) => {
    const literal = literals[i];
    if (literal !== null) return { ok: true, address: literal };
    let pending = names.get(target);
    if (pending === undefined) {
      pending = resolveName(target, preferFamily);
      names.set(target, pending);
    }
    return pending;
  });
  return names.size === 0 ? (out as ResolvedTarget[]) : Promise.all(out);
}

async function resolveName(name: string, preferFamily: 4 | 6): Promise<ResolvedTarget> {
  try {
    const found = await lookup(name, { all: true, verbatim: true });
    const pick = found.find((a) => a.family === preferFamily) ?? found[0];
    const parsed = pick === undefined ? null : parseIpLiteral(pick.address);
    if (parsed === null) return { ok: false, code: 'ENOTFOUND', error: `"${name}" did not resolve to an IP address` };
    return { ok: true, address: parsed };
  } catch (error) {
    const code = (error as { code?: string }).code ?? 'error';
    return { ok: false, code, error: `"${name}" did not resolve (${code}): check the name, or give an IP address` };
  }
}

export type ResolvedName = { ok: true; address: string } | { ok: false; code: string; error: string };

/** Resolves a list of targets (IP literals or names) as a ping job would, before the job:
 *  a caller that prints per-address output (`sonde ping --output fping`) needs to know
 *  which names failed before the first probe. Throws EngineInputError for a malformed target. */
export async function resolveTargetNames(targets: readonly string[], preferFamily: 4 | 6): Promise<ResolvedName[]> {
  // The job's own target checks first: a malformed literal is bad input, never a lookup.
  const { literals } = validatePingRequest({ targets: [...targets] });
  const resolved = await resolveTargets(targets, literals, preferFamily);
  return resolved.map((r, i) => {
    if (r.ok) return { ok: true, address: r.address.text };
    return { ok: false, code: r.code, error: `targets[${i}]: ${r.error}` };
  });
}
