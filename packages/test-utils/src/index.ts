/**
 * Shared test helpers for every splitmask package (private; consumed from source by vitest).
 */

export type { TestBackend } from './backends';
export { describeEachBackend, testBackends, useBackend } from './backends';
export { expectClose, maxAbsDiff } from './close';
export { loadFixture, loadJsonFixture } from './fixtures';
export { expectNoLeak, expectNoLeakAsync } from './leaks';
