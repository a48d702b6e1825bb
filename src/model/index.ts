export * from './backend';
export * from './architectures';
export * from './train';
export * from './saliency';
export * from './evaluate';
export * from './io';
export * from './morphLayer';
export * from './morphBlock';
