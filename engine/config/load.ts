// Where configuration comes from, lowest to highest precedence:
//   1. built-in defaults (schema.ts)
//   2. the config file: --config PATH, else SONDE_CONFIG, else ./sonde.yaml if it exists
//      (YAML; a relative `data` there is relative to the file's directory)
//   3. environment variables (ENV_VARS below)
//   4. command-line flags
// The merged object is validated once; an error names the key, the bad value's source and
// what is allowed.
import { existsSync, readFileSync } from 'node:fs';
import { dirname, isAbsolute, resolve } from 'node:path';
import { Ajv, type ErrorObject } from 'ajv';
import { parse as parseYaml, YAMLParseError } from 'yaml';
import { DaemonConfigSchema, defaultConfig, type DaemonConfig } from './schema.js';

export class ConfigError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'ConfigError';
  }
}

type Kind = 'string' | 'integer' | 'number' | 'boolean' | 'list';

/** Environment variable → config key. SONDE_LISTEN takes "host:port", "[v6]:port" or "host". */
export const ENV_VARS: readonly { name: string; key: string; kind: Kind }[] = [
  { name: 'SONDE_DATA', key: 'data', kind: 'string' },
  { name: 'SONDE_HOST', key: 'listen.host', kind: 'string' },
  { name: 'SONDE_PORT', key: 'listen.port', kind: 'integer' },
  { name: 'SONDE_HEALTH_PORT', key: 'listen.healthPort', kind: 'integer' },
  { name: 'SONDE_TLS_CERT', key: 'listen.tls.cert', kind: 'string' },
  { name: 'SONDE_TLS_KEY', key: 'listen.tls.key', kind: 'string' },
  { name: 'SONDE_LOG_LEVEL', key: 'logLevel', kind: 'string' },
  { name: 'SONDE_THREADS', key: 'threads', kind: 'integer' },
  { name: 'SONDE_BODY_LIMIT', key: 'http.bodyLimit', kind: 'integer' },
  { name: 'SONDE_IMPORT_BODY_LIMIT', key: 'http.importBodyLimit', kind: 'integer' },
  { name: 'SONDE_RATE_LIMIT', key: 'rateLimit.perSecond', kind: 'number' },
  { name: 'SONDE_RATE_BURST', key: 'rateLimit.burst', kind: 'number' },
  { name: 'SONDE_JOB_RETENTION_DAYS', key: 'jobs.retentionDays', kind: 'number' },
  { name: 'SONDE_SHUTDOWN_GRACE_MS', key: 'jobs.shutdownGraceMs', kind: 'integer' },
  { name: 'SONDE_AGENT_HOSTNAME', key: 'agent.hostname', kind: 'string' },
  { name: 'SONDE_AGENT_SERIAL', key: 'agent.serial', kind: 'string' },
  ...sectionEnvVars(['monitoring', 'metrics', 'dashboard', 'nats']),
];

/**
 * One variable per scalar key of these schema sections, named from the key:
 * monitoring.windowSeconds → SONDE_MONITORING_WINDOW_SECONDS (a key added to the schema gets
 * its variable with no edit here). Non-scalar keys (arrays, objects) are file-only.
 */
function sectionEnvVars(sections: readonly string[]): { name: string; key: string; kind: Kind }[] {
  const out: { name: string; key: string; kind: Kind }[] = [];
  const props = DaemonConfigSchema.properties as Record<string, { properties?: Record<string, { type?: unknown }> }>;
  for (const section of sections) {
    for (const [k, schema] of Object.entries(props[section]?.properties ?? {})) {
      const kind = schema.type;
      if (kind !== 'string' && kind !== 'integer' && kind !== 'number' && kind !== 'boolean') continue;
      const snake = `${section}_${k}`.replace(/([a-z0-9])([A-Z])/g, '$1_$2').toUpperCase();
      out.push({ name: `SONDE_${snake}`, key: `${section}.${k}`, kind });
    }
  }
  return out;
}

