// Test helpers for the language service: open a document, find positions by searching its text.
import type { Position } from 'vscode-languageserver-types';
import { LineIndex } from '../core/asm/ast';
import { BpfLanguageService } from '../server/service';

export interface OpenedDoc {
  service: BpfLanguageService;
  uri: string;
  text: string;
  /** Position of the `nth` occurrence of `needle`, plus `delta` characters. */
  at(needle: string, delta?: number, nth?: number): Position;
}

export function openDoc(text: string, settings: unknown = {}, uri = 'file:///test/prog.bpf.s'): OpenedDoc {
  const errors: string[] = [];
  const service = new BpfLanguageService((m) => errors.push(m));
  service.configure(settings);
  service.open(uri, text, 1);
  const lines = new LineIndex(text);
  return {
    service,
    uri,
    text,
    at(needle, delta = 0, nth = 0) {
      let i = -1;
      for (let k = 0; k <= nth; k++) {
        i = text.indexOf(needle, i + 1);
        if (i < 0) throw new Error(`'${needle}' (#${nth}) not in the document`);
      }
      return lines.position(i + delta);
    },
  };
}
