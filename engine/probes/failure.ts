// Classifies Node's network errors into ProbeFailureKind and writes messages that say
// what happened to what.

import type { ProbeFailure, ProbeFailureKind } from './types.js';

const KIND_BY_CODE: Record<string, ProbeFailureKind> = {
  ECONNREFUSED: 'refused',
  ETIMEDOUT: 'timeout',
  EHOSTUNREACH: 'unreachable',
  ENETUNREACH: 'unreachable',
  EHOSTDOWN: 'unreachable',
  ENETDOWN: 'unreachable',
  EADDRNOTAVAIL: 'unreachable',
  ECONNRESET: 'reset',
  EPIPE: 'reset',
  ECONNABORTED: 'reset',
  ENOTFOUND: 'name-not-found',
  ENODATA: 'name-not-found',
  EAI_NONAME: 'name-not-found',
  EAI_NODATA: 'name-not-found',
  ESERVFAIL: 'dns-failure',
  EREFUSED: 'dns-failure',
  EAI_AGAIN: 'dns-failure',
  EAI_FAIL: 'dns-failure',
  EBADRESP: 'dns-failure',
  EFORMERR: 'dns-failure',
  ETIMEOUT: 'timeout', // c-ares' spelling
  ECANCELLED: 'aborted',
  ABORT_ERR: 'aborted',
  HPE_INVALID_CONSTANT: 'protocol',
  HPE_INVALID_VERSION: 'protocol',
  HPE_INVALID_STATUS: 'protocol',
  HPE_INVALID_HEADER_TOKEN: 'protocol',
  HPE_HEADER_OVERFLOW: 'protocol',
  HPE_UNEXPECTED_CONTENT_LENGTH: 'protocol',
};

const TLS_CODE = /^(ERR_TLS_|ERR_SSL_|CERT_|UNABLE_TO_|DEPTH_ZERO_SELF_SIGNED_CERT|SELF_SIGNED_CERT_IN_CHAIN|ERR_OSSL_|HOSTNAME_MISMATCH)/;

/** The `code` of a Node system/library error, if it has one. */
export function errorCode(error: unknown): string | undefined {
  if (typeof error === 'object' && error !== null && 'code' in error) {
    const code = (error as { code: unknown }).code;
    if (typeof code === 'string') return code;
  }
  return undefined;
}

export function classifyErrorCode(code: string | undefined): ProbeFailureKind {
  if (code === undefined) return 'other';
  const kind = KIND_BY_CODE[code];
  if (kind) return kind;
  if (TLS_CODE.test(code)) return 'tls';
  if (code.startsWith('HPE_')) return 'protocol';
  return 'other';
}

const PHRASE: Record<ProbeFailureKind, string> = {
  refused: 'connection refused by',
  timeout: 'timed out talking to',
  unreachable: 'no route to',
  reset: 'connection reset by',
  'name-not-found': 'name not found:',
  'dns-failure': 'name resolution failed for',
  tls: 'TLS handshake failed with',
  'http-status': 'unexpected HTTP status from',
  body: 'unexpected response body from',
  protocol: 'invalid HTTP response from',
  aborted: 'probe cancelled for',
  other: 'probe failed for',
};

/** A ProbeFailure for a caught error; `peer` names the target (host:port, URL or name). */
export function failureFromError(error: unknown, peer: string): ProbeFailure {
  // Happy-eyeballs connects (Node 20's autoSelectFamily) fail with an AggregateError
  // whose message is empty: report its first attempt.
  const first = error instanceof AggregateError && error.errors.length > 0 ? error.errors[0] : undefined;
  const code = errorCode(error) ?? errorCode(first);
  const kind = classifyErrorCode(code);
  let detail = error instanceof Error ? error.message : String(error);
  if (detail === '' && first instanceof Error) detail = first.message;
  if (detail === '') detail = code ?? 'unknown error';
  return {
    kind,
    message: `${PHRASE[kind]} ${peer}: ${detail}`,
    ...(code !== undefined ? { code } : {}),
  };
}

/** The failure of a probe that hit its deadline. The text is contract D's, word for word. */
export function timeoutFailure(timeoutMs: number): ProbeFailure {
  return { kind: 'timeout', message: `Probe exceeded timeout of ${timeoutMs} ms` };
}

export function abortedFailure(peer: string): ProbeFailure {
  return { kind: 'aborted', message: `probe cancelled for ${peer}` };
}
