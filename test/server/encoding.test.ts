// Accept-Encoding negotiation for the answers sonde sends gzip-compressed.
import { describe, expect, it } from 'vitest';
import { acceptsGzip } from '../../server/http/encoding.js';

describe('acceptsGzip', () => {
  it.each([
    ['', false],
    ['gzip', true],
    ['gzip, deflate, br', true],
    ['br;q=1, gzip;q=0.8', true],
    ['*', true],
    ['GZIP', true],
    ['deflate', false],
    ['gzip;q=0', false],
    ['gzip;q=0, identity', false],
    ['identity;q=1, gzip;q=0.5', false],
    ['identity;q=0.1, gzip;q=0.5', true],
    ['not a header ;;; ,,', false],
  ])('Accept-Encoding "%s" → %s', (header, want) => {
    expect(acceptsGzip(header)).toBe(want);
  });
});
