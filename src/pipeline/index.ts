export * from './config';
export * from './audioPrep';
export * from './run';
export { footprintFromSpec } from './footprintSpec';
