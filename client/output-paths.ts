// File names the commands write. No vscode imports, so it can be tested.

/** The object file assembled from `source`: its last extension replaced by `.o` (`x.bpf.s` -> `x.bpf.o`). */
export function objectPathFor(source: string): string {
  const slash = source.lastIndexOf('/');
  const dot = source.lastIndexOf('.');
  return (dot > slash + 1 ? source.slice(0, dot) : source) + '.o';
}
