// Backend selection for the CLI: tfjs's default backend in Node (cpu) with a one-line description.
import * as tf from '@tensorflow/tfjs';

/** Which backend runs and why. */
export interface CliBackendInfo {
  name: string;
  why: string;
}

/** Initialises tfjs and reports the backend it runs on. */
export async function initBackend(): Promise<CliBackendInfo> {
  await tf.ready();
  // The cpu backend prints a multi-line "install tfjs-node" banner on first use; the CLI already
  // reports its backend on one line, so mark the banner as shown.
  const be = tf.backend() as unknown as { firstUse?: boolean };
  if (tf.getBackend() === 'cpu' && be.firstUse === true) be.firstUse = false;
  return { name: tf.getBackend(), why: 'tfjs default backend in Node' };
}

/** `name (why)`. */
export function formatBackendInfo(info: CliBackendInfo): string {
  return `${info.name} (${info.why})`;
}
