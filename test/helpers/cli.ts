import { execFile } from 'node:child_process';
import * as path from 'node:path';

/** What one `specmorph` run printed and its exit code. */
export interface CliResult {
  code: number;
  stdout: string;
  stderr: string;
}

const repo = path.join(__dirname, '..', '..');
const main = path.join(repo, 'src', 'cli', 'main.ts');

/**
 * Runs the `specmorph` command from src/ (through tsx, in the repository folder) with its feature
 * cache in `cacheDir`.
 */
export function runCli(args: readonly string[], cacheDir: string): Promise<CliResult> {
  return new Promise((resolve) => {
    execFile(
      process.execPath,
      ['--import', 'tsx', main, ...args],
      { cwd: repo, env: { ...process.env, SPECMORPH_CACHE: cacheDir }, maxBuffer: 1 << 24 },
      (err, stdout, stderr) => {
        resolve({ code: err ? (typeof err.code === 'number' ? err.code : 1) : 0, stdout, stderr });
      },
    );
  });
}
