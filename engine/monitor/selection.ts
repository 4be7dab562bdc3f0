// Evaluates a monitor's selection against the target registry: the targets of the kinds its
// probe takes (PROBE_TARGET_KINDS) that it names (by id) or whose labels all match
// (dot-segment prefix, as GET /v1/targets?label=).
import type { Statement } from 'better-sqlite3';
import type { Db } from '../store/database.js';
import type { TargetKind } from '../store/types.js';
import type { MonitorProbe, MonitorSelection } from './types.js';

/** The target kinds each probe kind monitors (the SQL below spells them as literals). */
export const PROBE_TARGET_KINDS: Record<MonitorProbe, readonly string[]> = {
  icmp: ['HOST'],
  tcp: ['HOST', 'TCP'],
  dns: ['HOST'],
  http: ['HTTP'],
  model: ['EMBEDDER', 'RERANKER', 'LLM'],
};

export interface Member {
  /** targets.seq: the stable integer key the windows table uses. */
  seq: number;
  id: string;
  /** The target's kind (the assigner sends it to remote agents; model monitors' request
   *  headers name it). */
  kind?: TargetKind;
  address: string;
  /** The target's port (TCP targets; null for the others). */
  port?: number | null;
  /** model monitors' members: the target's provider and model (request headers). */
  provider?: string | null;
  modelIdentifier?: string | null;
  /** What the engine is given to probe when it differs from `address` (a resolved name). */
  probeAddress?: string;
  /** A name whose lookup failed (and has no earlier address): its probes count as failed. */
  unresolvable?: boolean;
}

const ID_CHUNK = 500;
// Same index range as the target list: [v, v/) holds v, v-* and v.*; the residual keeps v and v.*.
const LABEL_MATCH = 'key = ? AND value >= ? AND value < ? AND (+value = ? OR +value >= ?)';

export class SelectionEvaluator {
  private readonly byLabels = new Map<string, Statement<unknown[], Member>>();
  private readonly byIds = new Map<MonitorProbe, Statement<unknown[], Member>>();
  private readonly fingerprintStmt: Statement<[], { n: number; top: number | null; sum: number | null }>;

  constructor(private readonly db: Db) {
    const marks = new Array(ID_CHUNK).fill('?').join(',');
    for (const probe of Object.keys(PROBE_TARGET_KINDS) as MonitorProbe[]) {
      this.byIds.set(probe, db.prepare(`SELECT ${columns(probe)} FROM targets WHERE ${kindsWhere(probe)} AND id IN (${marks})`));
    }
    this.fingerprintStmt = db.prepare('SELECT count(*) AS n, max(seq) AS top, sum(updated_at) AS sum FROM targets');
  }

  /** Members ordered by target seq (a stable order: re-evaluation keeps slots stable). */
  evaluate(selection: MonitorSelection, probe: MonitorProbe = 'icmp'): Member[] {
    if ('ids' in selection) {
      const byIds = this.byIds.get(probe)!;
      const out: Member[] = [];
      for (let i = 0; i < selection.ids.length; i += ID_CHUNK) {
        const chunk = selection.ids.slice(i, i + ID_CHUNK);
        while (chunk.length < ID_CHUNK) chunk.push('');
        out.push(...byIds.all(...chunk));
      }
      return out.sort((a, b) => a.seq - b.seq);
    }
    const entries = Object.entries(selection.labels);
    const args: string[] = [];
    for (const [k, v] of entries) args.push(k, v, `${v}/`, v, `${v}.`);
    return this.labelStatement(entries.length, probe).all(...args);
  }

  /** Changes whenever a target is created, deleted or updated (labels included). */
  fingerprint(): string {
    const f = this.fingerprintStmt.get()!;
    return `${f.n}:${f.top ?? 0}:${f.sum ?? 0}`;
  }

  private labelStatement(n: number, probe: MonitorProbe): Statement<unknown[], Member> {
    let s = this.byLabels.get(`${probe}:${n}`);
    if (s === undefined) {
      const where = Array.from({ length: n }, () => `seq IN (SELECT target_seq FROM target_labels WHERE ${LABEL_MATCH})`);
      s = this.db.prepare(`SELECT ${columns(probe)} FROM targets WHERE ${kindsWhere(probe)} AND ${where.join(' AND ')} ORDER BY seq`);
      this.byLabels.set(`${probe}:${n}`, s);
    }
    return s;
  }
}

/** What a member holds: the model columns only for model monitors (they go into the request). */
function columns(probe: MonitorProbe): string {
  return probe === 'model' ? 'seq, id, kind, address, port, provider, model_identifier AS modelIdentifier' : 'seq, id, kind, address, port';
}

function kindsWhere(probe: MonitorProbe): string {
  return `kind IN (${PROBE_TARGET_KINDS[probe].map((k) => `'${k}'`).join(',')})`;
}
