/**
 * Shared test helpers for every splitmask package (private; consumed from source by vitest).
 */

export type { EachBackendOptions, TestBackend } from './backends';
export { describeEachBackend, expectCloseAsync, testBackends, useBackend, webgpuEnabled } from './backends';
export { expectClose, maxAbsDiff } from './close';
export { loadFixture, loadJsonFixture } from './fixtures';
export { expectNoLeak, expectNoLeakAsync } from './leaks';
