// The helper prototype table and the availability data, checked against the running kernel's
// verifier: wrong / NULL / read-only-map arguments must give exactly the messages the table predicts,
// and a live re-probe must agree with allowed.json.
import { release } from 'node:os';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ALLOWED_PROBED_ON, allowedHelpers, helperAllowed, helperAvailability, unprobedReason } from '../core/helpers/allowed';
import { argProbeMatches, buildArgProbe, buildReturnProbe, RDONLY_VALUE_SIZE, type ArgProbeMode } from '../core/helpers/arg-probe';
import { loadForProbe, PROBE_TARGETS, prepareTarget, probeGplOnly, probeHelper, type PreparedTarget } from '../core/helpers/probe';
import { allProtos, argsFor, protoByName } from '../core/helpers/protos';
import { returnRegType, typeMismatchMessage } from '../core/helpers/proto-types';
import { regTypeName } from '../core/helpers/reg-type-names';
import { helperById, HELPER_COUNT } from '../core/helpers/table';
import { closeFd, createMap, kernelBpfAvailable } from '../core/kernel/bpf';
import { PROG_TYPES, type ProgType } from '../core/program-types';

const SK_LOOKUP_TCP = 84;
const avail = kernelBpfAvailable();
const noKernel = !avail.ok;
if (!avail.ok) console.warn(`helpers-kernel: skipped, bpf() unavailable: ${avail.reason}`);
const sameKernel = release() === ALLOWED_PROBED_ON;
if (avail.ok && !sameKernel) {
  console.warn(`helpers-kernel: allowed.json was probed on ${ALLOWED_PROBED_ON}, this is ${release()}; live allowlist comparison skipped`);
}

// Program types to run each helper in, most capable first.
const RUN_ORDER: ProgType[] = [
  'sched_cls', 'xdp', 'kprobe', 'cgroup_skb', 'sock_ops', 'sk_msg', 'sk_skb', 'cgroup_sock_addr',
  'cgroup_sysctl', 'lwt_seg6local', 'lwt_xmit', 'perf_event', 'sk_reuseport', 'cgroup_sockopt',
  'sk_lookup', 'syscall', 'cgroup_sock', 'socket_filter', 'tracepoint', 'flow_dissector', 'netfilter',
  'tracing',
];

const prepared = new Map<ProgType, PreparedTarget>();
const prep = (t: ProgType): PreparedTarget => {
  let p = prepared.get(t);
  if (!p) prepared.set(t, (p = prepareTarget(PROBE_TARGETS.find((x) => x.progType === t)!)));
  return p;
};

