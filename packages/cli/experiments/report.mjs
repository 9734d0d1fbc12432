/**
 * The report of a results document: `<name>.md` (tables, notes), `<name>.json` and the PNG plots.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { markdownTable, metricsMarkdown, plotConfusion, plotCurves } from '@splitmask/eval';
import { writePng } from '@splitmask/eval/node';

/** A paragraph on the DINO arm's end state (collapse monitors), or '' without one. */
function dinoNote(doc) {
  const d = doc.results.dino;
  if (!d?.finalLoss) return '';
  const f = d.finalLoss;
  const m = doc.config.dino?.optim?.momentumTeacher ?? 0.996;
  const h =
    f.teacherEntropy === undefined
      ? ''
      : ` teacher entropy ${f.teacherEntropy.toFixed(2)} of log K = ${f.logK.toFixed(2)} (near log K: the teacher gives
close to uniform outputs; near 0: one-dimension collapse), KL to the center ${f.klToCenter.toFixed(3)};`;
  return `DINO after ${d.pretrainSteps} steps${doc.seeds ? ` (seed ${doc.seeds[0]})` : ''}: loss ${f.dino.toFixed(4)};${h} the teacher's EMA momentum runs cosine ${m} → 1
over the run, so after a short run the evaluated teacher is still close to its initialisation (not the
random arm's: DINO initialises its own ViT from the seed).

`;
}

/** "81.40" for one seed, "81.40 ± 0.35" over several; "(n=1)" where other cells have more seeds. */
function cellOf(e, maxN = 1) {
  if (!e) return '—';
  const n = e.n ?? 1;
  const v = n > 1 ? `${e.top1.toFixed(2)} ± ${e.top1Std.toFixed(2)}` : e.top1.toFixed(2);
  return n < maxN ? `${v} (n=${n})` : v;
}

const ARM_LABEL = {
  pixels: 'raw pixels (k-NN; logistic regression)',
  scratch: 'supervised from scratch',
};

/** The headline table's rows: one per arm, the label fractions as columns. */
function tableRows(doc) {
  const fr = doc.config.finetune.fractions.map(([f]) => String(f));
  const n = doc.seeds?.length ?? 1;
  return Object.entries(doc.results).map(([method, r]) => ({
    method: ARM_LABEL[method] ?? method,
    'k-NN': cellOf(r.knn, n),
    linear: cellOf(r.linear, n),
    ...Object.fromEntries(fr.map((f) => [`${Number(f) * 100}% labels`, cellOf(r.finetunes[f], n)])),
  }));
}

/** The frozen-feature logistic-regression table: one row per arm that has one. */
function logregRows(doc) {
  const fr = doc.config.finetune.fractions.map(([f]) => String(f));
  const n = doc.seeds?.length ?? 1;
  return Object.entries(doc.results)
    .filter(([, r]) => r.logreg)
    .map(([method, r]) => ({
      features: method === 'pixels' ? 'raw pixels' : method,
      ...Object.fromEntries(fr.map((f) => [`${Number(f) * 100}% labels`, cellOf(r.logreg[f], n)])),
    }));
}

/** Training images seen per arm (pretraining + fine-tuning, or the supervised run), at each fraction. */
function budgetRows(doc) {
  const fr = doc.config.finetune.fractions.map(([f]) => String(f));
  return Object.entries(doc.results)
    .filter(([m]) => m !== 'pixels')
    .map(([method, r]) => ({
      method: ARM_LABEL[method] ?? method,
      pretraining: r.pretrainImages ?? 0,
      ...Object.fromEntries(
        fr.map((f) => {
          const ft = r.finetunes[f];
          return [
            `${Number(f) * 100}%: epochs, images seen`,
            ft ? `${ft.epochs}, ${(r.pretrainImages ?? 0) + ft.imagesSeen}` : '—',
          ];
        }),
      ),
    }));
}

const COLOUR_NAMES = ['blue', 'orange', 'green', 'red', 'purple', 'brown', 'pink', 'grey'];

/**
 * Writes `<name>.md`, `<name>.json` and the PNGs of a results object (also usable to re-render a saved
 * JSON). `doc.notes` (optional, Markdown paragraphs): the reading of the numbers, kept in the JSON so a
 * re-render keeps it.
 */
