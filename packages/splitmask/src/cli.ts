#!/usr/bin/env node
/**
 * The `splitmask` command line. Subcommands arrive with their issues; until a subcommand exists it says
 * so and exits non-zero (no fake output).
 */
const USAGE = `splitmask <command> [options]

Commands:
  demo       pretrain a tiny ViT with SplitMask on the embedded Fashion-MNIST and evaluate it
  pretrain   pretrain on a folder of your own images (--method splitmask|beit)
  eval       k-NN, linear probe and fine-tuning of a checkpoint
`;

export function main(argv: string[]): number {
  const [command] = argv;
  if (!command || command === '--help' || command === '-h') {
    process.stdout.write(USAGE);
    return command ? 0 : 1;
  }
  if (command === 'demo' || command === 'pretrain' || command === 'eval') {
    process.stderr.write(
      `splitmask ${command}: not yet implemented in this version. It lands with the trainer issue ` +
        `(@splitmask/splitmask); see README.md for the status of each package.\n`,
    );
    return 3;
  }
  process.stderr.write(`splitmask: unknown command '${command}'\n\n${USAGE}`);
  return 2;
}

process.exitCode = main(process.argv.slice(2));