describe.skipIf(noKernel)('helper prototypes vs the kernel verifier', () => {
  let hashFd = -1;
  let rdonlyArrayFd = -1;
  beforeAll(() => {
    hashFd = createMap({ name: 'probe_hash', type: 'hash', keySize: 8, valueSize: 8, maxEntries: 4, flags: 0 });
    rdonlyArrayFd = createMap({
      name: 'probe_ro', type: 'array', keySize: 4, valueSize: RDONLY_VALUE_SIZE, maxEntries: 1, flags: 1 << 7, // BPF_F_RDONLY_PROG
    });
  });
  afterAll(() => {
    closeFd(hashFd);
    closeFd(rdonlyArrayFd);
  });

  /** Runs every applicable probe of `mode` over all helpers; returns [probes run, mismatches]. */
  function runMode(mode: ArgProbeMode): { ran: number; rejectedAsPredicted: number; mismatches: string[] } {
    let ran = 0;
    let rejectedAsPredicted = 0;
    const mismatches: string[] = [];
    // Packet pointers exist in tc (skb layout) and xdp programs.
    const order: ProgType[] = mode === 'packet' ? ['sched_cls', 'xdp'] : RUN_ORDER;
    for (const proto of allProtos()) {
      const type = order.find((t) => helperAvailability(t, proto.id) === 'allowed');
      if (!type || prep(type).unavailable) continue;
      const args = argsFor(proto, type);
      const packetCtx = type === 'xdp' ? 'xdp' : 'skb';
      for (let k = 1; k <= args.length; k++) {
        const socketLookup = helperAvailability(type, SK_LOOKUP_TCP) === 'allowed';
        const probe = buildArgProbe(proto.id, args, k, { hashFd, rdonlyArrayFd, packetCtx, socketLookup }, mode, proto.pktAccess);
        if (!probe) continue;
        const r = loadForProbe(prep(type).target, probe.code, prep(type).attachBtfId);
        ran++;
        if (!argProbeMatches(probe.expect, r.reason)) {
          mismatches.push(`${proto.name} arg${k} (${args[k - 1].text}) in ${type}: predicted ${JSON.stringify(probe.expect)}, kernel: ${r.reason ?? 'loaded'}`);
        } else if ('message' in probe.expect) rejectedAsPredicted++;
      }
    }
    return { ran, rejectedAsPredicted, mismatches };
  }

  it('a wrong-typed argument in each reachable position gives the predicted `R<n> type=... expected=...`', () => {
    const r = runMode('wrong-type');
    expect(r.mismatches).toEqual([]);
    expect(r.ran).toBeGreaterThan(400);
    expect(r.rejectedAsPredicted).toBeGreaterThan(300);
  });

  it('NULL is accepted exactly where the prototype says PTR_MAYBE_NULL', () => {
    const r = runMode('null');
    expect(r.mismatches).toEqual([]);
    expect(r.ran).toBeGreaterThan(200);
  });

  it('a read-only map value is refused exactly where the prototype says MEM_WRITE', () => {
    const r = runMode('rdonly-map');
    expect(r.mismatches).toEqual([]);
    expect(r.rejectedAsPredicted).toBeGreaterThan(30);
  });

  it('a zero size is refused exactly for ARG_CONST_SIZE (`invalid zero-sized read`)', () => {
    const r = runMode('zero-size');
    expect(r.mismatches).toEqual([]);
    expect(r.rejectedAsPredicted).toBeGreaterThan(30);
  });

  it('a packet pointer is refused exactly for helpers without pkt_access', () => {
    const r = runMode('packet');
    expect(r.mismatches).toEqual([]);
    expect(r.ran).toBeGreaterThan(50);
    expect(r.rejectedAsPredicted).toBeGreaterThan(30);
  });

  it('gpl_only: a non-GPL program is refused exactly the gpl_only helpers', () => {
    const wrong: string[] = [];
    let checked = 0;
    let gpl = 0;
    for (const proto of allProtos()) {
      const type = RUN_ORDER.find((t) => helperAvailability(t, proto.id) === 'allowed');
      if (!type) continue;
      const kernelSays = probeGplOnly(prep(type), proto.id);
      checked++;
      if (kernelSays) gpl++;
      if (kernelSays !== proto.gplOnly) wrong.push(`${proto.name}: table ${proto.gplOnly}, kernel ${kernelSays}`);
    }
    expect(wrong).toEqual([]);
    expect(checked).toBeGreaterThan(180);
    expect(gpl).toBeGreaterThan(20);
  });

  it('R0 after each helper has the type the prototype returns (named by the verifier)', () => {
    const ringbufFd = createMap({ name: 'probe_rb', type: 'ringbuf', keySize: 0, valueSize: 0, maxEntries: 4096, flags: 0 });
    const percpuFd = createMap({ name: 'probe_pc', type: 'percpu_hash', keySize: 8, valueSize: 8, maxEntries: 4, flags: 0 });
    const mapFor = (name: string): number =>
      name.startsWith('bpf_ringbuf') ? ringbufFd : name === 'bpf_map_lookup_percpu_elem' ? percpuFd : hashFd;
    const mismatches: string[] = [];
    let matched = 0;
    let pointers = 0;
    try {
      for (const proto of allProtos()) {
        const type = RUN_ORDER.find((t) => helperAvailability(t, proto.id) === 'allowed');
        if (!type) continue;
        const rt = returnRegType(proto.ret);
        const maps = { hashFd: mapFor(proto.name), socketLookup: helperAvailability(type, SK_LOOKUP_TCP) === 'allowed' };
        const probe = buildReturnProbe(proto.id, argsFor(proto, type), maps, rt.base === 'NOT_INIT' ? undefined : regTypeName(rt));
        if (!probe || !('message' in probe.expect)) continue;
        const reason = loadForProbe(prep(type).target, probe.code, prep(type).attachBtfId).reason ?? 'loaded';
        // Our one hash map does not suit helpers that need a special map type; those say so and are skipped.
        if (/^cannot pass map_type \d+ into func|^expected prog array map for tail call/.test(reason)) continue;
        if (reason === probe.expect.message) {
          matched++;
          if (rt.base !== 'SCALAR_VALUE') pointers++;
        } else mismatches.push(`${proto.name} in ${type}: predicted ${probe.expect.message}, kernel: ${reason}`);
      }
    } finally {
      closeFd(ringbufFd);
      closeFd(percpuFd);
    }
    expect(mismatches).toEqual([]);
    expect(matched).toBeGreaterThan(110);
    expect(pointers).toBeGreaterThanOrEqual(6);
  });

  it('spot checks: the messages of well-known helpers', () => {
    const load = (type: ProgType, name: string, k: number) => {
      const proto = protoByName(name)!;
      const probe = buildArgProbe(proto.id, argsFor(proto, type), k, { hashFd })!;
      return loadForProbe(prep(type).target, probe.code, prep(type).attachBtfId).reason;
    };
    const lookup = protoByName('map_lookup_elem')!;
    expect(load('socket_filter', 'map_lookup_elem', 1)).toBe('R1 type=scalar expected=map_ptr');
    expect(load('socket_filter', 'map_lookup_elem', 1)).toBe(typeMismatchMessage(1, { base: 'SCALAR_VALUE' }, lookup.args[0]));
    expect(load('sched_cls', 'skb_store_bytes', 1)).toBe('R1 type=scalar expected=ctx');
    expect(load('sched_cls', 'skb_store_bytes', 4)).toBe('R4 type=fp expected=scalar');
    expect(load('sched_cls', 'ringbuf_submit', 1)).toBe('R1 type=scalar expected=ringbuf_mem');
    expect(load('sched_cls', 'sk_release', 1)).toBe('R1 type=scalar expected=sock_common, sock, tcp_sock, xdp_sock, ptr_, trusted_ptr_');
    expect(load('sched_cls', 'loop', 2)).toBe('R2 type=scalar expected=func');
    expect(load('kprobe', 'probe_read_kernel', 1))
      .toBe('R1 type=scalar expected=fp, pkt, pkt_meta, map_key, map_value, mem, ringbuf_mem, buf, trusted_ptr_');
  });
});

