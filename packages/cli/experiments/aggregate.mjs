/**
 * Results documents combined: the mean ± sample std over seeds, and partial runs (groups of arms, seeds)
 * merged into one document.
 */

const mean = (xs) => xs.reduce((a, b) => a + b, 0) / xs.length;
/** Sample standard deviation (n − 1), 0 for one value. */
const std = (xs) =>
  xs.length < 2 ? 0 : Math.sqrt(xs.reduce((a, x) => a + (x - mean(xs)) ** 2, 0) / (xs.length - 1));

/** { top1, top5 } over seeds → { top1 (mean), top1Std, top5, n, values }. */
function meanStd(entries) {
  const top1 = entries.map((e) => e.top1);
  return {
    top1: mean(top1),
    top1Std: std(top1),
    top5: mean(entries.map((e) => e.top5)),
    n: top1.length,
    values: top1,
  };
}

/** Mean of equal-length curves, point by point (keys `key` of each point, or the numbers themselves). */
function meanCurve(curves, key) {
  const n = Math.min(...curves.map((c) => c.length));
  return Array.from({ length: n }, (_, i) => {
    const pts = curves.map((c) => (key ? c[i][key] : c[i]));
    if (!key) return pts.some((p) => p === null || Number.isNaN(p)) ? null : mean(pts); // null: not evaluated
    return { ...curves[0][i], [key]: mean(pts), [`${key}Std`]: std(pts) };
  });
}

/**
 * Per-seed results documents (same preset, data and config; every arm in each) → one document whose
 * `results` hold the mean over seeds with `top1Std` (sample std) and `n`, and `seedResults` the raw ones.
 */
export function aggregateSeeds(docs, { name, command, wallSeconds, partial = false } = {}) {
  const [first] = docs;
  for (const d of docs) {
    for (const k of ['preset', 'data', 'backend'])
      if (d[k] !== first[k])
        throw new Error(`cannot aggregate results with different ${k}: ${first[k]} vs ${d[k]}`);
    if (JSON.stringify(d.config) !== JSON.stringify(first.config))
      throw new Error('cannot aggregate results of different configs');
  }
  const seeds = docs.map((d) => d.seed);
  if (new Set(seeds).size !== seeds.length) throw new Error(`cannot aggregate repeated seeds: ${seeds}`);
  const results = {};
  const arms = [...new Set(docs.flatMap((d) => Object.keys(d.results)))];
  for (const method of arms) {
    const all = docs.map((d) => d.results[method]);
    if (!partial && all.some((r) => !r)) throw new Error(`arm '${method}' is missing from some seeds`);
    const rs = all.filter(Boolean); // partial: each arm over the seeds that ran it (its n says how many)
    const r0 = rs[0];
    const finetunes = {};
    for (const f of new Set(rs.flatMap((r) => Object.keys(r.finetunes ?? {})))) {
      // partial: a fraction over the seeds that ran it (merge-arms: e.g. a same-budget run of two seeds)
      const fs = rs.map((r) => r.finetunes?.[f]).filter(Boolean);
      finetunes[f] = {
        ...fs[0],
        ...meanStd(fs),
        ...(fs[0].curve && { curve: meanCurve(fs.map((x) => x.curve)) }),
        metrics: fs[0].metrics,
        seconds: mean(fs.map((x) => x.seconds)),
      };
    }
    results[method] = {
      ...r0,
      ...(r0.knn && { knn: meanStd(rs.map((r) => r.knn)) }),
      ...(r0.linear && { linear: meanStd(rs.map((r) => r.linear)) }),
      ...(r0.logreg && {
        logreg: Object.fromEntries(
          Object.keys(r0.logreg).map((f) => [f, { ...r0.logreg[f], ...meanStd(rs.map((r) => r.logreg[f])) }]),
        ),
      }),
      finetunes,
      pretrainSeconds: mean(rs.map((r) => r.pretrainSeconds)),
      ...(r0.pretrainCurve && {
        pretrainCurve: meanCurve(
          rs.map((r) => r.pretrainCurve),
          'top1',
        ),
      }),
    };
  }
  return {
    ...first,
    name: name ?? first.name,
    command: command ?? first.command,
    seed: undefined,
    seeds,
    seconds: wallSeconds ?? docs.reduce((a, d) => a + d.seconds, 0),
    parts: docs.flatMap(
      (d) => d.parts ?? [{ methods: Object.keys(d.results), seconds: d.seconds, command: d.command }],
    ),
    results,
    seedResults: Object.fromEntries(docs.map((d) => [d.seed, d.results])),
  };
}

/**
 * Several results JSONs (the same preset, seed and data; different methods) → one report, methods in
 * `order` (default: as they come). `seconds` becomes `wallSeconds` when given (parallel runs).
 */
export function mergeResults(docs, { name, order, command, wallSeconds } = {}) {
  const [first] = docs;
  for (const d of docs) {
    for (const k of ['preset', 'seed', 'data', 'backend']) {
      if (d[k] !== first[k])
        throw new Error(`cannot merge results with different ${k}: ${first[k]} vs ${d[k]}`);
    }
    if (JSON.stringify(d.config) !== JSON.stringify(first.config))
      throw new Error('cannot merge results of different configs');
  }
  const all = Object.assign({}, ...docs.map((d) => d.results));
  const methods = order ?? Object.keys(all);
  return {
    ...first,
    name: name ?? first.name,
    command: command ?? first.command,
    seconds: wallSeconds ?? Math.max(...docs.map((d) => d.seconds)),
    parts: docs.map((d) => ({ methods: Object.keys(d.results), seconds: d.seconds, command: d.command })),
    results: Object.fromEntries(methods.filter((m) => all[m]).map((m) => [m, all[m]])),
  };
}

/**
 * Partial results (any mix of seeds and arms of one preset/config) → one document: the parts of each
 * seed merged (mergeResults), then, with several seeds, aggregated (aggregateSeeds; `partial`: arms may
 * have run under fewer seeds than others, and each cell says its n). Arms in `order`.
 */
export function combineResults(docs, { name, order, command, wallSeconds, partial = false } = {}) {
  const bySeed = new Map();
  // an already aggregated report contributes each of its seeds
  const flat = docs.flatMap((d) =>
    d.seedResults
      ? Object.entries(d.seedResults).map(([seed, results]) => ({
          ...d,
          seed: Number(seed),
          seeds: undefined,
          seedResults: undefined,
          results,
        }))
      : [d],
  );
  for (const d of flat) bySeed.set(d.seed, [...(bySeed.get(d.seed) ?? []), d]);
  const perSeed = [...bySeed.values()].map((parts) =>
    mergeResults(parts, { name, order, command, wallSeconds }),
  );
  if (perSeed.length === 1) return perSeed[0];
  const doc = aggregateSeeds(perSeed, {
    name,
    command,
    partial,
    wallSeconds: wallSeconds ?? perSeed.reduce((a, d) => a + d.seconds, 0),
  });
  // arms in the requested order (a partial seed may have run fewer, in another order)
  const arms = order ?? Object.keys(doc.results);
  return {
    ...doc,
    results: Object.fromEntries(arms.filter((m) => doc.results[m]).map((m) => [m, doc.results[m]])),
  };
}
