// Structure of the prototype table (no kernel needed): completeness, consistency with the C
// declarations in the helper table, and the parsing of the kernel's type spellings.
import { describe, expect, it } from 'vitest';
import { allowedHelpers, helperAllowed, helperAvailability, ALLOWED_PROBED_ON } from '../core/helpers/allowed';
import {
  argAcceptsNull, COMPATIBLE_REG_TYPES, expectedRegTypeNames, parseArgType, parseRetType, returnRegType,
} from '../core/helpers/proto-types';
import { allProtos, argsFor, formatProto, protoById, protoByName, PROTO_TABLE_ERRORS } from '../core/helpers/protos';
import { regBaseTypeOfName, regTypeName, REG_TYPE_NAMES } from '../core/helpers/reg-type-names';
import { allHelpers, HELPER_COUNT, helperById } from '../core/helpers/table';

describe('prototype table', () => {
  it('covers every helper of the table, with no build errors', () => {
    expect(PROTO_TABLE_ERRORS).toEqual([]);
    expect(allProtos().map((p) => p.id)).toEqual(allHelpers().map((h) => h.id));
    for (const p of allProtos()) expect(p.name).toBe(helperById(p.id)!.name);
    expect(protoByName('map_lookup_elem')).toBe(protoById(1));
    expect(protoById(HELPER_COUNT + 1)).toBeUndefined();
  });

  it('has as many arguments as the C declaration has parameters', () => {
    // bpf_get_branch_snapshot's flags are not checked by the kernel (ARG_DONTCARE; kernel-verified).
    const known = new Set(['bpf_get_branch_snapshot']);
    const off: string[] = [];
    for (const p of allProtos()) {
      const c = helperById(p.id)!;
      if (p.args.length !== c.params.length && !known.has(p.name)) off.push(`${c.signature}: ${p.args.length} args`);
      expect(p.args.length).toBeLessThanOrEqual(5);
    }
    expect(off).toEqual([]);
  });

  it('uses pointer argument kinds only where the C parameter is a pointer', () => {
    // A C scalar parameter must never be a pointer kind in the prototype (ctx-typed `void *` may be anything).
    const scalarKinds = new Set(['ARG_ANYTHING', 'ARG_CONST_SIZE', 'ARG_CONST_SIZE_OR_ZERO', 'ARG_CONST_ALLOC_SIZE_OR_ZERO']);
    const bad: string[] = [];
    for (const p of allProtos()) {
      const c = helperById(p.id)!;
      p.args.forEach((a, i) => {
        const cType = c.params[i]?.type ?? '';
        if (!cType.includes('*') && !scalarKinds.has(a.base)) bad.push(`${c.name} arg${i + 1}: ${cType} vs ${a.text}`);
      });
    }
    expect(bad).toEqual([]);
  });

  it('returns pointers only where C returns a pointer', () => {
    // bpf_task_pt_regs is declared `long` in C; the kernel returns a pt_regs BTF pointer.
    const known = new Set(['bpf_task_pt_regs']);
    const bad = allProtos().filter((p) => !known.has(p.name)).filter((p) => {
      const cPointer = helperById(p.id)!.returnType.includes('*');
      const protoPointer = !['RET_INTEGER', 'RET_VOID'].includes(p.ret.base);
      return cPointer !== protoPointer;
    });
    expect(bad.map((p) => p.name)).toEqual([]);
  });

  it('expands the kernel shorthands', () => {
    expect(parseArgType('ARG_PTR_TO_UNINIT_MEM')).toMatchObject({ base: 'ARG_PTR_TO_MEM', flags: ['MEM_UNINIT', 'MEM_WRITE'] });
    expect(parseArgType('ARG_PTR_TO_MEM_OR_NULL | MEM_WRITE')).toMatchObject({ base: 'ARG_PTR_TO_MEM', flags: ['PTR_MAYBE_NULL', 'MEM_WRITE'] });
    expect(parseArgType('ARG_PTR_TO_FIXED_SIZE_MEM | MEM_UNINIT', { size: 8 })).toMatchObject({ base: 'ARG_PTR_TO_MEM', size: 8 });
    expect(parseArgType('ARG_NOPE')).toBeUndefined();
    expect(parseArgType('ARG_ANYTHING | ARG_PTR_TO_CTX')).toBeUndefined();
    expect(parseRetType('RET_PTR_TO_RINGBUF_MEM_OR_NULL')).toMatchObject({ base: 'RET_PTR_TO_MEM', flags: ['PTR_MAYBE_NULL', 'MEM_RINGBUF'] });
    expect(parseRetType('MEM_RDONLY')).toBeUndefined();
    expect(formatProto(protoByName('map_lookup_elem')!))
      .toBe('RET_PTR_TO_MAP_VALUE_OR_NULL bpf_map_lookup_elem(ARG_CONST_MAP_PTR, ARG_PTR_TO_MAP_KEY)');
  });

  it('picks a program type variant where one exists', () => {
    const setsockopt = protoByName('setsockopt')!;
    expect(argsFor(setsockopt, 'sock_ops')[0].base).toBe('ARG_PTR_TO_CTX');
    expect(argsFor(setsockopt, 'cgroup_sockopt')[0].base).toBe('ARG_PTR_TO_BTF_ID_SOCK_COMMON');
    expect(argsFor(setsockopt, undefined)).toBe(setsockopt.args);
  });

  it('names register types the way reg_type_str() does', () => {
    expect(regTypeName('PTR_TO_STACK')).toBe('fp');
    expect(regTypeName(returnRegType(protoByName('map_lookup_elem')!.ret))).toBe('map_value_or_null');
    expect(regTypeName(returnRegType(protoByName('ringbuf_reserve')!.ret))).toBe('ringbuf_mem_or_null');
    expect(regTypeName(returnRegType(protoByName('skc_to_tcp_sock')!.ret))).toBe('ptr_or_null_');
    expect(regTypeName(returnRegType(protoByName('get_current_task_btf')!.ret))).toBe('trusted_ptr_');
    expect(regTypeName({ base: 'PTR_TO_BTF_ID', flags: ['MEM_PERCPU', 'MEM_RCU'] })).toBe('percpu_rcu_ptr_');
    expect(regBaseTypeOfName('map_value')).toBe('PTR_TO_MAP_VALUE');
    expect(regBaseTypeOfName('nope')).toBeUndefined();
    expect(new Set(Object.values(REG_TYPE_NAMES)).size).toBe(Object.keys(REG_TYPE_NAMES).length);
    expect(expectedRegTypeNames({ base: 'ARG_CONST_MAP_PTR' })).toEqual(['map_ptr']);
    expect(COMPATIBLE_REG_TYPES.ARG_DONTCARE).toEqual([]);
    expect(argAcceptsNull(protoByName('snprintf')!.args[0])).toBe(true);
    expect(argAcceptsNull(protoByName('map_lookup_elem')!.args[1])).toBe(false);
  });
});

describe('availability data', () => {
  it('records the kernel and only valid helper ids', () => {
    expect(ALLOWED_PROBED_ON).toMatch(/^\d+\.\d+/);
    for (const t of ['socket_filter', 'xdp', 'sched_cls', 'kprobe'] as const) {
      const ids = allowedHelpers(t)!;
      expect(ids.length).toBeGreaterThan(50);
      for (const id of ids) expect(helperById(id)).toBeDefined();
    }
    // Every program type can use the map helpers.
    for (const t of ['socket_filter', 'xdp', 'sched_cls', 'kprobe', 'cgroup_skb'] as const) expect(helperAllowed(t, 1)).toBe(true);
    expect(helperAvailability('socket_filter', 9)).toBe('not-allowed');
    expect(helperAvailability('ext', 1)).toBe('unknown');
  });
});
