export * from './config';
export * from './audioPrep';
