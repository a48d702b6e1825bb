export * from './detection';
export * from './scores';
