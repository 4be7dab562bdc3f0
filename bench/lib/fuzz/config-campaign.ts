// The config file and the SONDE_* variables, fuzzed through the daemon's own loader: documents
// generated from DaemonConfigSchema, mutated, written as YAML (or as mutated bytes), with
// fuzzed environment values. The property: loadConfig returns a config the schema accepts or
// throws a ConfigError (a message for the operator); never another exception, never a hang.
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Ajv } from 'ajv';
import fc from 'fast-check';
import { stringify } from 'yaml';
import { ConfigError, DaemonConfigSchema, ENV_VARS, loadConfig } from '../../../engine/index.js';
import { applyMutation, mutationArbitrary } from './mutations.js';
import { schemaArbitrary, type JsonSchema } from './schema-arbitrary.js';

export interface ConfigStats { cases: number; accepted: number; rejected: number; yamlWarnings: number }

const YAML_ODDITIES = ['a: &a [*a]', 'x: !!binary AAAA', '%YAML 9.9\n---\n{}', '? [a]\n: b', 'listen: {port: 0x1F90}', 'threads: .inf', 'data: ~', '---\n---\n', 'a: b\n\tc: d',
  `lol: &a ["x","x","x","x","x","x","x","x","x"]\nlol2: &b [*a,*a,*a,*a,*a,*a,*a,*a,*a]\nlol3: &c [*b,*b,*b,*b,*b,*b,*b,*b,*b]\nlol4: [*c,*c,*c,*c,*c,*c,*c,*c,*c]`, 'listen:\n  port: 1e3', '\ufeffthreads: 1', 'monitoring: !!js/function "x"', 'agent: {labels: {"a b": c}}'];

export function runConfigCampaign(opts: { seed: number; cases: number }): ConfigStats {
  const dir = mkdtempSync(join(tmpdir(), 'sonde-fuzz-config-'));
  const file = join(dir, 'sonde.yaml');
  const validate = new Ajv({ strict: false }).compile(DaemonConfigSchema);
  const stats: ConfigStats = { cases: 0, accepted: 0, rejected: 0, yamlWarnings: 0 };
  const doc = schemaArbitrary(DaemonConfigSchema as unknown as JsonSchema).map((c) => {
    const partial = c as Record<string, unknown>;
    delete partial.data; // keep the loader's data directory inside the temp dir
    return partial;
  });
  const envName = fc.constantFrom(...ENV_VARS.map((v) => v.name), 'SONDE_LISTEN');
  const envValue = fc.oneof(fc.string({ maxLength: 20 }), fc.constantFrom('0', '-1', '1e999', '65536', 'true', 'NaN', '[::1]:80', ':', '127.0.0.1:', 'x'.repeat(5000), ' 1 ', '0x10'));
  const property = fc.property(
    doc, mutationArbitrary, fc.dictionary(envName, envValue, { maxKeys: 3 }), fc.option(fc.constantFrom(...YAML_ODDITIES)),
    (config, mutation, env, oddity) => {
      const body = applyMutation(config, mutation);
      // as YAML when it is still a document, else the mutated bytes (JSON is YAML too)
      let text: Buffer;
      try {
        text = oddity !== null ? Buffer.from(oddity) : mutation.kind === 'none' ? Buffer.from(stringify(config)) : body.bytes;
      } catch {
        text = body.bytes;
      }
      writeFileSync(file, text);
      stats.cases++;
      try {
        const loaded = loadConfig({ flags: { config: file }, env: { ...env }, cwd: dir });
        if (!validate(loaded.config)) throw new Error(`loadConfig returned a config the schema rejects: ${JSON.stringify(validate.errors).slice(0, 300)}`);
        stats.accepted++;
      } catch (error) {
        if (error instanceof ConfigError) {
          stats.rejected++;
          return;
        }
        throw new Error(`loadConfig threw ${(error as Error).name} (not a ConfigError) for ${JSON.stringify(text.subarray(0, 300).toString('utf8'))} with env ${JSON.stringify(env).slice(0, 200)}: ${(error as Error).message}`);
      }
    },
  );
  // the yaml parser reports odd documents with process.emitWarning: counted, not printed
  const emitWarning = process.emitWarning;
  process.emitWarning = (() => { stats.yamlWarnings++; }) as typeof process.emitWarning;
  try {
    fc.assert(property, { seed: opts.seed, numRuns: opts.cases });
  } finally {
    process.emitWarning = emitWarning;
    rmSync(dir, { recursive: true, force: true });
  }
  return stats;
}
