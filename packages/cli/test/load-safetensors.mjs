// Child process of reliability.test.ts: tries one reader on one file and prints what happened as JSON:
// the error code, the file the error names, milliseconds to reject and the peak RSS of this process.
import { loadSafetensors, loadSafetensorsSync, openSafetensors } from '@splitmask/core/node';

const readers = { loadSafetensors, loadSafetensorsSync, openSafetensors };

const [fn, file] = process.argv.slice(2);
const baseMB = process.resourceUsage().maxRSS / 1024;
const t0 = performance.now();
let result;
try {
  const r = await readers[fn](file);
  if (r && typeof r.close === 'function') await r.close();
  result = { code: 'ACCEPTED', file };
} catch (e) {
  result = { code: e.code ?? e.name, file: e.file, message: String(e.message).slice(0, 200) };
}
result.ms = Math.round((performance.now() - t0) * 10) / 10;
result.maxRssMB = Math.round(process.resourceUsage().maxRSS / 1024);
result.baseRssMB = Math.round(baseMB);
process.stdout.write(JSON.stringify(result));
