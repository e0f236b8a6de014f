// Entry point of dist/debugAdapter.js: the eBPF debug adapter speaking DAP over stdin/stdout.
import { BpfDebugSession } from './session';

BpfDebugSession.run(BpfDebugSession);
