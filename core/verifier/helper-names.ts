// Helper names as the kernel log prints them (`bpf_map_lookup_elem`), from the bundled table.
import { helperById } from '../helpers/table';

export function helperNameOf(id: number): string {
  if (id === 0) return 'bpf_unspec';
  return helperById(id)?.name ?? 'unknown';
}
