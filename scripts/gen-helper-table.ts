// Regenerates core/helpers/helper-table.json from a bpf_helper_defs.h (facts only: no doc text).
// Usage: npx tsx scripts/gen-helper-table.ts [path/to/bpf_helper_defs.h]

import { readFileSync, writeFileSync } from 'node:fs';
import { parseHelperDefs } from '../core/helpers/defs-parser';
import type { HelperInfo } from '../core/helpers/types';

const source = process.argv[2] ?? '/usr/include/bpf/bpf_helper_defs.h';
const out = new URL('../core/helpers/helper-table.json', import.meta.url);

const helpers: HelperInfo[] = parseHelperDefs(readFileSync(source, 'utf8')).map((h) => ({
  id: h.id,
  name: h.name,
  returnType: h.returnType,
  params: h.params,
  variadic: h.variadic,
  signature: h.signature,
}));
helpers.sort((a, b) => a.id - b.id);

// One helper per line keeps diffs readable.
const body = helpers.map((h) => '  ' + JSON.stringify(h)).join(',\n');
writeFileSync(out, `{\n "source": ${JSON.stringify(source)},\n "helpers": [\n${body}\n ]\n}\n`);
console.log(`wrote ${helpers.length} helpers (ids ${helpers[0]?.id}..${helpers.at(-1)?.id}) to ${out.pathname}`);
