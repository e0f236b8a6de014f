// Helper documentation for hovers and completion: the header's docs when one is found, else the
// bundled table; merged with the verifier's prototype and the program types allowed to call it.
import { loadHelperDocs, type HelperDefsLocation } from '../core/helpers/locate';
import { argsFor, protoById } from '../core/helpers/protos';
import { allHelpers, helperById, helperByName } from '../core/helpers/table';
import type { HelperDoc, HelperInfo } from '../core/helpers/types';
import { ALLOWED_PROBED_ON, helperAvailability } from '../core/helpers/allowed';
import type { ProgType } from '../core/program-types';

export class HelperDocs {
  private docs?: Map<number, HelperDoc>;
  location?: HelperDefsLocation;

  constructor(private settingPath = '', private workspaceFolders: readonly string[] = []) {}

  configure(settingPath: string, workspaceFolders: readonly string[]): void {
    if (settingPath === this.settingPath && workspaceFolders.join('\0') === this.workspaceFolders.join('\0')) return;
    this.settingPath = settingPath;
    this.workspaceFolders = workspaceFolders;
    this.docs = undefined;
  }

  private load(): Map<number, HelperDoc> {
    if (this.docs) return this.docs;
    this.docs = new Map();
    try {
      const { location, helpers } = loadHelperDocs({ settingPath: this.settingPath || undefined, workspaceFolders: this.workspaceFolders });
      this.location = location;
      for (const h of helpers) this.docs.set(h.id, h);
    } catch {
      // Unreadable header: the bundled table still answers.
    }
    return this.docs;
  }

  byId(id: number): HelperInfo | HelperDoc | undefined {
    return this.load().get(id) ?? helperById(id);
  }

  byName(name: string): HelperInfo | HelperDoc | undefined {
    const info = helperByName(name);
    return info ? this.byId(info.id) : undefined;
  }

  all(): readonly HelperInfo[] {
    const docs = this.load();
    return docs.size ? [...docs.values()].sort((a, b) => a.id - b.id) : allHelpers();
  }

  /** Markdown for a hover on a call to this helper. */
  markdown(id: number, progType: ProgType | undefined): string | undefined {
    const h = this.byId(id);
    if (!h) return undefined;
    const parts = ['```c\n' + h.signature + '\n```', `helper #${h.id}`];
    const proto = protoById(id);
    if (proto) {
      const args = argsFor(proto, progType);
      const rows = args.map((a, i) => `| R${i + 1} | ${h.params[i]?.name ?? ''} | \`${a.text}\` |`);
      rows.push(`| R0 | return | \`${proto.ret.text}\` |`);
      parts.push('| reg | param | verifier type |\n|---|---|---|\n' + rows.join('\n'));
      const flags = [proto.gplOnly && 'GPL only', proto.pktAccess && 'packet access', proto.mightSleep && 'may sleep'].filter(Boolean);
      if (flags.length) parts.push(flags.join(' · '));
    }
    if (progType) {
      const a = helperAvailability(progType, id);
      if (a === 'not-allowed') parts.push(`⚠ not available to \`${progType}\` programs (Linux ${ALLOWED_PROBED_ON})`);
      if (a === 'sleepable-only') parts.push(`⚠ only sleepable \`${progType}\` programs may call it`);
    }
    const doc = h as Partial<HelperDoc>;
    if (doc.description) parts.push(doc.description.trim());
    if (doc.returns) parts.push('**Returns** ' + doc.returns.trim());
    return parts.join('\n\n');
  }
}
