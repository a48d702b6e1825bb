export * from './types';
export * from './folder';
export * from './protocol';
export * from './split';
