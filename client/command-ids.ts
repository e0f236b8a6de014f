// The extension's command ids, as package.json declares them. No vscode imports, so tests can read it.

export const COMMANDS = {
  showVerifierLog: 'bpfAsm.showVerifierLog',
  assemble: 'bpfAsm.assemble',
  disassemble: 'bpfAsm.disassemble',
  convertSyntax: 'bpfAsm.convertSyntax',
  runProgram: 'bpfAsm.runProgram',
  runProgramWithInput: 'bpfAsm.runProgramWithInput',
  debugProgram: 'bpfAsm.debugProgram',
  restartServer: 'bpfAsm.restartServer',
} as const;
