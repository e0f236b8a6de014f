// Strongly connected components of the control-flow graph within each function, numbered as the
// kernel numbers them (Tarjan's algorithm from slot 0 up, ids from 1 in order of completion). An
// instruction gets an id only in a component of two or more instructions or with a self-loop.
// The verifier tracks loop visits per component (see Verifier: SCC visits and backedges).
import type { Instruction } from '../isa';
import { jumpTarget, type Slots } from './cfg';

/** Intraprocedural successors: calls fall through; callees and callback addresses are not edges. */
function successors(slots: Slots, i: number, out: number[]): number {
  const insn: Instruction = slots.at[i]!;
  const code = insn.code;
  const cls = code & 7;
  const next = i + (code === 0x18 ? 2 : 1);
  if (cls !== 0x05 && cls !== 0x06) {
    out[0] = next;
    return 1;
  }
  const op = code & 0xf0;
  if (op === 0x90) return 0;
  if (op === 0x80) {
    out[0] = next;
    return 1;
  }
  const target = jumpTarget(i, insn);
  if (op === 0x00) {
    out[0] = target;
    return 1;
  }
  out[0] = next;
  out[1] = target;
  return 2;
}

/** SCC id per slot (0: in no loop); undefined for a program without a backward jump (no loop). */
export function computeSccs(slots: Slots): Int32Array | undefined {
  const n = slots.count;
  let backward = false;
  for (let i = 0; i < n && !backward; i++) {
    const insn = slots.at[i];
    if (!insn || ((insn.code & 7) !== 0x05 && (insn.code & 7) !== 0x06)) continue;
    const op = insn.code & 0xf0;
    if (op === 0x80 || op === 0x90) continue;
    backward = (insn.code === 0x06 ? insn.imm : insn.off) < 0;
  }
  if (!backward) return undefined;
  const scc = new Int32Array(n);
  const index = new Int32Array(n); // DFS preorder number + 1 (0: unvisited)
  const low = new Int32Array(n);
  const onStack = new Uint8Array(n);
  const stack: number[] = [];
  const dfsNode: number[] = [];
  const dfsEdge: number[] = [];
  const succ = [0, 0];
  let counter = 0;
  let nextId = 1;
  for (let root = 0; root < n; root++) {
    if (!slots.at[root] || index[root]) continue;
    dfsNode.push(root);
    dfsEdge.push(0);
    index[root] = low[root] = ++counter;
    stack.push(root);
    onStack[root] = 1;
    while (dfsNode.length) {
      const top = dfsNode.length - 1;
      const v = dfsNode[top]!;
      const cnt = successors(slots, v, succ);
      const k = dfsEdge[top]!;
      if (k < cnt) {
        dfsEdge[top] = k + 1;
        const w = succ[k]!;
        if (w < 0 || w >= n || !slots.at[w]) continue;
        if (!index[w]) {
          index[w] = low[w] = ++counter;
          stack.push(w);
          onStack[w] = 1;
          dfsNode.push(w);
          dfsEdge.push(0);
        } else if (onStack[w] && index[w] < low[v]) {
          low[v] = index[w];
        }
        continue;
      }
      dfsNode.pop();
      dfsEdge.pop();
      if (dfsNode.length) {
        const parent = dfsNode[dfsNode.length - 1]!;
        if (low[v] < low[parent]) low[parent] = low[v];
      }
      if (low[v] !== index[v]) continue;
      // v is a component's root: it counts when it has two members or a self-loop
      let real = stack[stack.length - 1] !== v;
      if (!real) {
        const c = successors(slots, v, succ);
        for (let j = 0; j < c; j++) if (succ[j] === v) real = true;
      }
      const id = real ? nextId++ : 0;
      for (;;) {
        const w = stack.pop()!;
        onStack[w] = 0;
        scc[w] = id;
        if (w === v) break;
      }
    }
  }
  return scc;
}
