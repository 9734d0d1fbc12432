// Rebuilds a committed report with its SplitMask arm replaced by new SplitMask runs (as done on 5 Dec 2026 for
// fashion-mnist-standard and mnist-standard after the split/InfoNCE change): the other arms (pixels, scratch,
// BEiT) do not read the SplitMask settings that changed, so they are kept; their config field is set to the
// new runs' so the merge accepts them.
//   node packages/cli/experiments/replace-arm.mjs <base.json> <name> <out> <notes.json> <parts.json>...
import { readFileSync } from 'node:fs';
import { combineResults, writeReport } from './fashion-mnist.mjs';

const [basePath, name, out, notesFile, ...parts] = process.argv.slice(2);
const old = JSON.parse(readFileSync(basePath, 'utf8'));
const fresh = parts.map((f) => JSON.parse(readFileSync(f, 'utf8')));
const config = fresh[0].config;
const strip = (results) => {
  delete results.splitmask;
  return results;
};
const base = old.seedResults
  ? {
      ...old,
      config,
      results: undefined,
      notes: undefined,
      seedResults: Object.fromEntries(Object.entries(old.seedResults).map(([k, r]) => [k, strip(r)])),
    }
  : { ...old, config, notes: undefined, results: strip(old.results) };
const doc = combineResults([base, ...fresh], {
  name,
  order: ['pixels', 'scratch', 'beit', 'splitmask', 'dino'],
  partial: true,
});
const oldCommands = old.parts ? old.parts.map((p) => p.command) : [old.command];
doc.command = `${oldCommands.join('  +  ')}  +  ${fresh.map((d) => d.command).join('  +  ')} (merged: SplitMask re-run with random halves and InfoNCE weight 0.3)`;
doc.notes = JSON.parse(readFileSync(notesFile, 'utf8'));
await writeReport(out, doc);
console.log(
  JSON.stringify(
    Object.fromEntries(Object.entries(doc.results).map(([k, v]) => [k, Object.keys(v).slice(0, 6)])),
  ),
);
