export * from './backend';
export * from './evaluate';
export * from './io';
