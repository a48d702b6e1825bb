import { ABLATION_DEFAULTS, ablationRunCacheDir } from '../report/arms';
import { existsSync, promises as fs, realpathSync } from 'node:fs';
import * as path from 'node:path';
import { DatasetError, formatValue } from '../errors';
import { OptionSpec, ParsedArgs, helpText, intOption, parseArgs } from './args';
import { JOBS_OPTION, ablationLogger, jobsArg } from './ablate';
import { writeFileAtomic } from '../atomicFile';
import { ABLATION_FORMAT, REPORT_FORMAT, checkOutputFolder, openOutputStage } from '../report/outputFolder';
import { DATA_OPTIONS, cacheDirArg, loadDataArgs } from './data';
import { checkNotAnInput } from './outputs';
import { dataInputs } from './inputs';

const SPEC: Record<string, OptionSpec> = {
  ...DATA_OPTIONS,
  jobs: JOBS_OPTION,
  out: {
    type: 'string',
    arg: 'DIR',
    help: 'report folder (default reports): new or empty, or an earlier report, which is replaced as a whole',
  },
  seeds: { type: 'string', arg: 'N', help: `seeds per ablation arm (default ${ABLATION_DEFAULTS.seeds})` },
  epochs: { type: 'string', arg: 'N', help: `largest number of epochs per run (default ${ABLATION_DEFAULTS.epochs})` },
  notebooks: { type: 'string', arg: 'DIR', help: 'notebooks to execute (default notebooks/ of this checkout)' },
  'no-notebooks': { type: 'flag', help: 'skip executing the notebooks' },
  'no-reference': {
    type: 'flag',
    help: 'skip the LFCC-GMM reference beside the ablation (the ASVspoof 2019 baseline, 64 components, first seed)',
  },
  help: { type: 'flag', help: 'show this help' },
};

export const REPORT_HELP = helpText(
  'Usage: specmorph report [--data datasets/corpus] [--out reports] [--seeds N] [--epochs N] [--no-notebooks]',
  'The main job (npm start): runs the morphology ablation on the data, executes the notebooks headless\n' +
    '(tslab kernel, nbconvert) and writes the folder: ablation.json, summary.json, report.html, img/*.png,\n' +
    'notebooks/*.ipynb + .html. Prints the headline table; progress on stderr.',
  SPEC,
);

/** The checkout this module runs from (dist/cli or src/cli are two levels below it). */
function checkoutRoot(): string {
  return path.resolve(__dirname, '..', '..');
}

/**
 * Refuses, before any work, an --out whose notebooks folder is the --notebooks folder (or holds it):
 * the executed copies would replace the notebooks being run (`report --out .` in the checkout).
 */
function checkNotebooksKept(nbDir: string, out: string, args: ParsedArgs): void {
  let outNb: string;
  let nb: string;
  try {
    outNb = realpathSync(path.join(out, 'notebooks'));
    nb = realpathSync(nbDir);
  } catch {
    return; // one of them does not exist: nothing to replace
  }
  const rel = path.relative(outNb, nb);
  if (rel === '' || (!rel.startsWith('..') && !path.isAbsolute(rel)))
    throw new DatasetError(
      `report: --out=${formatValue(args.out ?? 'reports')} would replace the notebooks it executes ` +
        `(its notebooks folder is --notebooks=${formatValue(args.notebooks ?? path.relative('.', nbDir))}); ` +
        'give another --out',
    );
}

