#!/usr/bin/env bash
# The recipe sweep of docs/results/recipe-sweep.md: every run scores the VALIDATION split (--eval val),
# never the test images. Needs the SplitMask encoder of the standard preset, seed 0, pretrained by the
# first command (saved in $ENC); the others reuse it (--reuse-encoders 1) and vary one recipe field at 10 %
# labels. Two runs at a time (one per core).
set -euo pipefail
ENC=${ENC:-/tmp/splitmask-sweep-encoders}
OUT=${OUT:-/tmp/splitmask-sweep}
H="node packages/cli/experiments/fashion-mnist.mjs --preset standard --eval val --seed 0 --encoders $ENC --backend wasm --workers 1"
C=packages/cli/experiments/configs/sweep
# 1. the standard recipe: SplitMask pretraining (k-NN monitor) + fine-tuning at 1/10/100 %; scratch + pixels
$H --methods splitmask --name val-splitmask --out $OUT/standard &
$H --methods scratch,pixels --name val-scratch --out $OUT/standard &
wait
# 2. one change at a time at 10 % labels (the pretrained encoder reused)
for cfg in imagenet-recipe layer-decay-0.65 layer-decay-1 lr-2e-3; do
  $H --methods splitmask --name val-splitmask --reuse-encoders 1 --config $C/$cfg.json --out $OUT/$cfg &
  if [ "$cfg" = imagenet-recipe ] || [ "$cfg" = lr-2e-3 ]; then
    $H --methods scratch --name val-scratch --config $C/$cfg.json --out $OUT/$cfg &
  fi
  wait
done
