// Targets and the paged list shape the store's repositories return.

export const TARGET_KINDS = ['HOST', 'TCP', 'HTTP', 'EMBEDDER', 'RERANKER', 'LLM'] as const;
export type TargetKind = (typeof TARGET_KINDS)[number];

export interface TargetInput {
  kind: TargetKind;
  /** HOST/TCP: IP or DNS name. HTTP/EMBEDDER/RERANKER/LLM: an http(s) URL. */
  address: string;
  /** TCP: required, 1..65535. Others: optional. */
  port?: number | null;
  name?: string | null;
  /** Unique positive integer (the service ping API's service_id). */
  serviceId?: number | null;
  provider?: string | null;
  modelIdentifier?: string | null;
  labels?: Record<string, string>;
}

export interface Target {
  id: string;
  kind: TargetKind;
  address: string;
  port: number | null;
  name: string | null;
  serviceId: number | null;
  provider: string | null;
  modelIdentifier: string | null;
  labels: Record<string, string>;
  createdAtMs: number;
  updatedAtMs: number;
}

export interface TargetListQuery {
  /**
   * Every entry must match: the target's label `key` equals `value` or starts with
   * `value.` (dot-segment prefix, as agent label selectors).
   */
  labels?: Record<string, string>;
  kind?: TargetKind;
  /** 1..1000, default 100. */
  limit?: number;
  offset?: number;
}

export interface Page<T> {
  items: T[];
  total: number;
  limit: number;
  offset: number;
}

export interface BulkImportResult {
  created: number;
  /** Rows that were rejected; the others were imported. `index` is 0-based in the input. */
  errors: { index: number; field?: string; message: string }[];
}

export interface TargetRepo {
  /** Throws SondeError invalid (field named) or conflict (serviceId taken). */
  create(input: TargetInput): Target;
  /** Validates every row, inserts the valid ones in batched transactions. */
  bulkImport(inputs: readonly unknown[]): BulkImportResult;
  list(query?: TargetListQuery): Page<Target>;
  get(id: string): Target | null;
  getByServiceId(serviceId: number): Target | null;
  /** Partial update; labels, when given, replace the label set. Throws not_found/invalid/conflict. */
  update(id: string, patch: Partial<TargetInput>): Target;
  /** Returns false when there was no such target. */
  delete(id: string): boolean;
  count(): number;
  /** Every HOST target in one pass, as the JSON text {"id","name","address","kind","labels"}
   *  written by SQLite (the dashboard's fleet index: 50,000 targets without a parse or a
   *  stringify per target in JS). */
  forEachHostJson(visit: (id: string, json: string) => void): void;
}
