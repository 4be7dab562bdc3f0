// Error envelopes per API contract. Each route names the envelope of the contract it belongs
// to; every error on that route (auth, rate limit, body size, validation, handler failures)
// is rendered through it. Contract route modules register their own envelope here.
import type { TSchema } from '@sinclair/typebox';
import type { HttpErrorKind } from './errors.js';
import { NativeError } from './common-schemas.js';

export interface ErrorInfo {
  status: number;
  kind: HttpErrorKind;
  message: string;
  details?: string;
  /** HttpError.reason, when there is one. */
  reason?: string;
}

export interface ErrorEnvelope {
  readonly name: string;
  render(error: ErrorInfo): unknown;
  /** The error body's schema, for /openapi.json (components.schemas.<name>Error). */
  readonly schema?: TSchema;
  /** A route-specific variant names its contract's general envelope, used where no route matches. */
  readonly variantOf?: string;
  /** Headers to add to the error answer: where a contract's body has no room for sonde's detail. */
  headers?(error: ErrorInfo): Readonly<Record<string, string>> | undefined;
}

/** A header value from free text: printable ASCII only (uWS writes latin1; no CR/LF). */
export function headerText(text: string): string {
  return text.replace(/[^\x20-\x7e]/g, '?');
}

/** sonde's native /v1 API (docs/contracts.md#native-envelope) and the node/stream contracts' shape. */
export const nativeEnvelope: ErrorEnvelope = {
  name: 'native',
  schema: NativeError,
  render: ({ status, message, details, reason }) => {
    const body: Record<string, string | number> = { error: message };
    if (details !== undefined) body.details = details;
    body.code = status;
    if (reason !== undefined) body.reason = reason;
    return body;
  },
};

const registry = new Map<string, ErrorEnvelope>([[nativeEnvelope.name, nativeEnvelope]]);

export function registerEnvelope(envelope: ErrorEnvelope): void {
  const existing = registry.get(envelope.name);
  if (existing !== undefined && existing !== envelope) {
    throw new Error(`error envelope "${envelope.name}" is already registered by another module; pick a distinct name`);
  }
  registry.set(envelope.name, envelope);
}

export function envelopeNamed(name: string): ErrorEnvelope {
  const envelope = registry.get(name);
  if (envelope === undefined) {
    throw new Error(`no error envelope named "${name}"; register it with registerEnvelope() before adding its routes`);
  }
  return envelope;
}
