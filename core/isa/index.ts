export * from './opcodes';
export * from './instruction';
export * from './describe';
