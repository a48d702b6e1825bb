export * from './types';
export * from './folder';
export * from './protocol';
export * from './split';
export * from './cache';
export * from './extract';
export * from './features';
export * from './pngFeatures';
