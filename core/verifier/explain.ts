// Our own plain-language explanations and fixes for the kernel's common verifier messages.

interface Explanation {
  explanation: string;
  fix: string;
}

const RULES: [RegExp, Explanation][] = [
  [/^R(\d+) !read_ok$/, {
    explanation: 'This instruction reads a register that has no value on this path (it was never written, or a helper call clobbered R1-R5).',
    fix: 'Give the register a value before this instruction on every path that reaches it.',
  }],
  [/^frame pointer is read only$/, {
    explanation: 'R10 is the frame pointer; programs may read it but never change it.',
    fix: 'Copy it first (r1 = r10) and change the copy.',
  }],
  [/^invalid (write to|read from) stack R\d+ off=(-?\d+) size=\d+$/, {
    explanation: 'The access falls outside the 512-byte stack, which spans r10-512 up to r10.',
    fix: 'Use an offset between -512 and -size from r10.',
  }],
  [/invalid mem access '.*_or_null'$/, {
    explanation: 'The pointer may be NULL here (for example the result of bpf_map_lookup_elem), and it is dereferenced without a check.',
    fix: 'Compare it with 0 first: if rX == 0 goto out;',
  }],
  [/invalid mem access 'scalar'$/, {
    explanation: 'The register holds a number, not a pointer, so it cannot be dereferenced.',
    fix: 'Load from a pointer register: the context, the stack (r10), a map value or packet data.',
  }],
  [/^invalid access to map value/, {
    explanation: 'The access reaches past the end (or before the start) of the map value.',
    fix: 'Keep offset + size within the map\'s value_size, and bound any variable index first.',
  }],
  [/^R\d+ type=\S+ expected=/, {
    explanation: 'The helper needs a different kind of value in this argument register.',
    fix: 'Pass the kind of pointer or value the helper expects (see the helper\'s prototype).',
  }],
  [/^invalid bpf_context access/, {
    explanation: 'The program\'s context struct has no readable/writable field at that offset and size for this program type.',
    fix: 'Check the field offset and access size against the context struct of this program type.',
  }],
  [/offset is outside of the packet$|^invalid access to packet/, {
    explanation: 'Packet data may only be read after proving the bytes are there by comparing against data_end.',
    fix: 'Compare data + offset + size against data_end before the access, and access through a register that carries that check.',
  }],
  [/^unreachable insn/, {
    explanation: 'No path from the program entry reaches this instruction; the kernel refuses dead code.',
    fix: 'Remove the instruction or make a jump reach it.',
  }],
  [/^jump out of range/, {
    explanation: 'The jump target is outside the function that contains the jump.',
    fix: 'Fix the jump offset or label.',
  }],
  [/^div by zero$/, {
    explanation: 'Division or modulo by the constant 0.',
    fix: 'Use a non-zero divisor.',
  }],
  [/pointer arithmetic with .* operator prohibited|bitwise operator .* on pointer prohibited/, {
    explanation: 'Only addition and subtraction of scalars are allowed on pointers.',
    fix: 'Do the arithmetic on a scalar offset, then add that to the pointer.',
  }],
  [/^Unreleased reference/, {
    explanation: 'A reference (for example ringbuf memory from bpf_ringbuf_reserve) is still held at exit.',
    fix: 'Submit or discard it (bpf_ringbuf_submit / bpf_ringbuf_discard) on every path.',
  }],
  [/^At program exit the register R0/, {
    explanation: 'This program type only accepts certain return values.',
    fix: 'Set R0 to a value in the allowed range before exit.',
  }],
  [/^BPF program is too large/, {
    explanation: 'The verifier would have to walk more than 1,000,000 instructions (often a loop without a provable bound).',
    fix: 'Bound the loop with a constant limit the verifier can see, or use bpf_loop.',
  }],
  [/^infinite loop detected/, {
    explanation: 'The loop comes back to the same state without making progress, so it never ends.',
    fix: 'Make the loop condition depend on a value that changes every iteration.',
  }],
  [/min value is negative/, {
    explanation: 'The offset register may be negative here.',
    fix: 'Check it is >= 0 (or use an unsigned comparison) before using it as an offset.',
  }],
  [/unbounded memory access/, {
    explanation: 'The offset register has no upper bound here.',
    fix: 'Compare it against a constant (if rX > N goto out) or mask it (rX &= N) first.',
  }],
  // unprivileged loads (no CAP_BPF / CAP_PERFMON)
  [/^R\d+ leaks addr (as return value|into )/, {
    explanation: 'Without CAP_PERFMON a program may not let a kernel address escape: not as its return value, nor into maps, the context, memory or helper arguments.',
    fix: 'Store or return a number derived from data, not a pointer; or load the program with CAP_BPF and CAP_PERFMON.',
  }],
  [/^R\d+ pointer comparison prohibited$/, {
    explanation: 'Without CAP_PERFMON the only comparison allowed on a pointer is the NULL check of a pointer that may be NULL.',
    fix: 'Compare scalars instead, or load the program with CAP_PERFMON.',
  }],
  [/prohibited for !root/, {
    explanation: 'Without CAP_PERFMON pointer arithmetic must stay inside its object and be maskable against speculative execution (Spectre v1): only stack and map value pointers, moved by an offset of one sign, within bounds, the same way on every path.',
    fix: 'Bound the offset to a non-negative range that keeps the pointer inside the object (rX &= N), or load the program with CAP_PERFMON.',
  }],
  [/^(invalid read from stack|invalid indirect read from stack)/, {
    explanation: 'The stack bytes read here (directly or by a helper through a pointer argument) hold no plain data on this path: usually they were never written, which only a loader with CAP_PERFMON may do.',
    fix: 'Initialise the stack bytes (for example *(u64 *)(r10 - 8) = 0) before reading them or passing them to a helper.',
  }],
  [/^back-edge from insn|^loading\/calling other bpf or kernel functions are allowed/, {
    explanation: 'Loops, bpf-to-bpf calls and kfuncs need CAP_BPF; unprivileged programs must be loop-free single functions.',
    fix: 'Unroll the loop and inline the function, or load the program with CAP_BPF.',
  }],
  [/^unprivileged load refused/, {
    explanation: 'bpf(BPF_PROG_LOAD) checks the caller\'s capabilities before running the verifier: without CAP_BPF only socket_filter and cgroup_skb programs of at most 4096 instructions load.',
    fix: 'Use one of those program types, or load with CAP_BPF (plus CAP_NET_ADMIN or CAP_PERFMON for network or tracing types).',
  }],
];

export function explain(message: string): Partial<Explanation> {
  for (const [re, ex] of RULES) if (re.test(message)) return ex;
  return {};
}