describe.skipIf(noKernel)('helper availability vs the kernel', () => {
  it.skipIf(!sameKernel)('a live re-probe of a sample agrees with allowed.json', () => {
    const disagreements: string[] = [];
    let checked = 0;
    let seed = 12345;
    const types = Object.keys(PROG_TYPES) as ProgType[];
    for (const type of types) {
      if (allowedHelpers(type) === undefined) continue;
      const p = prep(type);
      expect(p.unavailable, type).toBeUndefined();
      for (let n = 0; n < 12; n++) {
        seed = (seed * 1103515245 + 12345) & 0x7fffffff;
        const id = 1 + (seed % HELPER_COUNT);
        const live = probeHelper(p, id);
        const want = helperAvailability(type, id);
        const got = !live.allowed ? 'not-allowed' : live.sleepableOnly ? 'sleepable-only' : 'allowed';
        checked++;
        if (got !== want) disagreements.push(`${type} ${helperById(id)?.name}: data ${want}, kernel ${got}`);
      }
    }
    expect(disagreements).toEqual([]);
    expect(checked).toBeGreaterThan(250);
  });

  it('refusals name the helper as our table does (`program of this type cannot use helper bpf_x#N`)', () => {
    // For every helper some probed type refuses, the kernel's own name must equal ours.
    const wrong: string[] = [];
    let named = 0;
    for (let id = 1; id <= HELPER_COUNT; id++) {
      const type = (Object.keys(PROG_TYPES) as ProgType[]).find((t) => helperAvailability(t, id) === 'not-allowed');
      if (!type) continue;
      const v = probeHelper(prep(type), id);
      const expected = `program of this type cannot use helper ${helperById(id)!.name}#${id}`;
      if (v.allowed || v.message !== expected) wrong.push(`${id}: ${v.allowed ? 'allowed' : v.message}`);
      named++;
    }
    expect(wrong).toEqual([]);
    expect(named).toBeGreaterThan(130);
  });

  it('ids past the last helper are `invalid func`', () => {
    const v = probeHelper(prep('socket_filter'), 5000);
    expect(v).toEqual({ allowed: false, message: 'invalid func unknown#5000' });
  });

  it('the data says what could not be probed', () => {
    expect(unprobedReason('struct_ops')).toMatch(/not probed/);
    expect(helperAllowed('struct_ops', 1)).toBeUndefined();
    expect(helperAllowed('xdp', protoByName('xdp_adjust_head')!.id)).toBe(true);
    expect(helperAllowed('xdp', protoByName('skb_store_bytes')!.id)).toBe(false);
  });
});
