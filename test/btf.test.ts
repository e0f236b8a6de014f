// The BTF reader (core/btf) against bpftool's dump of the same data, its refusal of malformed
// input, and the verifier without kernel BTF (struct reads left unchecked, with a warning).
import { spawnSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { afterEach, describe, expect, it } from 'vitest';
import { Btf, BtfError, BtfKind, kernelBtf, setKernelBtf, VMLINUX_BTF_PATH } from '../core/btf';
import { assembleText } from '../core/asm';
import { verifyProgram } from '../core/verifier';

const haveBtf = existsSync(VMLINUX_BTF_PATH);
const haveBpftool = spawnSync('bpftool', ['version']).status === 0;
if (!haveBtf || !haveBpftool) console.warn(`skipping the BTF reader comparison: ${!haveBtf ? `no ${VMLINUX_BTF_PATH}` : 'bpftool is not installed'}`);

/** bpftool's raw dump: `[id] KIND 'name' size=N vlen=M` then one `'member' type_id=T bits_offset=O` line each. */
function bpftoolStruct(dump: string, name: string): { id: number; size: number; members: [string, number, number][] } | undefined {
  const lines = dump.split('\n');
  const at = lines.findIndex((l) => new RegExp(`^\\[\\d+\\] STRUCT '${name}' size=`).test(l));
  if (at < 0) return undefined;
  const head = /^\[(\d+)\] STRUCT '[^']*' size=(\d+) vlen=(\d+)/.exec(lines[at]!)!;
  const members: [string, number, number][] = [];
  for (let i = 1; i <= Number(head[3]); i++) {
    const m = /^\s+'([^']*)' type_id=(\d+) bits_offset=(\d+)/.exec(lines[at + i]!)!;
    members.push([m[1] === '(anon)' ? '' : m[1]!, Number(m[2]), Number(m[3])]);
  }
  return { id: Number(head[1]), size: Number(head[2]), members };
}

describe.skipIf(!haveBtf || !haveBpftool)('BTF reader against bpftool', () => {
  const dump = haveBtf && haveBpftool
    ? spawnSync('bpftool', ['btf', 'dump', 'file', VMLINUX_BTF_PATH, 'format', 'raw'], { encoding: 'utf8', maxBuffer: 1 << 30 }).stdout
    : '';

  it('reads as many types as bpftool lists', () => {
    const k = kernelBtf();
    if ('error' in k) throw new Error(k.error);
    const last = [...dump.matchAll(/^\[(\d+)\] /gm)].pop()!;
    expect(k.btf.count - 1).toBe(Number(last[1]));
  });

  it.each(['task_struct', 'tcp_sock', 'sock_common', 'mm_struct', 'pt_regs', 'task_struct__safe_rcu'])('struct %s: id, size and members', (name) => {
    const k = kernelBtf();
    if ('error' in k) throw new Error(k.error);
    const want = bpftoolStruct(dump, name)!;
    const id = k.btf.structByName(name)!;
    expect(id).toBe(want.id);
    const t = k.btf.type(id)!;
    expect(t.kind).toBe(BtfKind.STRUCT);
    expect(t.size).toBe(want.size);
    expect(t.members.map((m) => [m.name, m.type, m.bitOffset])).toEqual(want.members);
  });
});

describe('malformed BTF', () => {
  it('is refused with a reason, never a crash', () => {
    expect(() => new Btf(new Uint8Array(4))).toThrow(BtfError);
    expect(() => new Btf(new Uint8Array(64))).toThrow(/bad magic/);
    if (haveBtf) {
      const real = readFileSync(VMLINUX_BTF_PATH);
      expect(() => new Btf(real.subarray(0, 1000))).toThrow(BtfError);
      const bad = Uint8Array.from(real.subarray(0, 4096));
      new DataView(bad.buffer).setUint32(12, 4096 - 24, true); // type_len
      new DataView(bad.buffer).setUint32(20, 0, true); // str_len
      expect(() => new Btf(bad)).toThrow(BtfError);
    }
  });
});

describe('the verifier without kernel BTF', () => {
  afterEach(() => setKernelBtf(undefined));
  const text = '.section kprobe\nf:\n  call 158\n  r1 = *(u32 *)(r0 + 1264)\n  r0 = 0\n  exit\n';

  it('leaves struct reads unchecked and says why', () => {
    setKernelBtf({ error: `${VMLINUX_BTF_PATH} is not readable here (ENOENT)` });
    const asm = assembleText(text);
    const r = verifyProgram(asm.programs[0]!, asm.maps, { logLevel: 2 });
    expect(r.accepted).toBe(true);
    expect(r.warnings).toContainEqual({
      insn: 1,
      message: `the read of struct task_struct at off=1264 size=4 is not checked: no kernel BTF (${VMLINUX_BTF_PATH} is not readable here (ENOENT))`,
    });
    expect(r.log).toContain('R0=trusted_ptr_task_struct()');
  });

  it('leaves map struct reads unchecked too, and cannot tell a kernel function from other BTF ids', () => {
    setKernelBtf({ error: 'no BTF in this test' });
    let asm = assembleText('.map arr type=array key=4 value=8 max_entries=4\n.section kprobe\nf:\n  r1 = arr ll\n  r0 = *(u32 *)(r1 + 76)\n  r0 = 0\n  exit\n');
    let r = verifyProgram(asm.programs[0]!, asm.maps);
    expect(r.accepted).toBe(true);
    expect(r.warnings.map((w) => w.message)).toContain('the read of the map struct at off=76 size=4 is not checked: no kernel BTF (no BTF in this test)');
    asm = assembleText('.section kprobe\nf:\n  .quad 0x0000007900002085\n  r0 = 0\n  exit\n');
    r = verifyProgram(asm.programs[0]!, asm.maps);
    expect(r.errors[0]?.message).toBe('calling kernel functions is not supported in this verifier');
  });

  it.skipIf(!haveBtf)('checks them with it', () => {
    const asm = assembleText(text.replace('1264', '3264'));
    const r = verifyProgram(asm.programs[0]!, asm.maps);
    expect(r.errors[0]?.message).toBe('access beyond struct task_struct at off 3264 size 4');
  });
});
