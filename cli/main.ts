// bpf-asm: dispatches to one module per command.
import { EXIT_USAGE, UsageError, type CliIO } from './io';
import { COMMANDS } from './commands';

const USAGE = `usage: bpf-asm <command> [options]

commands:
${Object.entries(COMMANDS).map(([name, c]) => `  ${name.padEnd(12)}${c.summary}`).join('\n')}

Run 'bpf-asm <command> --help' for a command's options.`;

export async function main(argv: string[], io: CliIO): Promise<number> {
  const [name, ...args] = argv;
  if (!name || name === '--help' || name === '-h' || name === 'help') {
    io.out(USAGE + '\n');
    return name ? 0 : EXIT_USAGE;
  }
  const command = COMMANDS[name];
  if (!command) {
    io.err(`bpf-asm: unknown command '${name}'\n${USAGE}\n`);
    return EXIT_USAGE;
  }
  try {
    return await command.run(args, io);
  } catch (e) {
    if (e instanceof UsageError) {
      io.err(`bpf-asm ${name}: ${e.message}\n`);
      return EXIT_USAGE;
    }
    throw e;
  }
}

if (require.main === module) {
  // A reader that goes away (`bpf-asm disasm x.o | head`) ends the output, not the process with a trace.
  for (const stream of [process.stdout, process.stderr]) {
    stream.on('error', (e: NodeJS.ErrnoException) => {
      if (e.code === 'EPIPE') process.exit(process.exitCode ?? 0);
      throw e;
    });
  }
  const io: CliIO = { out: (t) => process.stdout.write(t), err: (t) => process.stderr.write(t) };
  main(process.argv.slice(2), io).then(
    (code) => { process.exitCode = code; },
    (e: unknown) => {
      io.err(`bpf-asm: internal error: ${e instanceof Error ? e.stack : String(e)}\n`);
      process.exitCode = 70;
    },
  );
}
