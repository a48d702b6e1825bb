export * from './grid';
export * from './resize';
export * from './normalise';
export * from './png';
export * from './source';
