import { useBackend, webgpuEnabled } from '@splitmask/test-utils';
import * as tf from '@tensorflow/tfjs-core';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { allShaderSources } from './kernels';

test.skipIf(webgpuEnabled())(
  'WGSL compile check skipped: webgpu is off in this run (eval "$(tools/setup-webgpu.sh)" to run it)',
  () => {},
);

interface CompilationMessage {
  type: string;
  message: string;
  lineNum: number;
}
interface ShaderModuleLike {
  getCompilationInfo(): Promise<{ messages: CompilationMessage[] }>;
}

// An invalid pipeline makes its dispatches no-ops (outputs keep whatever the pooled buffer held), so
// every source is compiled here and must give no error and no warning on this adapter.
describe.runIf(webgpuEnabled())('WGSL sources [webgpu]', { timeout: 120_000 }, () => {
  beforeAll(async () => {
    await useBackend('webgpu');
  }, 60_000);
  afterAll(async () => {
    await useBackend('cpu');
  });

  test('every kernel source compiles without errors or warnings', async () => {
    const device = (
      tf.backend() as unknown as { device: { createShaderModule(d: { code: string }): ShaderModuleLike } }
    ).device;
    const problems: string[] = [];
    const sources = allShaderSources();
    expect(sources.length).toBeGreaterThan(30);
    for (const [key, code] of sources) {
      const info = await device.createShaderModule({ code }).getCompilationInfo();
      for (const m of info.messages) problems.push(`${key}:${m.lineNum} ${m.type}: ${m.message}`);
    }
    expect(problems).toEqual([]);
  });
});
