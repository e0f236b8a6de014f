// The bpfAsm/* requests of client/protocol.ts: verifier log, assemble, disassemble, convert, run.
import type { Connection } from 'vscode-languageserver/node';
import {
  ASSEMBLE_REQUEST, CONVERT_SYNTAX_REQUEST, DISASSEMBLE_REQUEST, RUN_REQUEST, VERIFIER_LOG_REQUEST,
  type AssembleParams, type ConvertSyntaxParams, type DisassembleParams, type RunParams, type VerifierLogParams,
} from '../client/protocol';
import type { BpfLanguageService } from './service';

export function registerCustomRequests(connection: Connection, service: BpfLanguageService): void {
  connection.onRequest(VERIFIER_LOG_REQUEST, (p: VerifierLogParams) => service.verifierLog(p));
  connection.onRequest(ASSEMBLE_REQUEST, (p: AssembleParams) => service.assembleObject(p));
  connection.onRequest(DISASSEMBLE_REQUEST, (p: DisassembleParams) => service.disassembleObject(p));
  connection.onRequest(CONVERT_SYNTAX_REQUEST, (p: ConvertSyntaxParams) => service.convertSyntax(p));
  connection.onRequest(RUN_REQUEST, (p: RunParams) => service.run(p));
}
