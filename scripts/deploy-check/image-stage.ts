import { execFileSync } from 'node:child_process';
import { cpSync, existsSync, mkdirSync, readFileSync, statSync } from 'node:fs';
import { basename, dirname, join, posix, relative } from 'node:path';
import { DockerfileError, type Stage } from './dockerfile.js';

/** What a stage leaves behind: its filesystem (under `root`) and the settings a container starts with. */
export type BuiltStage = {
  name: string;
  root: string;
  workdir: string;
  env: Record<string, string>;
  user?: string;
  owners: Map<string, string>;
  exposed: number[];
  healthcheck?: string[];
  cmd?: string[];
};

/** .dockerignore entries this check understands: a path from the context root, or `**\/name`. */
export function readDockerignore(context: string): (path: string) => boolean {
  const file = join(context, '.dockerignore');
  if (!existsSync(file)) return () => false;
  const rules = readFileSync(file, 'utf8')
    .split('\n')
    .map((l) => l.trim())
    .filter((l) => l && !l.startsWith('#'));
  for (const rule of rules) {
    if (!/^(\*\*\/)?[\w.-]+(\/[\w.-]+)*$/.test(rule)) throw new Error(`.dockerignore: "${rule}" is not understood by the image check`);
  }
  return (path) =>
    rules.some((rule) => {
      if (rule.startsWith('**/')) return path.split('/').includes(rule.slice(3));
      return path === rule || path.startsWith(`${rule}/`);
    });
}

/**
 * Builds one stage into a folder that stands for its filesystem: COPY from the build context or an
 * earlier stage, and the RUN commands it understands, executed with the stage's ENV and WORKDIR.
 */
export function buildStage(stage: Stage, opts: { context: string; root: string; earlier: Map<string, BuiltStage> }): BuiltStage {
  const ignored = readDockerignore(opts.context);
  const built: BuiltStage = { name: stage.name, root: opts.root, workdir: '/', env: {}, owners: new Map(), exposed: [] };
  mkdirSync(opts.root, { recursive: true });
  const inRoot = (root: string, path: string) => join(root, posix.resolve(built.workdir, path));

  for (const step of stage.steps) {
    const fail = (message: string): never => {
      throw new DockerfileError(step.line, message);
    };
    switch (step.kind) {
      case 'WORKDIR':
        built.workdir = step.path;
        mkdirSync(inRoot(opts.root, '.'), { recursive: true });
        break;
      case 'ENV':
        built.env = { ...built.env, ...step.vars };
        break;
      case 'LABEL':
        break;
      case 'USER':
        built.user = step.user;
        break;
      case 'EXPOSE':
        built.exposed.push(...step.ports);
        break;
      case 'HEALTHCHECK':
        built.healthcheck = step.command;
        break;
      case 'CMD':
        built.cmd = step.command;
        break;
      case 'COPY': {
        const source = step.from ? opts.earlier.get(step.from) : undefined;
        if (step.from && !source) fail(`stage ${step.from} was not built`);
        const intoDir = step.sources.length > 1 || step.dest.endsWith('/');
        const dest = inRoot(opts.root, step.dest);
        for (const src of step.sources) {
          let from: string;
          if (source) {
            from = join(source.root, posix.resolve(source.workdir, src));
          } else {
            const rel = posix.normalize(src).replace(/^\.\//, '').replace(/\/$/, '');
            if (rel.startsWith('..') || posix.isAbsolute(rel)) fail(`COPY source ${src} is outside the build context`);
            if (ignored(rel)) fail(`COPY source ${src} is excluded by .dockerignore`);
            from = join(opts.context, rel);
          }
          if (!existsSync(from)) fail(`COPY source ${src} does not exist${source ? ` in stage ${step.from}` : ' in the build context'}`);
          const target = statSync(from).isDirectory() || !intoDir ? dest : join(dest, basename(from));
          mkdirSync(statSync(from).isDirectory() ? target : dirname(target), { recursive: true });
          cpSync(from, target, {
            recursive: true,
            filter: (path) => source !== undefined || !ignored(relative(opts.context, path)),
          });
          if (step.chown) built.owners.set(posix.resolve(built.workdir, step.dest), step.chown);
        }
        break;
      }
      case 'RUN':
        for (const command of step.command.split('&&').map((c) => c.trim())) runCommand(command, built, fail);
        break;
    }
  }
  return built;
}

/** The shell commands the image check can run for a RUN step; anything else fails the check. */
function runCommand(command: string, stage: BuiltStage, fail: (message: string) => never): void {
  if (/[;|<>`]|\$\(/.test(command)) fail(`RUN "${command}": only commands joined by && are supported`);
  const [program, ...args] = command.split(/\s+/);
  const cwd = join(stage.root, stage.workdir);
  const at = (path: string) => posix.resolve(stage.workdir, path);
  if (program === 'npm' && (args[0] === 'ci' || args[0] === 'run')) {
    if (args[0] === 'ci' && args.slice(1).some((a) => !['--omit=dev', '--no-audit', '--no-fund'].includes(a))) {
      fail(`RUN "${command}": unsupported npm ci flag`);
    }
    execFileSync('npm', args, { cwd, env: { ...process.env, ...stage.env }, stdio: 'inherit' });
  } else if (program === 'npm' && args.join(' ') === 'cache clean --force') {
    // Empties the image's npm cache, which this check does not model (nor touch the machine's).
  } else if (program === 'mkdir' && args.length >= 1) {
    const paths = args.filter((a) => a !== '-p');
    for (const path of paths) mkdirSync(join(stage.root, at(path)), { recursive: args.includes('-p') });
  } else if (program === 'chown' && args.length === 2 && /^[\w-]+:[\w-]+$/.test(args[0]!)) {
    if (!existsSync(join(stage.root, at(args[1]!)))) fail(`RUN "${command}": ${args[1]} does not exist`);
    stage.owners.set(at(args[1]!), args[0]!);
  } else {
    fail(`RUN "${command}" is not understood by the image check`);
  }
}
