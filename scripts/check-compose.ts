import { existsSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parse } from 'yaml';
import { parseDockerfile } from './deploy-check/dockerfile.js';
import { run } from './deploy-check/processes.js';

// docker-compose.yml cannot be run here (no Docker engine), so this checks what it names: every
// service, build context, Dockerfile, volume, profile and dependency exists, and every command it
// runs in the gateway's image is a command of the CLI (`anthias --help`).

type Service = {
  image?: string;
  build?: string | { context: string; dockerfile?: string };
  command?: string[] | string;
  profiles?: string[];
  depends_on?: string[] | Record<string, { condition?: string }>;
  volumes?: string[];
  healthcheck?: unknown;
};

const root = fileURLToPath(new URL('..', import.meta.url));
const compose = parse(readFileSync(join(root, 'docker-compose.yml'), 'utf8'), { merge: true }) as {
  services?: Record<string, Service>;
  volumes?: Record<string, unknown>;
};
const problems: string[] = [];
const problem = (message: string) => problems.push(message);
const services = compose.services ?? {};
const declaredVolumes = new Set(Object.keys(compose.volumes ?? {}));
const usedVolumes = new Set<string>();
const CONDITIONS = new Set(['service_started', 'service_healthy', 'service_completed_successfully']);

/** The commands `anthias --help` lists. */
async function cliCommands(): Promise<Set<string>> {
  const env = { PATH: process.env.PATH ?? '', HOME: process.env.HOME ?? '' };
  const help = await run('node', ['bin/anthias.js', '--help'], { cwd: root, env });
  if (help.code !== 0) throw new Error(`anthias --help exited ${help.code}: ${help.stderr}`);
  const section = help.stdout.split(/^Commands:$/m)[1] ?? '';
  return new Set([...section.matchAll(/^ {2}([a-z][\w-]*)/gm)].map((m) => m[1]!));
}

/** The Dockerfile a service builds, if any, after checking that its context and file exist. */
function dockerfileOf(name: string, service: Service): string | null {
  if (!service.build) {
    if (!service.image) problem(`${name}: neither build nor image`);
    return null;
  }
  const build = typeof service.build === 'string' ? { context: service.build } : service.build;
  const context = join(root, build.context);
  if (!existsSync(context) || !statSync(context).isDirectory()) {
    problem(`${name}: build context ${build.context} does not exist`);
    return null;
  }
  const file = join(context, build.dockerfile ?? 'Dockerfile');
  if (!existsSync(file)) {
    problem(`${name}: ${join(build.context, build.dockerfile ?? 'Dockerfile')} does not exist`);
    return null;
  }
  return file;
}

const commands = await cliCommands();
const gatewayDockerfile = join(root, 'Dockerfile');
const gatewayHealthcheck = parseDockerfile(readFileSync(gatewayDockerfile, 'utf8'))
  .at(-1)!
  .steps.some((s) => s.kind === 'HEALTHCHECK');
const profiles = new Set<string>();
const dependencies = (s: Service): Record<string, { condition?: string }> =>
  Array.isArray(s.depends_on) ? Object.fromEntries(s.depends_on.map((d) => [d, {}])) : (s.depends_on ?? {});

for (const [name, service] of Object.entries(services)) {
  const dockerfile = dockerfileOf(name, service);
  for (const profile of service.profiles ?? []) profiles.add(profile);

  if (dockerfile === gatewayDockerfile && service.command !== undefined) {
    const command = service.command;
    if (!Array.isArray(command) || command[0] !== 'node' || command[1] !== 'bin/anthias.js') {
      problem(`${name}: a command in the gateway's image must be ["node", "bin/anthias.js", …]`);
    } else if (!commands.has(command[2] ?? '')) {
      problem(`${name}: "${command[2]}" is not a command of the CLI (anthias --help lists ${[...commands].join(', ')})`);
    }
  }

  for (const [dependency, { condition = 'service_started' }] of Object.entries(dependencies(service))) {
    const target = services[dependency];
    if (!target) {
      problem(`${name}: depends on ${dependency}, which is not a service`);
      continue;
    }
    if (!CONDITIONS.has(condition)) problem(`${name}: unknown depends_on condition ${condition}`);
    const targetDockerfile = dockerfileOf(dependency, target);
    const healthchecked = target.healthcheck !== undefined || (targetDockerfile === gatewayDockerfile && gatewayHealthcheck);
    if (condition === 'service_healthy' && !healthchecked) problem(`${name}: waits for ${dependency} to be healthy, which has no healthcheck`);
    if (target.profiles?.length && !target.profiles.some((p) => service.profiles?.includes(p))) {
      problem(`${name}: depends on ${dependency}, which only runs under profile ${target.profiles.join(' or ')}`);
    }
  }

  for (const volume of service.volumes ?? []) {
    const [source] = volume.split(':');
    if (!source) problem(`${name}: empty volume`);
    else if (source.startsWith('.') || source.startsWith('/')) {
      if (!existsSync(join(root, source))) problem(`${name}: bind mount ${source} does not exist`);
    } else if (!declaredVolumes.has(source)) problem(`${name}: volume ${source} is not declared under volumes:`);
    else usedVolumes.add(source);
  }
}

for (const volume of declaredVolumes) if (!usedVolumes.has(volume)) problem(`volume ${volume} is declared but no service uses it`);

// Every profile is documented where users look for it, and the docs name no other.
const docs = ['README.md', 'docs/deploy.md'].map((f) => readFileSync(join(root, f), 'utf8')).join('\n');
const documented = new Set([...docs.matchAll(/--profile\s+([\w-]+)/g)].map((m) => m[1]!));
for (const profile of profiles) if (!documented.has(profile)) problem(`profile ${profile} is not documented (README.md or docs/deploy.md)`);
for (const profile of documented) if (!profiles.has(profile)) problem(`the docs name --profile ${profile}, which no service has`);

if (problems.length) {
  process.stderr.write(`docker-compose.yml: ${problems.length} problem(s)\n${problems.map((p) => `  ${p}`).join('\n')}\n`);
  process.exit(1);
}
process.stdout.write(`docker-compose.yml: ${Object.keys(services).length} services, profiles ${[...profiles].join(', ') || 'none'}, CLI commands ok\n`);