export async function writeReport(out, doc) {
  mkdirSync(out, { recursive: true });
  const fr = doc.config.finetune.fractions.map(([f]) => String(f));
  const full = fr.at(-1);
  const curved = Object.entries(doc.results).filter(([, r]) => r.finetunes[full]?.curve);
  await writePng(
    join(out, `${doc.name}-finetune.png`),
    plotCurves(
      curved.map(([k, r]) => ({ name: k, values: r.finetunes[full].curve.map((v) => v ?? Number.NaN) })),
    ),
  );
  const monitored = Object.entries(doc.results).filter(([, r]) => r.pretrainCurve?.length);
  if (monitored.length)
    await writePng(
      join(out, `${doc.name}-pretrain-knn.png`),
      plotCurves(monitored.map(([k, r]) => ({ name: k, values: r.pretrainCurve.map((p) => p.top1) }))),
    );
  const best = doc.results.splitmask?.finetunes[full]?.metrics
    ? ['splitmask', doc.results.splitmask]
    : (curved.at(-1) ?? Object.entries(doc.results).at(-1));
  await writePng(
    join(out, `${doc.name}-confusion.png`),
    plotConfusion(best[1].finetunes[full].metrics.confusion),
  );
  const seedText = doc.seeds
    ? `seeds ${doc.seeds.join(', ')} (mean ± sample std over ${doc.seeds.length})`
    : `seed ${doc.seed}`;
  const split = doc.split
    ? `${doc.split.train} train images${doc.split.validation ? `, ${doc.split.validation} held out from the train split for validation (class-balanced, seed ${doc.split.validationSeed})` : ''}; evaluated on ${doc.evaluatedOn === 'validation' ? `the **validation** split (${doc.split.evaluated} images) — a recipe-selection run, not a test result` : `${doc.split.test} test images`}`
    : '';
  const curveText = (entries, what) =>
    entries.map(([k], i) => `${k} = ${COLOUR_NAMES[i % COLOUR_NAMES.length]}`).join(', ') + `; ${what}`;
  const monitorEvery = doc.config.pretrainMonitorEvery;
  const md = `# ${doc.name}

${
  doc.preset === 'smoke'
    ? `> **What this is:** the output of the "smoke" preset, a few-minute plumbing check of the harness
> (tiny model, ${doc.config.pretrain.train.steps} pretraining steps, 1–3 fine-tuning epochs, ${doc.config.trainImages} train /
> ${doc.config.testImages} test images). It shows the pipeline runs end to end; its numbers say **nothing** about
> the paper's claim.\n`
    : ''
}
Preset **${doc.preset}** (${doc.note}); ${seedText}; backend ${doc.backend}; total ${(doc.seconds / 60).toFixed(1)} min.
${split ? `\nData: ${doc.data}, ${split}.\n` : ''}
Command: \`${doc.command}\`
${
  doc.parts && doc.parts.length > 1
    ? `\nRun as ${doc.parts.length} processes (\`--jobs\`: tfjs-wasm uses one core each): ${doc.parts
        .map((p) => `${p.methods.join(' + ')} ${(p.seconds / 60).toFixed(1)} min`)
        .join('; ')}.\n`
    : ''
}
${Object.keys(doc.results).join(' vs ')}. Encoders are pretrained only on the training images (no labels; DINO is
evaluated through its EMA teacher's backbone), then evaluated with DINO's weighted k-NN (k=${doc.config.knn.k},
T=${doc.config.knn.temperature}), BEiT's linear probe on frozen mean-pooled features, and fine-tuning with
${fr.map((f) => `${Number(f) * 100}%`).join(' / ')} of the training labels (class-balanced, seeded). Baselines on the same
split: raw pixels (the same k-NN on the flattened pixels; standardised-pixel logistic regression at each
fraction, C chosen on the validation split) and the same ViT trained from scratch on the labels alone. All
numbers: top-1 in percent.

${markdownTable(tableRows(doc))}
${
  Object.values(doc.results).some((r) => r.logreg)
    ? `Frozen features (mean-pooled; raw pixels for the first row) + standardised logistic regression at each
label fraction, C from {${(doc.config.pixels?.Cs ?? [1]).join(', ')}} picked on the validation split:

${markdownTable(logregRows(doc))}
`
    : ''
}Training images seen per arm (pretraining steps × batch + fine-tuning epochs × labelled images):

${markdownTable(budgetRows(doc))}
Fine-tuning with ${Number(full) * 100}% of the labels, top-1 after each epoch (${curveText(curved, 'y axis 0–100%')}):

![fine-tuning curves](${doc.name}-finetune.png)
${
  monitored.length
    ? `\nPretraining k-NN monitor${monitorEvery ? ` every ${monitorEvery} steps` : ''} (on the ${doc.split?.validation ? 'validation split' : 'evaluation images'}; ${curveText(monitored, 'x = monitor point from step 0, y 0–100%')}):

![pretraining k-NN](${doc.name}-pretrain-knn.png)

${markdownTable(
  monitored.map(([k, r]) => ({
    method: k,
    ...Object.fromEntries(r.pretrainCurve.map((p) => [`step ${p.step}`, p.top1])),
  })),
)}`
    : ''
}
Confusion matrix of ${best[0]}, ${Number(full) * 100}% labels${doc.seeds ? `, seed ${doc.seeds[0]}` : ''} (rows = true class):

![confusion](${doc.name}-confusion.png)

${metricsMarkdown(best[1].finetunes[full].metrics, doc.classNames)}
${dinoNote(doc)}${(doc.notes ?? []).map((n) => `${n}\n\n`).join('')}Pretraining time per arm (s${doc.seeds ? ', mean over seeds' : ''}): ${Object.entries(
    doc.results,
  )
    .map(([k, r]) => `${k} ${r.pretrainSeconds.toFixed(0)}`)
    .join(', ')}.
Full results (every seed) and the resolved config: \`${doc.name}.json\`. The encoders were saved (timm names, not
committed) as \`<--encoders>/${doc.name}-s<seed>-<method>.safetensors\`; \`splitmask eval knn --checkpoint <file> --data ${doc.data}\`
re-evaluates one.
`;
  writeFileSync(join(out, `${doc.name}.md`), md);
  writeFileSync(join(out, `${doc.name}.json`), `${JSON.stringify(doc, null, 1)}\n`);
}
