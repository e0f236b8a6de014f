// Helper knowledge in one import: the bundled table, header parsing and location, the verifier's
// prototypes, register type names, and per-program-type availability.
export * from './types';
export * from './table';
export * from './defs-parser';
export * from './locate';
export * from './reg-type-names';
export * from './proto-types';
export * from './protos';
export * from './allowed';
