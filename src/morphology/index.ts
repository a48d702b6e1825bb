export * from './footprint';
export * from './options';
export * from './erode';
export * from './dilate';
export * from './opening';
export * from './closing';
export * from './topHat';
export * from './gradient';
