#!/usr/bin/env node
// The `specmorph` command; subcommands are added by the model/report work.
import { SpecmorphError } from '../errors';

async function main(argv: string[]): Promise<number> {
  const [command] = argv;
  switch (command) {
    default:
      throw new SpecmorphError(`unknown command ${JSON.stringify(command ?? '')}; try: specmorph train | evaluate`);
  }
}

main(process.argv.slice(2)).then(
  (code) => process.exit(code),
  (err: unknown) => {
    process.stderr.write(`specmorph: ${err instanceof SpecmorphError ? err.message : String((err as Error)?.stack ?? err)}\n`);
    process.exit(err instanceof SpecmorphError ? 2 : 1);
  },
);
