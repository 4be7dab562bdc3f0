// Per-key token bucket: `perSecond` tokens added continuously, at most `burst` kept.

import { performance } from 'node:perf_hooks';
import { SondeError } from '../errors.js';
import type { RateLimitDecision, RateLimiter } from './types.js';

interface Bucket {
  tokens: number;
  lastMs: number;
}

export class TokenBucketLimiter implements RateLimiter {
  private readonly buckets = new Map<string, Bucket>();
  readonly perSecond: number;
  readonly burst: number;
  private readonly policy: string;

  constructor(options: { perSecond?: number; burst?: number } = {}) {
    this.perSecond = options.perSecond ?? 100;
    this.burst = options.burst ?? this.perSecond * 2;
    if (!(this.perSecond > 0) || !Number.isFinite(this.perSecond)) {
      throw new SondeError('invalid', `rateLimit.perSecond must be a positive number (got ${options.perSecond})`, 'rateLimit.perSecond');
    }
    if (!(this.burst >= 1) || !Number.isFinite(this.burst)) {
      throw new SondeError('invalid', `rateLimit.burst must be a number ≥ 1 (got ${options.burst})`, 'rateLimit.burst');
    }
    this.policy = `"per-key";q=${this.perSecond};w=1;burst=${Math.floor(this.burst)}`;
  }

  take(keyId: string, nowMs: number = performance.now()): RateLimitDecision {
    let b = this.buckets.get(keyId);
    if (!b) {
      b = { tokens: this.burst, lastMs: nowMs };
      this.buckets.set(keyId, b);
    } else if (nowMs > b.lastMs) {
      b.tokens = Math.min(this.burst, b.tokens + ((nowMs - b.lastMs) * this.perSecond) / 1000);
      b.lastMs = nowMs;
    }
    if (b.tokens >= 1) {
      b.tokens -= 1;
      return { ok: true, limit: Math.floor(this.burst), remaining: Math.floor(b.tokens), retryAfterSeconds: 0, policy: this.policy };
    }
    const retryAfterSeconds = Math.max(1, Math.ceil((1 - b.tokens) / this.perSecond));
    return { ok: false, limit: Math.floor(this.burst), remaining: 0, retryAfterSeconds, policy: this.policy };
  }

  /** Forget a key's bucket (e.g. after revocation). */
  forget(keyId: string): void {
    this.buckets.delete(keyId);
  }
}
