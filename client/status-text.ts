// The status bar's text for a bpfAsm/status notification. No vscode imports, so it can be tested.
import type { StatusParams } from './protocol';

const ICONS: Record<StatusParams['verdict'], string> = {
  accepted: '$(pass)',
  rejected: '$(error)',
  error: '$(warning)',
  pending: '$(sync~spin)',
};

/** The status bar text for a status, such as `$(pass) xdp: accepted (12 insns)`. */
export function statusText(s: StatusParams): string {
  const type = s.programType ?? s.section ?? 'eBPF';
  const insns = s.processedInsns !== undefined && s.verdict !== 'error' ? ` (${s.processedInsns} insns)` : '';
  const verdict = s.verdict === 'error' ? 'does not assemble' : s.verdict;
  return `${ICONS[s.verdict]} ${type}: ${verdict}${insns}`;
}