/** Flags as the CLI parsed them (undefined = not given). */
export interface ConfigFlags {
  config?: string;
  data?: string;
  host?: string;
  port?: string | number;
  logLevel?: string;
  threads?: string | number;
  /** NATS server URLs, comma-separated (nats.servers). */
  nats?: string;
}

const FLAG_KEYS: Record<Exclude<keyof ConfigFlags, 'config'>, { key: string; flag: string; kind: Kind }> = {
  data: { key: 'data', flag: '--data', kind: 'string' },
  host: { key: 'listen.host', flag: '--host', kind: 'string' },
  port: { key: 'listen.port', flag: '--port', kind: 'integer' },
  logLevel: { key: 'logLevel', flag: '--log-level', kind: 'string' },
  threads: { key: 'threads', flag: '--threads', kind: 'integer' },
  nats: { key: 'nats.servers', flag: '--nats', kind: 'list' },
};

export interface LoadedConfig {
  config: DaemonConfig;
  /** The config file read, or null. */
  file: string | null;
  /** Where each key set outside the defaults came from, e.g. 'listen.port' → 'env SONDE_PORT'. */
  sources: Map<string, string>;
}

export interface LoadOptions {
  flags?: ConfigFlags;
  env?: NodeJS.ProcessEnv;
  cwd?: string;
}

const validate = new Ajv({ allErrors: false, strict: false, useDefaults: false }).compile(DaemonConfigSchema);

type Obj = Record<string, unknown>;
const isObj = (v: unknown): v is Obj => typeof v === 'object' && v !== null && !Array.isArray(v);

function setPath(target: Obj, key: string, value: unknown): void {
  const parts = key.split('.');
  let node = target;
  for (let i = 0; i < parts.length - 1; i++) {
    const next = node[parts[i]];
    if (!isObj(next)) node[parts[i]] = {};
    node = node[parts[i]] as Obj;
  }
  node[parts[parts.length - 1]] = value;
}

/** Deep merge of `over` into `base` (objects merge; anything else replaces), recording sources. */
function mergeInto(base: Obj, over: Obj, source: string, sources: Map<string, string>, prefix = ''): void {
  for (const [k, v] of Object.entries(over)) {
    const path = prefix === '' ? k : `${prefix}.${k}`;
    if (isObj(v) && isObj(base[k]) && path !== 'agent.labels' && path !== 'agent.facts') {
      mergeInto(base[k] as Obj, v, source, sources, path);
    } else {
      base[k] = v;
      sources.set(path, source);
    }
  }
}

function convert(raw: string, kind: Kind, key: string, source: string): string | number | boolean | string[] {
  if (kind === 'string') return raw;
  if (kind === 'list') return raw.split(',').map((x) => x.trim()).filter((x) => x !== '');
  if (kind === 'boolean') {
    const b = raw.trim().toLowerCase();
    if (b === 'true' || b === '1') return true;
    if (b === 'false' || b === '0') return false;
    throw new ConfigError(`config ${key}: "${raw}" from ${source} is not a boolean (true, false, 1 or 0)`);
  }
  const n = Number(raw.trim());
  if (raw.trim() === '' || !Number.isFinite(n) || (kind === 'integer' && !Number.isInteger(n))) {
    throw new ConfigError(`config ${key}: "${raw}" from ${source} is not ${kind === 'integer' ? 'an integer' : 'a number'}`);
  }
  return n;
}

function parseListen(raw: string, sources: Map<string, string>, into: Obj): void {
  const source = 'env SONDE_LISTEN';
  const m = /^\[([^\]]+)\](?::(\d+))?$/.exec(raw) ?? /^([^:]+)(?::(\d+))?$/.exec(raw);
  if (m === null) throw new ConfigError(`config listen: "${raw}" from ${source} is not host, host:port or [ipv6]:port`);
  setPath(into, 'listen.host', m[1]);
  sources.set('listen.host', source);
  if (m[2] !== undefined) {
    setPath(into, 'listen.port', Number(m[2]));
    sources.set('listen.port', source);
  }
}

