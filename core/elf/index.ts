export { writeObject, type WriteOptions } from './writer';
export { readObject, isElf, type ElfObject, type ElfSection, type ElfSymbol, type ElfRelocation } from './reader';
