// A strict reader of the Prometheus text format (0.0.4) for the /metrics tests, next to
// parse-prometheus-text-format: that library reads families, types and plain samples
// right, but folds every labelled histogram of a family into one (its flattenMetrics keys
// the buckets by `le` alone), so per-target histograms are checked with this reader.
// It throws on anything the format does not allow: a sample before its # TYPE, a family
// split in two, a bad name or label, a value that is not a float, a repeated series.

export interface Sample {
  name: string;
  labels: Record<string, string>;
  value: number;
}

export interface Family {
  name: string;
  type: 'counter' | 'gauge' | 'histogram' | 'summary' | 'untyped';
  help: string;
  samples: Sample[];
}

const NAME = /^[a-zA-Z_:][a-zA-Z0-9_:]*$/;
const LABEL = /^[a-zA-Z_][a-zA-Z0-9_]*$/;
const TYPES = new Set(['counter', 'gauge', 'histogram', 'summary', 'untyped']);

/** As Prometheus reads values (Go's strconv.ParseFloat): NaN and Inf in any case, e.g.
 *  prom-client writes NaN as "Nan". */
function parseValue(text: string, line: string): number {
  const special = /^([-+]?)(inf|infinity|nan)$/i.exec(text);
  if (special !== null) return special[2].toLowerCase() === 'nan' ? NaN : special[1] === '-' ? -Infinity : Infinity;
  if (!/^[-+]?(\d+\.?\d*|\.\d+)([eE][-+]?\d+)?$/.test(text)) throw new Error(`not a float: ${JSON.stringify(text)} in ${line}`);
  return Number(text);
}

function parseSample(line: string): Sample {
  let i = 0;
  while (i < line.length && line[i] !== '{' && line[i] !== ' ') i++;
  const name = line.slice(0, i);
  if (!NAME.test(name)) throw new Error(`bad metric name in ${line}`);
  const labels: Record<string, string> = {};
  if (line[i] === '{') {
    i++;
    while (line[i] !== '}') {
      const eq = line.indexOf('=', i);
      if (eq < 0) throw new Error(`label without = in ${line}`);
      const label = line.slice(i, eq).trim();
      if (!LABEL.test(label)) throw new Error(`bad label name ${JSON.stringify(label)} in ${line}`);
      if (line[eq + 1] !== '"') throw new Error(`label value not quoted in ${line}`);
      let j = eq + 2;
      let value = '';
      for (; j < line.length && line[j] !== '"'; j++) {
        if (line[j] === '\\') {
          const next = line[++j];
          if (next === 'n') value += '\n';
          else if (next === '\\' || next === '"') value += next;
          else throw new Error(`bad escape \\${next} in ${line}`);
        } else value += line[j];
      }
      if (j >= line.length) throw new Error(`unterminated label value in ${line}`);
      if (label in labels) throw new Error(`label ${label} twice in ${line}`);
      labels[label] = value;
      i = j + 1;
      if (line[i] === ',') i++;
      else if (line[i] !== '}') throw new Error(`expected , or } after a label in ${line}`);
    }
    i++;
  }
  const rest = line.slice(i).trim().split(/\s+/);
  if (rest.length < 1 || rest.length > 2 || rest[0] === '') throw new Error(`expected a value (and a timestamp) in ${line}`);
  if (rest.length === 2 && !/^-?\d+$/.test(rest[1])) throw new Error(`bad timestamp in ${line}`);
  return { name, labels, value: parseValue(rest[0], line) };
}

/** The family a sample name belongs to, given its type's suffixes. */
function owner(families: Map<string, Family>, current: Family | null, name: string): Family | null {
  if (current === null) return null;
  if (name === current.name) return current;
  const suffixes = current.type === 'histogram' ? ['_bucket', '_sum', '_count'] : current.type === 'summary' ? ['_sum', '_count'] : [];
  for (const s of suffixes) if (name === current.name + s) return current;
  return families.get(name) ?? null;
}

