import type { Command } from 'commander';
import { createLoginRole } from '../../operations/login-role/login-role.service.js';
import type { CliRuntime } from '../runtime.js';
import { readSecret } from '../secret-input.js';

export const LOGIN_PASSWORD_ENV = 'ANTHIAS_LOGIN_PASSWORD';

export function loginRoleCommand(program: Command, rt: () => CliRuntime): void {
  program
    .command('create-login-role')
    .description(`create (or update the password of) the role the gateway signs in as: LOGIN, member of anthias_app, owns nothing, bound by RLS; password from standard input or ${LOGIN_PASSWORD_ENV}`)
    .argument('<name>')
    .option('--json', 'machine-readable summary')
    .action(async (name: string, o: { json?: boolean }) => {
      const password = await readSecret(LOGIN_PASSWORD_ENV, 'password');
      const runtime = rt();
      const result = await createLoginRole(await runtime.admin(), name, password);
      runtime.log.warn({ role: result.role, created: result.created }, 'login role set');
      process.stdout.write(
        o.json
          ? `${JSON.stringify(result)}\n`
          : `${result.role}: ${result.created ? 'created' : 'password and grants updated'}; connect to ${result.database} as it (DATABASE_URL)\n`,
      );
    });
}
