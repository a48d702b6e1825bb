// src/model/morphLayer.ts imports footprintFromSpec from here; the footprint JSON lives in footprintSpec.ts.
export { footprintFromSpec } from './footprintSpec';
