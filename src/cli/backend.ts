// The CLI uses the library's backend ladder (tfjs-node -> wasm + training kernels -> cpu).
export { initBackend, formatBackendInfo } from '../model/backend';
