/**
 * A strict reader of the Dockerfile instructions this project uses. Anything else (another
 * instruction, flag or form) is an error, so the image check never passes by ignoring a line.
 */
export type Instruction =
  | { kind: 'WORKDIR'; line: number; path: string }
  | { kind: 'COPY'; line: number; from?: string; chown?: string; sources: string[]; dest: string }
  | { kind: 'RUN'; line: number; command: string }
  | { kind: 'ENV'; line: number; vars: Record<string, string> }
  | { kind: 'LABEL'; line: number; labels: Record<string, string> }
  | { kind: 'USER'; line: number; user: string }
  | { kind: 'EXPOSE'; line: number; ports: number[] }
  | { kind: 'HEALTHCHECK'; line: number; options: Record<string, string>; command: string[] }
  | { kind: 'CMD'; line: number; command: string[] };

export type Stage = { name: string; image: string; steps: Instruction[] };

export class DockerfileError extends Error {
  constructor(line: number, message: string) {
    super(`Dockerfile line ${line}: ${message}`);
  }
}

const HEALTHCHECK_OPTIONS = new Set(['interval', 'timeout', 'start-period', 'retries']);

/** Joins continued lines and drops comments; keeps each instruction's first line number. */
function logicalLines(text: string): { line: number; text: string }[] {
  const out: { line: number; text: string }[] = [];
  let pending: { line: number; text: string } | null = null;
  text.split('\n').forEach((raw, i) => {
    if (/^\s*#/.test(raw) || (!pending && raw.trim() === '')) return;
    const continued = /\\\s*$/.test(raw);
    const part = raw.replace(/\\\s*$/, '');
    pending = pending ? { line: pending.line, text: `${pending.text} ${part.trim()}` } : { line: i + 1, text: part.trim() };
    if (!continued) {
      out.push(pending);
      pending = null;
    }
  });
  if (pending) out.push(pending);
  return out;
}

/** Splits on blanks outside double quotes and removes the quotes. */
function words(text: string): string[] {
  return [...text.matchAll(/(?:[^\s"]+|"(?:[^"\\]|\\.)*")+/g)].map((m) => m[0].replace(/"((?:[^"\\]|\\.)*)"/g, (_, s: string) => s.replace(/\\(.)/g, '$1')));
}

function pairs(line: number, text: string): Record<string, string> {
  const out: Record<string, string> = {};
  for (const word of words(text)) {
    const eq = word.indexOf('=');
    if (eq <= 0) throw new DockerfileError(line, `expected KEY=VALUE, got "${word}"`);
    out[word.slice(0, eq)] = word.slice(eq + 1);
  }
  return out;
}

function execForm(line: number, text: string): string[] {
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch {
    throw new DockerfileError(line, 'only the exec form (a JSON array) is supported');
  }
  if (!Array.isArray(parsed) || parsed.length === 0 || !parsed.every((p) => typeof p === 'string')) {
    throw new DockerfileError(line, 'the exec form must be a non-empty array of strings');
  }
  return parsed as string[];
}

/** Replaces $NAME and ${NAME}; an unknown variable is an error rather than an empty string. */
function substitute(line: number, text: string, vars: Record<string, string>): string {
  return text.replace(/\$\{(\w+)\}|\$(\w+)/g, (_, braced?: string, bare?: string) => {
    const name = (braced ?? bare)!;
    const value = vars[name];
    if (value === undefined) throw new DockerfileError(line, `unknown variable ${name}`);
    return value;
  });
}

function flags(line: number, args: string[], allowed: string[]): { flags: Record<string, string>; rest: string[] } {
  const found: Record<string, string> = {};
  let i = 0;
  for (; i < args.length && args[i]!.startsWith('--'); i++) {
    const m = /^--([\w-]+)=(.+)$/.exec(args[i]!);
    if (!m || !allowed.includes(m[1]!)) throw new DockerfileError(line, `unsupported flag ${args[i]}`);
    found[m[1]!] = m[2]!;
  }
  return { flags: found, rest: args.slice(i) };
}

export function parseDockerfile(text: string): Stage[] {
  const globalArgs: Record<string, string> = {};
  const stages: Stage[] = [];
  let env: Record<string, string> = {};
  for (const { line, text: instruction } of logicalLines(text)) {
    const m = /^(\w+)\s+(.*)$/.exec(instruction);
    if (!m) throw new DockerfileError(line, `cannot read "${instruction}"`);
    const keyword = m[1]!.toUpperCase();
    const rest = m[2]!.trim();
    const stage = stages.at(-1);
    if (keyword === 'ARG') {
      if (stage) throw new DockerfileError(line, 'ARG is supported before the first FROM only');
      const [name, value] = rest.split('=', 2);
      if (!name || value === undefined || !/^\w+$/.test(name)) throw new DockerfileError(line, 'ARG needs NAME=default');
      globalArgs[name] = value;
      continue;
    }
    if (keyword === 'FROM') {
      const parts = words(substitute(line, rest, globalArgs));
      if (parts.length !== 3 || parts[1]!.toUpperCase() !== 'AS') throw new DockerfileError(line, 'FROM must read FROM <image> AS <name>');
      if (stages.some((s) => s.name === parts[2])) throw new DockerfileError(line, `stage ${parts[2]} is defined twice`);
      stages.push({ name: parts[2]!, image: parts[0]!, steps: [] });
      env = {};
      continue;
    }
    if (!stage) throw new DockerfileError(line, `${keyword} before the first FROM`);
    const sub = (s: string) => substitute(line, s, env);
    switch (keyword) {
      case 'WORKDIR': {
        const path = sub(rest);
        if (!path.startsWith('/')) throw new DockerfileError(line, 'WORKDIR must be absolute');
        stage.steps.push({ kind: 'WORKDIR', line, path });
        break;
      }
      case 'COPY': {
        const { flags: f, rest: paths } = flags(line, words(sub(rest)), ['from', 'chown']);
        if (paths.length < 2) throw new DockerfileError(line, 'COPY needs a source and a destination');
        if (paths.some((p) => /[*?[]/.test(p))) throw new DockerfileError(line, 'wildcards in COPY are not supported');
        if (f.from && !stages.slice(0, -1).some((s) => s.name === f.from)) throw new DockerfileError(line, `no earlier stage named ${f.from}`);
        stage.steps.push({ kind: 'COPY', line, from: f.from, chown: f.chown, sources: paths.slice(0, -1), dest: paths.at(-1)! });
        break;
      }
      case 'RUN':
        if (rest.startsWith('[')) throw new DockerfileError(line, 'RUN in exec form is not supported');
        stage.steps.push({ kind: 'RUN', line, command: rest });
        break;
      case 'ENV': {
        const vars = pairs(line, sub(rest));
        env = { ...env, ...vars };
        stage.steps.push({ kind: 'ENV', line, vars });
        break;
      }
      case 'LABEL':
        stage.steps.push({ kind: 'LABEL', line, labels: pairs(line, sub(rest)) });
        break;
      case 'USER':
        if (!/^[\w-]+$/.test(sub(rest))) throw new DockerfileError(line, 'USER must be one user name');
        stage.steps.push({ kind: 'USER', line, user: sub(rest) });
        break;
      case 'EXPOSE': {
        const ports = words(sub(rest)).map((p) => (/^\d+$/.test(p) ? Number(p) : NaN));
        if (ports.some((p) => !Number.isInteger(p))) throw new DockerfileError(line, 'EXPOSE takes TCP port numbers');
        stage.steps.push({ kind: 'EXPOSE', line, ports });
        break;
      }
      case 'HEALTHCHECK': {
        const cmdAt = rest.search(/(^|\s)CMD\s/);
        if (cmdAt < 0) throw new DockerfileError(line, 'HEALTHCHECK needs CMD');
        const { flags: options, rest: extra } = flags(line, words(rest.slice(0, cmdAt)), [...HEALTHCHECK_OPTIONS]);
        if (extra.length) throw new DockerfileError(line, `unexpected "${extra.join(' ')}" before CMD`);
        const command = execForm(line, rest.slice(cmdAt).trim().replace(/^CMD\s+/, ''));
        stage.steps.push({ kind: 'HEALTHCHECK', line, options, command });
        break;
      }
      case 'CMD':
        stage.steps.push({ kind: 'CMD', line, command: execForm(line, rest) });
        break;
      default:
        throw new DockerfileError(line, `instruction ${keyword} is not understood by the image check`);
    }
  }
  if (stages.length === 0) throw new DockerfileError(1, 'no FROM');
  return stages;
}
