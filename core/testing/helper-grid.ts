// One small tc program per packet/checksum helper call with chosen arguments (offsets in and out of
// the packet, odd offsets, every flag), so a difference names the exact helper and arguments.
import { AluOp, type Instruction } from '../isa';
import type { CorpusCase } from './corpus';
import { HELPER, SK_BUFF_SIZE } from './corpus';
import * as b from './insn';
import { IPPROTO_UDP, ipv4Packet } from './packets';
import { ProgramBuilder } from './program-builder';

const L3_CSUM_REPLACE = 10;
const L4_CSUM_REPLACE = 11;
const CSUM_DIFF = 28;
const SKB_PULL_DATA = 39;
const SET_HASH = 48;

const stackPtr = (reg: number, off: number): Instruction[] => [b.movReg(reg, 10), b.aluImm(64, AluOp.ADD, reg, off)];

function calls(): [string, Instruction[]][] {
  const out: [string, Instruction[]][] = [];
  for (const off of [0, 30, 40, 45, 0xffff]) {
    for (const len of [1, 5, 9, 16]) {
      out.push([`skb_load_bytes(off=${off}, len=${len})`,
        [b.movReg(1, 6), b.movImm(2, off), ...stackPtr(3, -16), b.movImm(4, len), b.call(HELPER.skb_load_bytes)]]);
      for (const flags of [0, 1, 2, 3, 4]) {
        out.push([`skb_store_bytes(off=${off}, len=${len}, flags=${flags})`,
          [b.movReg(1, 6), b.movImm(2, off), ...stackPtr(3, -16), b.movImm(4, len), b.movImm(5, flags), b.call(HELPER.skb_store_bytes)]]);
      }
    }
  }
  for (const len of [0, 14, 40, 1000]) out.push([`skb_pull_data(len=${len})`, [b.movReg(1, 6), b.movImm(2, len), b.call(SKB_PULL_DATA)]]);
  out.push(['set_hash(0x1234), then skb->hash', [b.movReg(1, 6), b.movImm(2, 0x1234), b.call(SET_HASH), b.ldx(4, 0, 6, 68)]]);
  for (const from of [0, 4, 8]) {
    for (const to of [0, 4, 16]) {
      out.push([`csum_diff(from=${from}, to=${to})`, [
        ...(from ? stackPtr(1, -32) : [b.movImm(1, 0)]), b.movImm(2, from),
        ...(to ? stackPtr(3, -16) : [b.movImm(3, 0)]), b.movImm(4, to), b.movImm(5, 0x1234567), b.call(CSUM_DIFF),
      ]]);
    }
  }
  for (const [name, id, flagSet] of [
    ['l3_csum_replace', L3_CSUM_REPLACE, [0, 1, 2, 4]],
    ['l4_csum_replace', L4_CSUM_REPLACE, [0, 1, 2, 4, 0x12, 0x14, 0x22, 0x62, 0x82, 0x102]],
  ] as const) {
    for (const off of [24, 40, 41, 0xffff]) {
      for (const from of [0, 0x1234]) {
        for (const flags of flagSet) {
          out.push([`${name}(off=${off}, from=${from}, to=0x4321, flags=${flags})`,
            [b.movReg(1, 6), b.movImm(2, off), b.movImm(3, from), b.movImm(4, 0x4321), b.movImm(5, flags), b.call(id)]]);
        }
      }
    }
  }
  return out;
}

/** Each helper call as its own case: r0 is its return value, the packet out shows its writes. */
export function helperGridCases(): CorpusCase[] {
  const packet = ipv4Packet({ protocol: IPPROTO_UDP, src: [10, 0, 0, 1], dst: [10, 0, 1, 2], sport: 1000, dport: 53, payloadLength: 7 });
  return calls().map(([name, body]) => {
    const p = new ProgramBuilder('tc', 'sched_cls', 'helper');
    p.emit(b.movReg(6, 1), b.ldImm64(1, 0x1122_3344_5566_7788n));
    for (const off of [-32, -24, -16, -8]) p.emit(b.stx(8, 10, off, 1));
    p.emit(...body, b.exit());
    return { name, progType: 'sched_cls', program: p.build(), maps: [], runs: [{ data: packet, ctx: new Uint8Array(SK_BUFF_SIZE) }] };
  });
}
