// A campaign spec from YAML/JSON text: parsed, validated (TypeBox + Ajv, errors naming the
// field), resolved into its steps, and checked against the safety cap.
import { Ajv, type ErrorObject } from 'ajv';
import ipaddr from 'ipaddr.js';
import { parse as parseYaml } from 'yaml';
import { SondeError } from '../errors.js';
import {
  CampaignSpecSchema, DEFAULT_MAX_TOTAL_PPS, LOOPBACK_MAX_TOTAL_PPS,
  type CampaignSpec, type ResolvedStep, type StepParams,
} from './types.js';

/** Bad spec input (a SondeError 'invalid': HTTP 400); `field` is the dotted path of the offending value. */
export class CampaignSpecError extends SondeError {
  declare readonly field: string;
  constructor(field: string, message: string) {
    super('invalid', message, field);
    this.name = 'CampaignSpecError';
  }
}

const validate = new Ajv({ allErrors: false, strict: false }).compile(CampaignSpecSchema);

function describe(error: ErrorObject): CampaignSpecError {
  const params = error.params as Record<string, unknown>;
  // /steps/0/rate → steps[0].rate, as the checks below and the rest of sonde name fields
  let key = error.instancePath.split('/').slice(1).map((seg, i) => (/^\d+$/.test(seg) ? `[${seg}]` : i === 0 ? seg : `.${seg}`)).join('');
  let message = error.message ?? 'is invalid';
  if (error.keyword === 'additionalProperties') {
    key = key === '' ? String(params.additionalProperty) : `${key}.${String(params.additionalProperty)}`;
    message = 'is not a known spec field';
  } else if (error.keyword === 'enum') {
    message = `must be one of ${(params.allowedValues as string[]).join(', ')}`;
  } else if (error.keyword === 'required') {
    key = key === '' ? String(params.missingProperty) : `${key}.${String(params.missingProperty)}`;
    message = 'is required';
  }
  return new CampaignSpecError(key || '(root)', `campaign spec ${key || '(root)'} ${message}`);
}

/** Parses YAML (a superset of JSON) and validates; throws CampaignSpecError. */
export function parseCampaignSpec(text: string): CampaignSpec {
  let value: unknown;
  try {
    value = parseYaml(text);
  } catch (error) {
    throw new CampaignSpecError('(root)', `campaign spec is not valid YAML/JSON: ${(error as Error).message}`);
  }
  return validateCampaignSpec(value);
}

export function validateCampaignSpec(value: unknown): CampaignSpec {
  if (!validate(value)) throw describe(validate.errors![0]);
  const spec = value as CampaignSpec;
  const sources = (['ids', 'selector', 'file', 'addresses'] as const).filter((k) => spec.targets[k] !== undefined);
  if (sources.length !== 1) throw new CampaignSpecError('targets', `campaign spec targets needs exactly one of ids, selector, file, addresses (has ${sources.length === 0 ? 'none' : sources.join(', ')})`);
  if ((spec.steps === undefined) === (spec.ramp === undefined)) throw new CampaignSpecError('steps', 'campaign spec needs exactly one of steps and ramp');
  if (spec.ramp !== undefined && (spec.ramp.param === 'packetSize' || spec.ramp.param === 'concurrency' || spec.ramp.param === 'targets')) {
    if (!Number.isInteger(spec.ramp.from) || !Number.isInteger(spec.ramp.to)) throw new CampaignSpecError('ramp.from', `campaign spec ramp over ${spec.ramp.param} needs integer from and to`);
  }
  return spec;
}

/** Probes per target of one step (the engine's limit of one job). */
const MAX_PROBES_PER_TARGET = 1_000_000;

const BUILT_IN: Required<StepParams> = { rate: 100, packetSize: 56, concurrency: 1000, targets: 1, durationS: 10, warmupS: 1 };

function rampValues(from: number, to: number, steps: number, scale: 'linear' | 'geometric', integer: boolean): number[] {
  const out: number[] = [];
  for (let i = 0; i < steps; i++) {
    const f = steps === 1 ? 0 : i / (steps - 1);
    const v = scale === 'geometric' ? from * (to / from) ** f : from + (to - from) * f;
    out.push(integer ? Math.round(v) : Math.round(v * 1000) / 1000);
  }
  return out;
}

