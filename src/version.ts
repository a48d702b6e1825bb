import { readFileSync } from 'node:fs';
import * as path from 'node:path';

/** The specmorph version from package.json (src/ and dist/ are both one level below it). */
export function specmorphVersion(): string {
  try {
    return (JSON.parse(readFileSync(path.join(__dirname, '..', 'package.json'), 'utf8')) as { version: string })
      .version;
  } catch {
    return 'unknown';
  }
}