function readFile(path: string, sources: Map<string, string>, config: Obj): void {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (error) {
    throw new ConfigError(`config file ${path} cannot be read: ${(error as Error).message}`);
  }
  let parsed: unknown;
  try {
    parsed = parseYaml(text);
  } catch (error) {
    const where = error instanceof YAMLParseError && error.linePos !== undefined ? ` at line ${error.linePos[0].line}` : '';
    throw new ConfigError(`config file ${path}: invalid YAML${where}: ${(error as Error).message.split('\n')[0]}`);
  }
  if (parsed === null || parsed === undefined) return;
  if (!isObj(parsed)) throw new ConfigError(`config file ${path}: the top level must be a mapping of keys (data, listen, logLevel, …)`);
  if (typeof parsed.data === 'string' && !isAbsolute(parsed.data)) parsed.data = resolve(dirname(path), parsed.data);
  mergeInto(config, parsed, `config file ${path}`, sources);
}

function sourceOf(key: string, sources: Map<string, string>): string {
  for (let k = key; k !== ''; k = k.includes('.') ? k.slice(0, k.lastIndexOf('.')) : '') {
    const s = sources.get(k);
    if (s !== undefined) return s;
  }
  return 'the built-in defaults';
}

function describe(error: ErrorObject, sources: Map<string, string>): string {
  const params = error.params as Record<string, unknown>;
  let key = error.instancePath.split('/').slice(1).join('.');
  let message = error.message ?? 'is invalid';
  if (error.keyword === 'additionalProperties') {
    key = key === '' ? String(params.additionalProperty) : `${key}.${String(params.additionalProperty)}`;
    message = 'is not a known config key';
  } else if (error.keyword === 'not' && key === 'nats') {
    message = 'sets more than one way to authenticate (user/password, token, nkeySeedFile, credsFile): keep one';
  } else if (error.keyword === 'enum') {
    message = `must be one of ${(params.allowedValues as string[]).join(', ')}`;
  }
  return `config ${key || '(root)'} ${message} (from ${sourceOf(key, sources)})`;
}

export function loadConfig(options: LoadOptions = {}): LoadedConfig {
  const env = options.env ?? process.env;
  const cwd = options.cwd ?? process.cwd();
  const flags = options.flags ?? {};
  const sources = new Map<string, string>();
  const config = defaultConfig() as unknown as Obj;

  let file: string | null = null;
  if (flags.config !== undefined) file = resolve(cwd, flags.config);
  else if (env.SONDE_CONFIG !== undefined && env.SONDE_CONFIG !== '') file = resolve(cwd, env.SONDE_CONFIG);
  else if (existsSync(resolve(cwd, 'sonde.yaml'))) file = resolve(cwd, 'sonde.yaml');
  if (file !== null) readFile(file, sources, config);

  const fromEnv: Obj = {};
  if (env.SONDE_LISTEN !== undefined && env.SONDE_LISTEN !== '') parseListen(env.SONDE_LISTEN, sources, fromEnv);
  for (const { name, key, kind } of ENV_VARS) {
    const raw = env[name];
    if (raw === undefined || raw === '') continue;
    setPath(fromEnv, key, convert(raw, kind, key, `env ${name}`));
    sources.set(key, `env ${name}`);
  }
  mergeInto(config, fromEnv, 'env', new Map());

  const fromFlags: Obj = {};
  for (const [name, { key, flag, kind }] of Object.entries(FLAG_KEYS)) {
    const raw = flags[name as keyof typeof FLAG_KEYS];
    if (raw === undefined) continue;
    setPath(fromFlags, key, convert(String(raw), kind, key, `flag ${flag}`));
    sources.set(key, `flag ${flag}`);
  }
  mergeInto(config, fromFlags, 'flags', new Map());

  if (!validate(config)) throw new ConfigError(describe(validate.errors![0], sources));
  const typed = config as unknown as DaemonConfig;
  typed.data = resolve(cwd, typed.data);
  if (sources.get('rateLimit.perSecond') !== undefined && sources.get('rateLimit.burst') === undefined) {
    typed.rateLimit.burst = Math.max(1, typed.rateLimit.perSecond * 2);
  }
  return { config: typed, file, sources };
}
