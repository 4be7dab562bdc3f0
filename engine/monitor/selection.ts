// Evaluates a monitor's selection against the target registry: the HOST targets it names
// (by id) or whose labels all match (dot-segment prefix, as GET /v1/targets?label=).
import type { Statement } from 'better-sqlite3';
import type { Db } from '../store/database.js';
import type { MonitorSelection } from './types.js';

export interface Member {
  /** targets.seq: the stable integer key the windows table uses. */
  seq: number;
  id: string;
  address: string;
  /** What the engine is given to probe when it differs from `address` (a resolved name). */
  probeAddress?: string;
  /** A name whose lookup failed (and has no earlier address): its probes count as failed. */
  unresolvable?: boolean;
}

const ID_CHUNK = 500;
// Same index range as the target list: [v, v/) holds v, v-* and v.*; the residual keeps v and v.*.
const LABEL_MATCH = 'key = ? AND value >= ? AND value < ? AND (+value = ? OR +value >= ?)';

export class SelectionEvaluator {
  private readonly byLabels = new Map<number, Statement<unknown[], Member>>();
  private readonly byIds: Statement<unknown[], Member>;
  private readonly fingerprintStmt: Statement<[], { n: number; top: number | null; sum: number | null }>;

  constructor(private readonly db: Db) {
    const marks = new Array(ID_CHUNK).fill('?').join(',');
    this.byIds = db.prepare(`SELECT seq, id, address FROM targets WHERE kind = 'HOST' AND id IN (${marks})`);
    this.fingerprintStmt = db.prepare('SELECT count(*) AS n, max(seq) AS top, sum(updated_at) AS sum FROM targets');
  }

  /** Members ordered by target seq (a stable order: re-evaluation keeps slots stable). */
  evaluate(selection: MonitorSelection): Member[] {
    if ('ids' in selection) {
      const out: Member[] = [];
      for (let i = 0; i < selection.ids.length; i += ID_CHUNK) {
        const chunk = selection.ids.slice(i, i + ID_CHUNK);
        while (chunk.length < ID_CHUNK) chunk.push('');
        out.push(...this.byIds.all(...chunk));
      }
      return out.sort((a, b) => a.seq - b.seq);
    }
    const entries = Object.entries(selection.labels);
    const args: string[] = [];
    for (const [k, v] of entries) args.push(k, v, `${v}/`, v, `${v}.`);
    return this.labelStatement(entries.length).all(...args);
  }

  /** Changes whenever a target is created, deleted or updated (labels included). */
  fingerprint(): string {
    const f = this.fingerprintStmt.get()!;
    return `${f.n}:${f.top ?? 0}:${f.sum ?? 0}`;
  }

  private labelStatement(n: number): Statement<unknown[], Member> {
    let s = this.byLabels.get(n);
    if (s === undefined) {
      const where = Array.from({ length: n }, () => `seq IN (SELECT target_seq FROM target_labels WHERE ${LABEL_MATCH})`);
      s = this.db.prepare(`SELECT seq, id, address FROM targets WHERE kind = 'HOST' AND ${where.join(' AND ')} ORDER BY seq`);
      this.byLabels.set(n, s);
    }
    return s;
  }
}
