// Where the bpf_conformance files are: ../shared/conformance beside the checkout (as CI lays it
// out), else the workplace's copy.
import { existsSync } from 'node:fs';
import { join } from 'node:path';

const CANDIDATES = [join(__dirname, '../../shared/conformance'), '/work/shared/conformance'];

export const CONFORMANCE_DIR: string = CANDIDATES.find((d) => existsSync(d)) ?? CANDIDATES[0]!;
export const conformanceAvailable: boolean = existsSync(CONFORMANCE_DIR);
if (!conformanceAvailable) console.warn(`conformance tests skipped: no bpf_conformance files at ${CANDIDATES.join(' or ')}`);
