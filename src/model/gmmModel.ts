import { PipelineConfig } from '../pipeline/config';

/**
 * The feature pipeline of the `gmm` architecture: the ASVspoof 2019 LFCC front end at the clip's own
 * sample rate (60 rows: 20 LFCC + deltas + double deltas; 20 ms windows, 10 ms hop), every frame of the
 * whole clip kept (no crop, no resize: a GMM scores a clip of any length).
 */
export const DEFAULT_GMM_PIPELINE: PipelineConfig = Object.freeze({
  stages: Object.freeze([Object.freeze({ op: 'mono' }), Object.freeze({ op: 'lfcc', preset: 'asvspoof2019' })]),
}) as PipelineConfig;
