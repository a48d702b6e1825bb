// `npm run bench`: runs every bench/w*.ts workload (or those named on the command line) in turn.
import { readdirSync } from 'node:fs';
import { join } from 'node:path';

async function main(): Promise<void> {
  const only = process.argv.slice(2);
  const files = readdirSync(__dirname)
    .filter((f) => /^w\d.*\.ts$/.test(f))
    .sort();
  console.log(
    `specmorph bench ${new Date().toISOString()} node ${process.version} ${process.platform}-${process.arch}`,
  );
  for (const f of files) {
    if (only.length && !only.some((o) => f.startsWith(o))) continue;
    console.log(`\n== ${f}`);
    const mod = await import(join(__dirname, f));
    await mod.run();
  }
}
main().catch((e) => {
  console.error(e);
  process.exit(1);
});
