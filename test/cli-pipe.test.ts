// The built CLI when its reader goes away early (`... | head -1`): no stack trace, a normal exit.
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';

const CLI = join(__dirname, '../dist/cli.js');

describe.skipIf(!existsSync(CLI))('bpf-asm in a pipe', () => {
  it('stops quietly when the reader closes', () => {
    const example = join(__dirname, '../examples/xdp_counter.bpf.s');
    const r = spawnSync('bash', ['-c', `for i in $(seq 40); do echo ${example}; done | xargs node ${CLI} verify --log-level 2 | head -1`], { encoding: 'utf8' });
    expect(r.stdout.trim()).toBe('func#0 @0');
    expect(r.stderr).not.toMatch(/EPIPE|Error/);
  });
});
