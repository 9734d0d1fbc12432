/**
 * Typed errors shared by every splitmask package. Each carries a stable `code` so apps can branch on it
 * without parsing messages; messages always name the offending value, file or shape.
 */
export class SplitmaskError extends Error {
  readonly code: string;
  constructor(code: string, message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = new.target.name;
    this.code = code;
  }
}

/** A value (argument, config field, tensor shape) is outside what the function accepts. */
export class InvalidArgumentError extends SplitmaskError {
  constructor(message: string, options?: { cause?: unknown }) {
    super('INVALID_ARGUMENT', message, options);
  }
}

/** Tensor shapes do not match what the function expects. */
export class ShapeError extends SplitmaskError {
  constructor(message: string, options?: { cause?: unknown }) {
    super('SHAPE_MISMATCH', message, options);
  }
}

/** Throws an InvalidArgumentError when `condition` is false. */
export function check(condition: unknown, message: string | (() => string)): asserts condition {
  if (!condition) throw new InvalidArgumentError(typeof message === 'string' ? message : message());
}
