// Corpus programs written in LLVM syntax and built by our assembler, so the kernel/VM comparison
// also covers the assembler's output (relocations, data sections, map definitions).
import { assembleText } from '../asm';
import type { CorpusCase, CorpusRun } from './corpus';
import { SK_BUFF_SIZE } from './corpus';
import { IPPROTO_TCP, IPPROTO_UDP, ipv4Packet, ipv6Packet } from './packets';

interface AsmCase {
  name: string;
  source: string;
  runs: CorpusRun[];
}

const ip = (a: number, b: number, c: number, d: number): [number, number, number, number] => [a, b, c, d];

/** Decrements the IPv4 TTL and patches the header checksum incrementally (RFC 1141). */
const TTL_DECREMENT = `
        .section xdp, "ax"
        .globl ttl_dec
ttl_dec:
        r2 = *(u32 *)(r1 + 0)
        r3 = *(u32 *)(r1 + 4)
        r4 = r2
        r4 += 34
        if r4 > r3 goto pass
        r5 = *(u16 *)(r2 + 12)
        if r5 != 8 goto pass
        r5 = *(u8 *)(r2 + 22)
        if r5 <= 1 goto drop
        r5 += -1
        *(u8 *)(r2 + 22) = w5
        r6 = *(u16 *)(r2 + 24)
        r6 = be16 r6
        r6 += 256
        r7 = r6
        r7 >>= 16
        r6 += r7
        r6 &= 65535
        r6 = be16 r6
        *(u16 *)(r2 + 24) = w6
        r0 = 3
        exit
drop:
        r0 = 1
        exit
pass:
        r0 = 2
        exit
`;

/** Classifies by TCP/UDP destination port into skb->priority, with the port table in .rodata and counters in .data. */
const PORT_CLASSIFIER = `
        .section tc, "ax"
        .globl classify
classify:
        r6 = r1
        r2 = *(u32 *)(r6 + 76)
        r3 = *(u32 *)(r6 + 80)
        r4 = r2
        r4 += 38
        if r4 > r3 goto out
        r5 = *(u8 *)(r2 + 23)
        if r5 == 6 goto ports
        if r5 != 17 goto out
ports:
        r5 = *(u16 *)(r2 + 36)
        r5 = be16 r5
        r7 = 0
        r8 = table ll
next:
        r9 = *(u16 *)(r8 + 0)
        if r9 == r5 goto found
        r8 += 4
        r7 += 1
        if r7 < 4 goto next
        goto out
found:
        r9 = *(u16 *)(r8 + 2)
        *(u32 *)(r6 + 32) = r9
        r1 = hits ll
        r7 <<= 3
        r1 += r7
        r2 = 1
        lock *(u64 *)(r1 + 0) += r2
out:
        r0 = 0
        exit

        .rodata
table:
        .short 53, 1
        .short 80, 2
        .short 443, 3
        .short 22, 4

        .data
hits:
        .quad 0, 0, 0, 0
`;

/** Snap length per IP protocol from a hash map, read with ld_abs; unknown protocols keep everything. */
const SNAPLEN_FILTER = `
.map snaplen type=hash key=4 value=4 max_entries=8

        .section socket, "ax"
        .globl snap
snap:
        r6 = r1
        r0 = *(u8 *)skb[9]
        *(u32 *)(r10 - 4) = r0
        r2 = r10
        r2 += -4
        r1 = snaplen ll
        call 1
        if r0 == 0 goto all
        r0 = *(u32 *)(r0 + 0)
        exit
all:
        r0 = *(u32 *)(r6 + 0)
        exit
`;

const CASES: AsmCase[] = [
  {
    name: 'asm xdp: decrement the TTL and patch the checksum',
    source: TTL_DECREMENT,
    runs: [
      { data: ipv4Packet({ protocol: IPPROTO_UDP, src: ip(10, 0, 0, 1), dst: ip(10, 0, 0, 2), ttl: 64 }) },
      { data: ipv4Packet({ protocol: IPPROTO_TCP, src: ip(192, 168, 0, 1), dst: ip(1, 1, 1, 1), ttl: 2 }) },
      { data: ipv4Packet({ protocol: IPPROTO_TCP, src: ip(192, 168, 0, 1), dst: ip(1, 1, 1, 1), ttl: 1 }) },
      { data: ipv6Packet() },
    ],
  },
  {
    name: 'asm tc: classify ports from a .rodata table into skb->priority, counting in .data',
    source: PORT_CLASSIFIER,
    runs: [53, 443, 8080, 443].map((dport) => ({
      data: ipv4Packet({ protocol: dport === 53 ? IPPROTO_UDP : IPPROTO_TCP, src: ip(10, 0, 0, 1), dst: ip(10, 0, 0, 2), dport }),
      ctx: new Uint8Array(SK_BUFF_SIZE),
    })),
  },
  {
    name: 'asm socket filter: snap length per protocol from a hash map',
    source: SNAPLEN_FILTER,
    runs: [IPPROTO_UDP, IPPROTO_TCP, 1].map((protocol) => ({
      data: ipv4Packet({ protocol, src: ip(10, 0, 0, 1), dst: ip(10, 0, 0, 2), payloadLength: 40 }),
    })),
  },
];

const le32 = (n: number): Uint8Array => new Uint8Array(new Uint32Array([n]).buffer);

/** Initial map contents for the assembled cases, by case name. */
const INITIAL: Record<string, CorpusCase['initial']> = {
  'asm socket filter: snap length per protocol from a hash map': [{ map: 'snaplen', key: le32(IPPROTO_UDP), value: le32(28) }],
};

/** Assembles every LLVM-syntax corpus program; throws with the assembler's diagnostics on failure. */
export function asmCorpus(): CorpusCase[] {
  return CASES.map((c) => {
    const file = assembleText(c.source, { syntax: 'llvm' });
    const errors = file.diagnostics.filter((d) => d.severity === 'error');
    if (errors.length) throw new Error(`${c.name}: ${errors.map((d) => d.message).join('; ')}`);
    const program = file.programs[0];
    if (!program?.progType) throw new Error(`${c.name}: no program with a known type`);
    return {
      name: c.name, progType: program.progType, program, maps: file.maps, data: file.data,
      initial: INITIAL[c.name], runs: c.runs,
    };
  });
}
