// Helper names as the kernel log prints them (`bpf_map_lookup_elem`), from the bundled table.
import { helperById } from '../helpers/table';

export function helperNameOf(id: number): string {
  return helperById(id)?.name ?? 'unknown';
}