export function parseExposition(text: string): Map<string, Family> {
  const families = new Map<string, Family>();
  const seen = new Set<string>();
  let current: Family | null = null;
  const helps = new Map<string, string>();
  if (!text.endsWith('\n')) throw new Error('the exposition must end with a line feed');
  for (const line of text.split('\n')) {
    if (line === '') continue;
    if (line.startsWith('#')) {
      const m = /^# (HELP|TYPE) (\S+)(?: (.*))?$/.exec(line);
      if (m === null) continue; // a plain comment
      const [, kind, name, rest = ''] = m;
      if (!NAME.test(name)) throw new Error(`bad family name in ${line}`);
      if (kind === 'HELP') {
        helps.set(name, rest);
        continue;
      }
      if (!TYPES.has(rest)) throw new Error(`unknown type in ${line}`);
      if (families.has(name)) throw new Error(`family ${name} declared twice`);
      current = { name, type: rest as Family['type'], help: helps.get(name) ?? '', samples: [] };
      families.set(name, current);
      continue;
    }
    const sample = parseSample(line);
    const family = owner(families, current, sample.name);
    if (family === null) throw new Error(`sample ${sample.name} has no # TYPE before it`);
    if (family !== current) throw new Error(`family ${family.name} is split (sample ${line} after ${current?.name})`);
    const key = `${sample.name}${JSON.stringify(Object.entries(sample.labels).sort())}`;
    if (seen.has(key)) throw new Error(`series repeated: ${line}`);
    seen.add(key);
    family.samples.push(sample);
  }
  return families;
}

export interface HistogramSeries {
  labels: Record<string, string>;
  /** [le, cumulative count] in the order written. */
  buckets: Array<[number, number]>;
  sum: number;
  count: number;
}

/** A histogram family's series (grouped by labels without `le`), each checked whole. */
export function histogramSeries(family: Family): HistogramSeries[] {
  if (family.type !== 'histogram') throw new Error(`${family.name} is a ${family.type}, not a histogram`);
  const byKey = new Map<string, HistogramSeries>();
  const sumSeen = new Set<string>();
  const countSeen = new Set<string>();
  for (const s of family.samples) {
    const { le, ...labels } = s.labels;
    const key = JSON.stringify(Object.entries(labels).sort());
    let series = byKey.get(key);
    if (series === undefined) byKey.set(key, (series = { labels, buckets: [], sum: NaN, count: NaN }));
    if (s.name === `${family.name}_bucket`) {
      if (le === undefined) throw new Error(`${family.name}_bucket without le`);
      series.buckets.push([parseValue(le, `le="${le}"`), s.value]);
    } else if (s.name === `${family.name}_sum`) {
      series.sum = s.value;
      sumSeen.add(key);
    } else if (s.name === `${family.name}_count`) {
      series.count = s.value;
      countSeen.add(key);
    } else throw new Error(`unexpected sample ${s.name} in histogram ${family.name}`);
  }
  for (const [key, s] of byKey) {
    if (!sumSeen.has(key) || !countSeen.has(key)) throw new Error(`${family.name}${key}: _sum or _count missing`);
    const last = s.buckets[s.buckets.length - 1];
    if (last === undefined || last[0] !== Infinity) throw new Error(`${family.name}${key}: no le="+Inf" bucket last`);
    for (let i = 1; i < s.buckets.length; i++) {
      if (!(s.buckets[i][0] > s.buckets[i - 1][0])) throw new Error(`${family.name}${key}: le not ascending`);
      if (s.buckets[i][1] < s.buckets[i - 1][1]) throw new Error(`${family.name}${key}: buckets not cumulative`);
    }
    if (last[1] !== s.count) throw new Error(`${family.name}${key}: +Inf bucket ${last[1]} != _count ${s.count}`);
  }
  return [...byKey.values()];
}
