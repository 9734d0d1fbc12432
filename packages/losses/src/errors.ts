/**
 * Typed errors of @splitmask/losses. They extend core's hierarchy, so `instanceof SplitmaskError` and the
 * stable `code` work across packages; each message names the offending value.
 */
import { InvalidArgumentError, SplitmaskError } from '@splitmask/core';

/**
 * A contrastive loss got a batch too small to hold a negative (InfoNCE with B = 1 has one logit per row,
 * so its loss is identically 0 and its gradient vanishes: almost certainly a bug upstream).
 * @example
 * try { infoNCE(za, zb); } catch (e) { if (e instanceof NoNegativesError) skipContrastive = true; }
 */
export class NoNegativesError extends InvalidArgumentError {}

/**
 * A loss or metric read back on the host is NaN or ±Infinity (thrown by `assertFinite`).
 * @example
 * try { assertFinite({ loss }); } catch (e) { if (e instanceof NonFiniteError) saveDebugDump(e.key, e.value); }
 */
export class NonFiniteError extends SplitmaskError {
  /** Name of the offending entry, e.g. `'loss/mim'`. */
  readonly key: string;
  /** The offending value (first non-finite element for a tensor). */
  readonly value: number;
  constructor(key: string, value: number, message: string) {
    super('NON_FINITE', message);
    this.key = key;
    this.value = value;
  }
}
