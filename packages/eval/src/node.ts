/**
 * @splitmask/eval/node — the Node-only parts: checkpoint loading, PNG files and the `splitmask eval` CLI.
 */

export type { LoadedEncoder } from './node/checkpoint';
export { EvalCheckpointError, loadEncoderCheckpoint, saveEncoderTimm } from './node/checkpoint';
export type { EvalArgs, EvalFileConfig, EvalReport } from './node/cli';
export {
  EVAL_FLAGS,
  EVAL_USAGE,
  evalArgsFromFlags,
  parseEvalArgs,
  runEval,
  runEvalCli,
  validateEvalConfig,
} from './node/cli';
export { encodePng, writePng } from './node/png';
