// The morphology ablation and the report `npm start` writes: held-out splits, arms, paired statistics,
// conclusion text generated from the numbers, figures and a standalone HTML page.
export * from './split';
export * from './stats';
export * from './arms';
export * from './trainer';
export * from './ablation';
export * from './conclusion';
export * from './figures';
export * from './html';
export * from './execute';
