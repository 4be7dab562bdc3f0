// Request validation: TypeBox schemas compiled once with Ajv. Params and query strings are
// coerced (a query is text); bodies are not (a string where a number belongs is a 400).
import { Ajv, type ErrorObject, type ValidateFunction } from 'ajv';
import type { TSchema } from '@sinclair/typebox';
import { HttpError } from './errors.js';

/** 8-4-4-4-12 hex digits, either case; a loop instead of a regular expression (every /{id} route checks one per request). */
export function isUuid(s: string): boolean {
  if (s.length !== 36) return false;
  for (let i = 0; i < 36; i++) {
    const c = s.charCodeAt(i);
    if (i === 8 || i === 13 || i === 18 || i === 23) {
      if (c !== 45) return false; // '-'
    } else if (!((c >= 48 && c <= 57) || (c >= 97 && c <= 102) || (c >= 65 && c <= 70))) {
      return false;
    }
  }
  return true;
}
const DATE_TIME = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?(Z|[+-]\d{2}:\d{2})$/i;

function makeAjv(coerce: boolean): Ajv {
  const ajv = new Ajv({ coerceTypes: coerce ? 'array' : false, useDefaults: true, allErrors: false, strict: false });
  ajv.addFormat('uuid', { type: 'string', validate: isUuid });
  ajv.addFormat('date-time', DATE_TIME);
  return ajv;
}

let coercing: Ajv | undefined;
let strict: Ajv | undefined;
const ajvFor = (where: Where): Ajv => (where === 'body' ? (strict ??= makeAjv(false)) : (coercing ??= makeAjv(true)));

export type Where = 'path' | 'query' | 'body';

export type Validator = (value: unknown) => void;

/**
 * Compiles once, on first use (so start-up does not pay for every route's schemas); the
 * returned function throws a 400 that names the field.
 */
export function compileValidator(schema: TSchema, where: Where): Validator {
  let validate: ValidateFunction | undefined;
  return (value) => {
    validate ??= ajvFor(where).compile(schema);
    if (!validate(value)) throw new HttpError(400, describe(validate.errors?.[0], where), `invalid ${where === 'path' ? 'path parameter' : where === 'query' ? 'query string' : 'request body'}`);
  };
}

function fieldOf(error: ErrorObject, where: Where): string {
  const path = error.instancePath.split('/').slice(1).map((s) => s.replace(/~1/g, '/').replace(/~0/g, '~'));
  const params = error.params as Record<string, unknown>;
  if (error.keyword === 'required' && typeof params.missingProperty === 'string') path.push(params.missingProperty);
  if (path.length === 0) return where === 'body' ? 'request body' : where === 'query' ? 'query string' : 'path';
  return path.map((p, i) => (/^\d+$/.test(p) ? `[${p}]` : i === 0 ? p : `.${p}`)).join('');
}

function describe(error: ErrorObject | undefined, where: Where): string {
  if (error === undefined) return `invalid ${where}`;
  const field = fieldOf(error, where);
  const params = error.params as Record<string, unknown>;
  switch (error.keyword) {
    case 'required':
      return `${field} is required`;
    case 'additionalProperties':
      return `${field === 'request body' || field === 'query string' ? '' : field + ': '}unknown field "${String(params.additionalProperty)}"`.replace(/^: /, '');
    case 'enum':
      return `${field} must be one of ${(params.allowedValues as unknown[]).map((v) => JSON.stringify(v)).join(', ')}`;
    case 'const':
      return `${field} must be ${JSON.stringify(params.allowedValue)}`;
    case 'format':
      return `${field} must be a valid ${String(params.format)}`;
    case 'type':
      return `${field} must be ${String(params.type)}`;
    default:
      return `${field} ${error.message ?? 'is invalid'}`;
  }
}
