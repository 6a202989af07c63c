// Running the real tools whose text heaplens reads (top, ps, pidstat, strace, valgrind, the
// allocators' heap profilers) on fixture programs, and reading their output with the engine.
import { type ChildProcess, execFile, spawn } from 'node:child_process';
import { existsSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { promisify } from 'node:util';
import type { Binary } from '../../src/engine/elf/symbols';
import { openBinary } from '../../src/engine/elf/symbols';
import { type TextDocument, detectText, readText } from '../../src/engine/text';
import { readHead } from '../../src/engine/text/lines';
import { initNodeDemangler } from '../../src/workers/node-runtime';
import { NodeFileSource } from '../../src/workers/node-source';
import { WORK } from './fixtures';

export const run = promisify(execFile);

const onPath = (tool: string) => (process.env.PATH ?? '/usr/bin:/bin').split(':').some((d) => d && existsSync(join(d, tool)));

/** Why a test cannot run here (the tool is missing and what installs it), or undefined. */
export function missingTool(tool: string, pkg: string): string | undefined {
  return onPath(tool) ? undefined : `${tool} is not installed (Debian package ${pkg}; the test set-up installs it when run as root)`;
}

/** Same for a library, by one of its headers. */
export function missingHeader(header: string, pkg: string): string | undefined {
  return existsSync(join('/usr/include', header)) ? undefined : `${header} is missing (Debian package ${pkg}; the test set-up installs it when run as root)`;
}

export function workDir(name: string): string {
  const d = join(WORK, 'text', `${name}-${process.pid}-${Date.now()}`);
  mkdirSync(d, { recursive: true });
  return d;
}

export interface Running {
  child: ChildProcess;
  /** Resolves with the first match of re in the program's stdout. */
  waitFor(re: RegExp, timeoutMs?: number): Promise<RegExpExecArray>;
  exited: Promise<number | null>;
}

export function start(cmd: string, args: string[], opts: { env?: NodeJS.ProcessEnv; cwd?: string } = {}): Running {
  const child = spawn(cmd, args, { stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, ...opts.env }, cwd: opts.cwd });
  let out = '';
  let err = '';
  const waiters: { re: RegExp; resolve: (m: RegExpExecArray) => void }[] = [];
  child.stdout!.on('data', (d: Buffer) => {
    out += d.toString();
    for (const w of [...waiters]) {
      const m = w.re.exec(out);
      if (m) {
        waiters.splice(waiters.indexOf(w), 1);
        w.resolve(m);
      }
    }
  });
  child.stderr!.on('data', (d: Buffer) => (err += d.toString()));
  const exited = new Promise<number | null>((r) => child.on('exit', (code) => r(code)));
  return {
    child,
    exited,
    waitFor(re, timeoutMs = 60000) {
      const m = re.exec(out);
      if (m) return Promise.resolve(m);
      return new Promise((resolve, reject) => {
        const timer = setTimeout(() => reject(new Error(`${cmd} did not print ${re} within ${timeoutMs} ms; stderr: ${err}`)), timeoutMs);
        exited.then((code) => reject(new Error(`${cmd} exited with ${code} before printing ${re}; stderr: ${err}`)));
        waiters.push({ re, resolve: (x) => (clearTimeout(timer), resolve(x)) });
      });
    },
  };
}

/** The kinds whose importers claim the file (confidence ≥ 0.5), most sure first: from the content only. */
export async function claimedBy(path: string): Promise<string[]> {
  const src = await NodeFileSource.open(path);
  try {
    return detectText((await readHead(src)).text).candidates.filter((c) => c.confidence >= 0.5).map((c) => c.kind);
  } finally {
    await src.close();
  }
}

/** Reads a text file with the engine, as the CLI does. */
export async function readTextFile(path: string, binaries: string[] = [], chunkSize?: number): Promise<TextDocument> {
  await initNodeDemangler();
  const bins: Binary[] = [];
  for (const b of binaries) {
    const s = await NodeFileSource.open(b);
    try {
      bins.push(await openBinary(s));
    } finally {
      await s.close();
    }
  }
  const src = await NodeFileSource.open(path);
  try {
    return await readText(src, { binaries: bins, chunkSize });
  } finally {
    await src.close();
  }
}
