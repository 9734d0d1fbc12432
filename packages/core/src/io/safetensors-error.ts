import { SplitmaskError } from '../errors';

/** Why a safetensors file was rejected (the `code` of a {@link SafetensorsError}). */
export type SafetensorsErrorCode =
  | 'SAFETENSORS_HEADER_TOO_LARGE'
  | 'SAFETENSORS_INVALID_HEADER'
  | 'SAFETENSORS_TRUNCATED'
  | 'SAFETENSORS_INVALID_OFFSETS'
  | 'SAFETENSORS_UNKNOWN_DTYPE'
  | 'SAFETENSORS_MISMATCH'
  | 'SAFETENSORS_INVALID_VALUE'
  | 'SAFETENSORS_HEADER_TOO_DEEP'
  | 'SAFETENSORS_TOO_MANY_TENSORS'
  | 'SAFETENSORS_NON_FINITE'
  | 'SAFETENSORS_NOT_A_FILE';

/**
 * A safetensors file or buffer is malformed, or does not hold what the caller expected. `file` is the
 * path (or `<bytes>` for in-memory buffers) and `tensor` the offending tensor when there is one; both are
 * also in the message.
 * @example
 * try { await loadSafetensors('ckpt.safetensors'); }
 * catch (e) { if (e instanceof SafetensorsError && e.code === 'SAFETENSORS_TRUNCATED') retry(); }
 */
export class SafetensorsError extends SplitmaskError {
  declare readonly code: SafetensorsErrorCode;
  readonly file: string;
  readonly tensor: string | undefined;
  constructor(
    code: SafetensorsErrorCode,
    where: { file?: string; tensor?: string },
    message: string,
    options?: { cause?: unknown },
  ) {
    const file = where.file ?? '<bytes>';
    const prefix = where.tensor === undefined ? file : `${file}: tensor '${where.tensor}'`;
    super(code, `${prefix}: ${message}`, options);
    this.file = file;
    this.tensor = where.tensor;
  }
}
