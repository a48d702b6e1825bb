export * from './detection';
export * from './scores';
export * from './bootstrap';
