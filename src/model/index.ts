export * from './evaluate';
export * from './io';