/** `specmorph report`: returns the exit code. */
export async function reportCommand(argv: string[]): Promise<number> {
  const args = parseArgs(argv, SPEC, 'report');
  if (args.help) {
    process.stdout.write(REPORT_HELP);
    return 0;
  }
  const t0 = Date.now();
  const seeds = intOption(args, 'seeds', ABLATION_DEFAULTS.seeds, 1, 1000);
  const epochs = intOption(args, 'epochs', ABLATION_DEFAULTS.epochs, 1, 100000);
  const workers = args.workers === undefined ? 'auto' : intOption(args, 'workers', 0, 0, 256);
  const jobs = jobsArg(args);
  if (!args.data && !args.protocol) args.data = 'datasets/corpus';
  const out = path.resolve(typeof args.out === 'string' ? args.out : 'reports');
  const root = checkoutRoot();
  const nbDir = path.resolve(typeof args.notebooks === 'string' ? args.notebooks : path.join(root, 'notebooks'));
  checkNotebooksKept(nbDir, out, args);
  const target = checkOutputFolder(out);
  const cacheDir = cacheDirArg(args);
  const ds = await loadDataArgs(args, 'report');
  // Not inside a class folder of the data (checkOutputFolder has refused every folder but a new one,
  // an empty one or earlier outputs, so no input file can be among the files replaced).
  checkNotAnInput(
    { command: 'report', option: '--out', value: typeof args.out === 'string' ? args.out : 'reports' },
    [out],
    dataInputs(args, ds),
  );
  const { runAblation } = await import('../report/ablation');
  const { ablationFigure, pairedFigure, ablationText, ablationMarkdown, ablationRows, perAttackMarkdown } =
    await import('../report/figures');
  const { conclusion } = await import('../report/conclusion');
  const { reportHtml, reportTiming } = await import('../report/html');
  const { savePng } = await import('../notebook/png');
  const { compareStages } = await import('../notebook/compare');
  const { heatmap } = await import('../notebook/heatmap');

  process.stderr.write(`report: ablation on ${ds.root} (${ds.items.length} clips), ${seeds} seeds, ${epochs} epochs\n`);
  const result = await runAblation(ds, {
    seeds,
    epochs,
    cacheDir,
    runCacheDir: cacheDir ? ablationRunCacheDir(cacheDir) : null,
    workers,
    jobs,
    reference: args['no-reference'] ? null : {},
    onEvent: ablationLogger(),
  });
  const text = conclusion(result);
  process.stderr.write(`backend: ${result.backend}\n`);

  // Every output is written into a staging folder inside --out and swapped in at the end as one set:
  // an error or a kill before that leaves the earlier outputs whole (src/report/outputFolder.ts).
  const stage = openOutputStage(target);
  const dir = stage.dir;
  const notebooks: { name: string; ok: boolean; seconds: number; error?: string; href?: string }[] = [];
  let timing: ReturnType<typeof reportTiming>;
  try {
    await fs.mkdir(path.join(dir, 'img'));
    await writeFileAtomic(
      path.join(dir, 'ablation.json'),
      `${JSON.stringify({ format: ABLATION_FORMAT, ...result, conclusion: text }, null, 1)}\n`,
    );
    await writeFileAtomic(
      path.join(dir, 'ablation.md'),
      `${ablationMarkdown(result)}\n\nPer attack (test EER %, mean over seeds):\n\n` +
        `${perAttackMarkdown(result)}\n\n${text}\n`,
    );
    savePng(ablationFigure(result), path.join(dir, 'img', 'ablation.png'));
    if (result.arms.length > 1) savePng(pairedFigure(result), path.join(dir, 'img', 'ablation-paired.png'));

    // Pictures of the pipeline on one real test clip (the first bona fide one): spectrogram, opening.
    const figures: { caption: string; figure: import('../notebook/types').Figure }[] = [];
    const clip = ds.items.find((it) => it.label === 'bonafide');
    if (clip) {
      const { loadAudio } = await import('../audio/decode');
      const { spectrogram } = await import('../spectral/spectrogram');
      const { powerToDb } = await import('../spectral/db');
      const { opening } = await import('../morphology/opening');
      const { footprint } = await import('../morphology/footprint');
      const a = await loadAudio(clip.path, { mono: true });
      const db = powerToDb(
        spectrogram(a.channels[0], { sampleRate: a.sampleRate, nFft: 256, hopLength: 80, winLength: 200 }),
        { ref: 'max' },
      );
      const spec = heatmap(db, { title: `Spectrogram (dB) of ${path.relative(ds.root, clip.path)}` });
      const open = compareStages(
        { 'dB spectrogram': db, 'opening, rect 3×3': opening(db, footprint.rect(3, 3)) },
        { title: 'Grey-level opening removes peaks narrower than the footprint' },
      );
      savePng(spec, path.join(dir, 'img', 'spectrogram.png'));
      savePng(open, path.join(dir, 'img', 'opening.png'));
      figures.push({ caption: 'A bona fide clip', figure: spec }, { caption: 'Opening vs original', figure: open });
    }

    if (!args['no-notebooks']) {
      const { notebookRunnerMissing, executeNotebookFile } = await import('../report/execute');
      const missing = notebookRunnerMissing(root);
      const files = existsSync(nbDir) ? (await fs.readdir(nbDir)).filter((f) => /^\d\d-.*\.ipynb$/.test(f)).sort() : [];
      if (missing) process.stderr.write(`notebooks: skipped (${missing})\n`);
      else if (files.length === 0) process.stderr.write(`notebooks: none found in ${nbDir}\n`);
      for (const f of missing ? [] : files) {
        process.stderr.write(`notebook ${f}: executing...\n`);
        try {
          const r = await executeNotebookFile(path.join(nbDir, f), path.join(dir, 'notebooks'), {
            root,
            env: { SPECMORPH_DATA: ds.root, ...(cacheDir ? { SPECMORPH_CACHE: cacheDir } : {}) },
          });
          notebooks.push({
            name: f,
            ok: true,
            seconds: r.seconds,
            href: `notebooks/${path.basename(r.html ?? r.ipynb)}`,
          });
          process.stderr.write(`notebook ${f}: done in ${r.seconds.toFixed(0)} s\n`);
        } catch (e) {
          notebooks.push({ name: f, ok: false, seconds: 0, error: (e as Error).message });
          process.stderr.write(`notebook ${f}: FAILED: ${(e as Error).message}\n`);
        }
      }
    }
    // One clock: report.html and summary.json state the same times, taken once here.
    timing = reportTiming(
      result,
      notebooks.reduce((a, n) => a + n.seconds, 0),
      (Date.now() - t0) / 1000,
    );
    await writeFileAtomic(
      path.join(dir, 'report.html'),
      reportHtml(result, {
        figures,
        timing,
        notebooks: notebooks.filter((n) => n.ok && n.href).map((n) => ({ name: n.name, href: n.href! })),
      }),
    );
    const summary = {
      format: REPORT_FORMAT,
      data: result.data.root,
      split: result.data.split,
      backend: result.backend,
      model: result.model,
      epochs: result.epochs,
      seeds: result.seeds,
      table: ablationRows(result),
      conclusion: text,
      notebooks,
      seconds: timing,
    };
    await writeFileAtomic(path.join(dir, 'summary.json'), `${JSON.stringify(summary, null, 1)}\n`);
    stage.commit();
  } finally {
    stage.discard();
    if (!args['no-notebooks']) (await import('../report/execute')).removePrivateTslabKernel();
  }
  process.stderr.write(`report written to ${out} in ${timing.total.toFixed(0)} s\n`);
  process.stdout.write(
    `${ablationText(result)}\n\n${text.replace(/\*\*/g, '')}\n\n` +
      `backend: ${result.backend}\nreport: ${path.join(out, 'report.html')}\n`,
  );
  const failed = notebooks.filter((n) => !n.ok);
  if (failed.length)
    throw new DatasetError(
      `report: ${failed.length} notebook(s) failed: ${failed.map((n) => n.name).join(', ')} (see stderr)`,
    );
  return 0;
}
