// The public API of specmorph, grouped by stage: Audio -> Spectrogram -> Grid -> tensor -> scores -> figures.
export * from './errors';
export { MAX_BYTES_ENV, DEFAULT_MAX_BYTES, maxBytes } from './memory';
export * from './random';
export * from './grid';
export * from './audio';
export * from './spectral';
export * from './morphology';
export * from './pipeline';
export * from './dataset';
export * from './metrics';
export * from './model';
export * from './notebook';
export * from './report';
