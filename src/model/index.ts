export * from './backend';
export * from './architectures';
export * from './train';
export * from './saliency';