/** Every step with all parameters resolved; `available` is how many targets were selected. */
export function resolveSteps(spec: CampaignSpec, available: number): ResolvedStep[] {
  const base = { ...BUILT_IN, targets: available, ...spec.defaults };
  let params: StepParams[];
  if (spec.steps !== undefined) {
    params = spec.steps;
  } else {
    const ramp = spec.ramp!;
    params = rampValues(ramp.from, ramp.to, ramp.steps, ramp.scale ?? 'linear', ramp.param !== 'rate').map((v) => ({ [ramp.param]: v }));
  }
  const perTarget = spec.rateMode === 'per-target';
  return params.map((p, index) => {
    const s = { ...base, ...p };
    if (s.targets > available) throw new CampaignSpecError(`steps[${index}].targets`, `campaign step ${index} wants ${s.targets} targets but the spec selects ${available}`);
    const totalRate = perTarget ? s.rate * s.targets : s.rate;
    // one engine job per step: its count per target is bounded (engine PING_LIMITS.MAX_COUNT)
    const perTargetRate = totalRate / s.targets;
    const measured = Math.round(perTargetRate * s.durationS);
    const probes = Math.round(perTargetRate * s.warmupS) + measured;
    if (probes > MAX_PROBES_PER_TARGET) {
      throw new CampaignSpecError(`steps[${index}].durationS`, `campaign step ${index} sends ${probes} probes to each target (its per-target rate × (warmupS + durationS)); at most ${MAX_PROBES_PER_TARGET}: shorten the step, or split it into several`);
    }
    if (measured < 1) {
      throw new CampaignSpecError(`steps[${index}].durationS`, `campaign step ${index} measures no probe: ${perTargetRate} probes/s per target for ${s.durationS} s; lengthen durationS or raise the rate`);
    }
    return {
      index, totalRate, perTargetRate,
      packetSize: s.packetSize, concurrency: s.concurrency, targets: s.targets,
      durationS: s.durationS, warmupS: s.warmupS,
    };
  });
}

export function isLoopbackAddress(address: string): boolean {
  try {
    return ipaddr.process(address).range() === 'loopback';
  } catch {
    return false;
  }
}

/** Throws CampaignSpecError naming the cap and how to raise it when a step is over it. */
export function checkSafety(spec: CampaignSpec, steps: readonly ResolvedStep[], addresses: readonly string[]): void {
  const cap = spec.safety?.maxTotalPps ?? DEFAULT_MAX_TOTAL_PPS;
  const foreign = addresses.find((a) => !isLoopbackAddress(a));
  if (cap > DEFAULT_MAX_TOTAL_PPS && foreign !== undefined && spec.safety?.iOwnTheseTargets !== true) {
    throw new CampaignSpecError('safety.iOwnTheseTargets', `campaign spec safety.maxTotalPps = ${cap} is above the default cap of ${DEFAULT_MAX_TOTAL_PPS} probes/s and target ${foreign} is not loopback: `
      + 'add "iOwnTheseTargets: true" under safety in the spec to acknowledge that you own (or may load) every target');
  }
  if (foreign === undefined && cap > LOOPBACK_MAX_TOTAL_PPS && spec.safety?.iOwnTheseTargets !== true) {
    throw new CampaignSpecError('safety.maxTotalPps', `campaign spec safety.maxTotalPps = ${cap} is above the loopback cap of ${LOOPBACK_MAX_TOTAL_PPS} probes/s: add "iOwnTheseTargets: true" under safety to go higher`);
  }
  for (const step of steps) {
    if (step.totalRate > cap) {
      throw new CampaignSpecError(`steps[${step.index}].rate`, `campaign step ${step.index} offers ${step.totalRate} probes/s in total, above the safety cap safety.maxTotalPps = ${cap}${spec.safety?.maxTotalPps === undefined ? ' (the default)' : ''}: `
        + `raise safety.maxTotalPps in the spec${foreign !== undefined ? ` (above ${DEFAULT_MAX_TOTAL_PPS} for a non-loopback target such as ${foreign} it also needs safety.iOwnTheseTargets: true)` : ''}, or lower the step's rate`);
    }
  }
}
