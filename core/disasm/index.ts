// Disassemblers: LLVM syntax (identical to llvm-objdump-19) and the mnemonic syntax.
export { printLlvm, signedHex, jumpHex, formatJump, sourceNumber, UNKNOWN, type NumberStyle } from './llvm';
export { printMnemonic, mnemonicImm, type MnemonicPrintOptions } from './mnemonic';
export { disassemble, listInstructions, type DisassembleOptions, type ListedInsn } from './disassemble';
export { objdumpLines, type ObjdumpOptions } from './objdump';
export { walkInstructions, type WalkedInsn } from './walk';
export { fullyShown, usedFields } from './fields';
