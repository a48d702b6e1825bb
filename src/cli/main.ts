#!/usr/bin/env node
// The `specmorph` command. Each subcommand lives in its own module (train.ts, evaluate.ts, ...);
// this file only dispatches and turns every error into one line on stderr and a non-zero exit.
import { SpecmorphError } from '../errors';
import { reason } from '../atomicFile';
import { specmorphVersion } from '../version';
import { exitWhenFlushed } from './exit';

type Command = (argv: string[]) => Promise<number>;

/** Subcommands, loaded lazily so `specmorph --help` does not load tfjs. */
const COMMANDS: Record<string, { about: string; load: () => Promise<Command> }> = {
  train: {
    about: 'train a bona fide vs spoof model on a data folder or ASVspoof protocol',
    load: async () => (await import('./train')).trainCommand,
  },
  evaluate: {
    about: 'score a data set with a model: EER, ROC AUC, accuracy, minDCF, per-attack EER',
    load: async () => (await import('./evaluate')).evaluateCommand,
  },
  ablate: {
    about: 'compare no morphology with erosion/dilation/opening/closing/top-hat x footprints: EER over seeds',
    load: async () => (await import('./ablate')).ablateCommand,
  },
  report: {
    about: 'the main job (npm start): ablation + executed notebooks + HTML report into reports/',
    load: async () => (await import('./report')).reportCommand,
  },
};

const HELP = `Usage: specmorph <command> [options]
       specmorph --version

Commands:
${Object.entries(COMMANDS)
  .map(([k, c]) => `  ${k.padEnd(10)} ${c.about}`)
  .join('\n')}

Run specmorph <command> --help for its options.
`;

/** Runs the CLI on `argv` (without node and script); resolves to the exit code. */
export async function main(argv: string[]): Promise<number> {
  const [command, ...rest] = argv;
  if (command === undefined || command === '--help' || command === '-h' || command === 'help') {
    process.stdout.write(HELP);
    return command === undefined ? 2 : 0;
  }
  if (command === '--version' || command === '-V' || command === 'version') {
    process.stdout.write(`specmorph ${specmorphVersion()}\n`);
    return 0;
  }
  const c = COMMANDS[command];
  if (!c)
    throw new SpecmorphError(
      `unknown command ${JSON.stringify(command)}; try: specmorph ${Object.keys(COMMANDS).join(' | ')} (or --help)`,
    );
  return (await c.load())(rest);
}

function oneLine(s: string): string {
  return s.replace(/\s*\n\s*/g, ' ').trim();
}

if (require.main === module) {
  main(process.argv.slice(2)).then(
    (code) => exitWhenFlushed(code),
    (err: unknown) => {
      const known = err instanceof SpecmorphError;
      // A Node file-system error that slipped through: say which file and why, not the raw syscall text.
      const sys = err as NodeJS.ErrnoException | null;
      const msg =
        !known && sys && typeof sys.code === 'string' && typeof sys.path === 'string'
          ? `${sys.path}: ${sys.syscall ?? 'file operation'} failed (${reason(sys)})`
          : err instanceof Error
            ? err.message
            : String(err);
      process.stderr.write(`specmorph: ${oneLine(msg)}\n`);
      if (!known && process.env.SPECMORPH_DEBUG) process.stderr.write(`${(err as Error)?.stack ?? ''}\n`);
      exitWhenFlushed(known ? 2 : 1);
    },
  );
}
