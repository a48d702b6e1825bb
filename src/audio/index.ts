export * from './types';
export * from './decode';
export * from './mono';
export * from './resample';
export * from './encode';
export * from './signals';
