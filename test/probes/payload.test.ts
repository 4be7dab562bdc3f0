import { describe, expect, it } from 'vitest';
import { buildProbePayload, modelHeaders } from '../../engine/probes/payload.js';

describe('buildProbePayload', () => {
  it('sends an explicit payload byte for byte', () => {
    expect(buildProbePayload({ payloadType: 'TEXT', payload: 'ping' })).toEqual({ body: Buffer.from('ping'), contentType: 'text/plain; charset=utf-8' });
    expect(buildProbePayload({ payloadType: 'JSON', payload: '{"input":"héllo"}' }).body.toString()).toBe('{"input":"héllo"}');
    expect(buildProbePayload({ payloadType: 'BINARY', payload: 'abc' }).contentType).toBe('application/octet-stream');
  });

  it('makes synthetic payloads of exactly the size asked, valid for their type', () => {
    for (const size of [0, 1, 2, 3, 64, 1000]) {
      for (const payloadType of ['TEXT', 'JSON', 'BINARY'] as const) {
        const { body } = buildProbePayload({ payloadType, payloadSizeBytes: size });
        expect(body.length).toBe(size);
        if (payloadType === 'JSON' && size > 0) expect(() => JSON.parse(body.toString())).not.toThrow();
      }
    }
  });

  it('defaults to the text "ping"', () => {
    expect(buildProbePayload({}).body.toString()).toBe('ping');
    expect(buildProbePayload({ payloadType: 'JSON' }).body.toString()).toBe('"ping"');
  });

  it('rejects contradictory or invalid specs with the field named', () => {
    expect(() => buildProbePayload({ payload: 'x', payloadSizeBytes: 1 })).toThrow(expect.objectContaining({ field: 'payload' }));
    expect(() => buildProbePayload({ payloadType: 'JSON', payload: '{nope' })).toThrow(expect.objectContaining({ field: 'payload' }));
    expect(() => buildProbePayload({ payloadSizeBytes: -1 })).toThrow(expect.objectContaining({ field: 'payloadSizeBytes' }));
    expect(() => buildProbePayload({ payloadSizeBytes: 1.5 })).toThrow(expect.objectContaining({ field: 'payloadSizeBytes' }));
    expect(() => buildProbePayload({ payloadType: 'XML' as 'TEXT' })).toThrow(expect.objectContaining({ field: 'payloadType' }));
  });
});

describe('modelHeaders', () => {
  it('carries only the metadata that is set', () => {
    expect(modelHeaders({ targetType: 'LLM', provider: 'OPENAI', modelIdentifier: 'gpt-4o-mini' })).toEqual({
      'x-sonde-target-type': 'LLM',
      'x-sonde-provider': 'OPENAI',
      'x-sonde-model': 'gpt-4o-mini',
    });
    expect(modelHeaders({ targetType: 'HTTP', provider: null })).toEqual({ 'x-sonde-target-type': 'HTTP' });
  });
});
