export * from './opcodes';
export * from './instruction';
