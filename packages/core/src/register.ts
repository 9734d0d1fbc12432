/**
 * Side effects of importing @splitmask/core: tfjs-core's Node (CJS) build registers neither gradient
 * functions nor chained ops (`x.add(y)`); the browser build does. Registration is idempotent and the
 * registries are process-global, so this is safe next to `@tensorflow/tfjs` or another copy of core.
 */
import '@tensorflow/tfjs-core/dist/register_all_gradients';
import '@tensorflow/tfjs-core/dist/public/chained_ops/register_all_chained_ops';
