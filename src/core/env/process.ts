/**
 * Every program Seam runs goes through here, on execa: arguments as an array and never a shell,
 * a cancel (AbortSignal) that kills the child, a time limit, stderr streamed line by line to the
 * log as it arrives. execa is loaded on first use, so reading a project never pays for it.
 */

export interface RunOptions {
  cwd?: string;
  /** The whole environment of the child (default: this process's). */
  env?: NodeJS.ProcessEnv;
  /** Text for the child's stdin (default: none). */
  input?: string;
  signal?: AbortSignal;
  timeoutMs?: number;
  /** Each line of stderr as it arrives (for the log). */
  onStderr?: (line: string) => void;
}

export interface RunResult {
  /** The exit code; null when the child was killed (time limit) or died of a signal. */
  code: number | null;
  stdout: string;
  stderr: string;
  timedOut: boolean;
}

export type Runner = (cmd: string, args: string[], options: RunOptions) => Promise<RunResult>;

/** Thrown when the program is not installed (`code` ENOENT, as node's spawn says it). */
export class ProgramMissing extends Error {
  readonly code = 'ENOENT';
  constructor(readonly program: string) {
    super(`${program}: not found`);
    this.name = 'ProgramMissing';
  }
}

/** The error a cancelled run rejects with (`name` AbortError, like fetch and node's APIs). */
export function abortError(): Error {
  return Object.assign(new Error('cancelled'), { name: 'AbortError' });
}

/** Runs a program; resolves with its exit code and output, rejects with ProgramMissing or an AbortError. */
export const runProcess: Runner = async (cmd, args, options) => {
  const { execa } = await import('execa');
  const onStderr = options.onStderr;
  const result = await execa(cmd, args, {
    cwd: options.cwd,
    env: options.env,
    extendEnv: options.env === undefined,
    ...(options.input !== undefined ? { input: options.input } : { stdin: 'ignore' as const }),
    stderr: onStderr
      ? [
          function* (line: unknown) {
            onStderr(String(line));
            yield line;
          },
        ]
      : 'pipe',
    reject: false,
    cancelSignal: options.signal,
    timeout: options.timeoutMs,
    forceKillAfterDelay: 3_000,
    maxBuffer: 512 * 1024 * 1024,
    stripFinalNewline: false,
  });
  if ((result as { code?: string }).code === 'ENOENT') throw new ProgramMissing(cmd);
  if (result.isCanceled) throw abortError();
  const stderr = String(result.stderr ?? '');
  return {
    code: result.exitCode ?? null,
    stdout: String(result.stdout ?? ''),
    stderr: result.timedOut
      ? `${stderr}${stderr && !stderr.endsWith('\n') ? '\n' : ''}${cmd}: stopped after ${options.timeoutMs} ms\n`
      : stderr,
    timedOut: result.timedOut,
  };
};

/** Runs an interactive program on this terminal (`seam shell`); resolves with its exit code. */
export async function runInteractive(cmd: string, args: string[], options: { cwd?: string; env?: NodeJS.ProcessEnv }): Promise<number> {
  const { execa } = await import('execa');
  const result = await execa(cmd, args, {
    cwd: options.cwd,
    env: options.env,
    extendEnv: options.env === undefined,
    stdio: 'inherit',
    reject: false,
  });
  if ((result as { code?: string }).code === 'ENOENT') throw new ProgramMissing(cmd);
  return result.exitCode ?? 1;
}
