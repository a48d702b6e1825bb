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
  return { name: tf.getBackend(), why: 'tfjs default backend in Node' };
}

/** `name (why)`. */
export function formatBackendInfo(info: CliBackendInfo): string {
  return `${info.name} (${info.why})`;
}
