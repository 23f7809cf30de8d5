import { InvalidArgumentError, type Command } from 'commander';
import { createMailer } from '../../mail/mailer.js';
import { invitationMail } from '../../modules/members/invitation-mail.js';
import {
  createTenant,
  createTenantInvitingOwner,
  listTenants,
  bulkCreateTenants,
  renameSubdomain,
  setPlan,
  setTenantStatus,
  validateTenant,
} from '../../modules/tenants/tenant-admin.service.js';
import { rlsReport } from '../../tenancy/rls-report.js';
import { readBulkCsv } from '../bulk-csv.js';
import { table } from '../output.js';
import { readSecret } from '../secret-input.js';
import type { CliRuntime } from '../runtime.js';

const wholeNumber = (value: string): number => {
  if (!/^\d+$/.test(value)) throw new InvalidArgumentError('must be a whole number');
  return Number(value);
};

export const OWNER_PASSWORD_ENV = 'ANTHIAS_OWNER_PASSWORD';

export function tenantCommands(program: Command, rt: () => CliRuntime): void {
  program
    .command('create-tenant')
    .description('create a tenant with its owner and membership, in one transaction')
    .argument('<name>', 'display name')
    .argument('<subdomain>', 'DNS label under BASE_DOMAIN')
    .requiredOption('--plan <plan>', 'basic | professional | enterprise')
    .requiredOption('--owner-email <email>')
    .option('--password-stdin', `read the owner's password from standard input (or set ${OWNER_PASSWORD_ENV}; with neither, the owner is invited by mail)`)
    .option('--contact-email <email>')
    .option('--max-assets <n>', 'override the plan limit', wholeNumber)
    .option('--max-users <n>', 'override the plan limit', wholeNumber)
    .action(async (name: string, subdomain: string, o: Record<string, string | number | boolean | undefined>) => {
      const runtime = rt();
      const { config, log } = runtime;
      const input = {
        name,
        subdomain,
        plan: String(o.plan),
        ownerEmail: String(o.ownerEmail),
        contactEmail: o.contactEmail as string | undefined,
        maxAssets: o.maxAssets as number | undefined,
        maxUsers: o.maxUsers as number | undefined,
      };
      // Standard input is read only when asked: a command run from cron or a script with neither invites.
      const ownerPassword = o.passwordStdin || process.env[OWNER_PASSWORD_ENV] ? await readSecret(OWNER_PASSWORD_ENV, "owner's password") : undefined;
      if (ownerPassword !== undefined) {
        const created = await createTenant((await runtime.admin()).db, { ...input, ownerPassword });
        process.stdout.write(`${created.tenantId} ${subdomain}\n`);
        return;
      }
      const { tenantId, token } = await createTenantInvitingOwner((await runtime.admin()).db, input, config.invitationTtlHours);
      await createMailer(config.mail, log).send(invitationMail(config, input.ownerEmail, name.trim(), 'owner', token));
      process.stderr.write(`no password given: ${input.ownerEmail} is invited as owner\n`);
      process.stdout.write(`${tenantId} ${subdomain}\n`);
    });

  program
    .command('list-tenants')
    .description('one line per tenant: <tenant_id> <subdomain>')
    .option('--active', 'only active tenants')
    .option('--json', 'machine-readable output')
    .action(async (o: { active?: boolean; json?: boolean }) => {
      const tenants = await listTenants((await rt().admin()).db, Boolean(o.active));
      process.stdout.write(
        o.json ? `${JSON.stringify(tenants, null, 2)}\n` : tenants.map((t) => `${t.id} ${t.subdomain}\n`).join(''),
      );
    });

  program
    .command('validate-tenant')
    .description('exists, active, has an active owner, RLS in place, usage within limits; exit 1 on a problem')
    .argument('<subdomain>')
    .action(async (subdomain: string) => {
      const runtime = rt();
      const { db } = await runtime.admin();
      const report = await validateTenant(db, subdomain);
      const rls = await rlsReport(db, null);
      const checks = [...report.checks, { name: 'rls', ok: rls.ok, detail: rls.ok ? 'every tenant table protected' : 'gaps: run `anthias rls validate`' }];
      process.stdout.write(`${table(['CHECK', 'STATUS', 'DETAIL'], checks.map((c) => [c.name, c.ok ? 'ok' : 'FAIL', c.detail]))}\n`);
      if (!checks.every((c) => c.ok)) process.exitCode = 1;
    });

  program
    .command('rename-tenant')
    .description('move a tenant to another subdomain; the old one stops resolving at once')
    .argument('<subdomain>')
    .argument('<new-subdomain>')
    .action(async (from: string, to: string) => {
      const runtime = rt();
      await renameSubdomain((await runtime.admin()).db, await runtime.directory(), from, to);
      process.stdout.write(`${from} -> ${to}\n`);
    });

  program
    .command('suspend-tenant')
    .description("refuse every request of the tenant (TENANT_SUSPENDED), its device keys included")
    .argument('<subdomain>')
    .requiredOption('--reason <text>', 'kept in the tenant and its audit trail')
    .action(async (subdomain: string, o: { reason: string }) => {
      const runtime = rt();
      await setTenantStatus((await runtime.admin()).db, await runtime.directory(), subdomain, 'suspended', o.reason);
      process.stdout.write(`${subdomain} suspended\n`);
    });

  program
    .command('reactivate-tenant')
    .description('lift a suspension')
    .argument('<subdomain>')
    .action(async (subdomain: string) => {
      const runtime = rt();
      await setTenantStatus((await runtime.admin()).db, await runtime.directory(), subdomain, 'active');
      process.stdout.write(`${subdomain} reactivated\n`);
    });

  program
    .command('set-plan')
    .description("change a tenant's plan and, optionally, its own limits")
    .argument('<subdomain>')
    .argument('<plan>', 'basic | professional | enterprise')
    .option('--max-assets <n>', 'override the plan limit', wholeNumber)
    .option('--max-users <n>', 'override the plan limit', wholeNumber)
    .option('--max-devices <n>', 'override the plan limit', wholeNumber)
    .option('--clear-overrides', "drop the tenant's own limits (back to the plan's) before applying any given")
    .option('--force', 'apply limits below current usage (nothing is removed; new ones are refused)')
    .action(async (subdomain: string, plan: string, o: { maxAssets?: number; maxUsers?: number; maxDevices?: number; clearOverrides?: boolean; force?: boolean }) => {
      const runtime = rt();
      const { warnings } = await setPlan((await runtime.admin()).db, await runtime.directory(), subdomain, { plan, ...o });
      for (const w of warnings) process.stderr.write(`warning: ${w}\n`);
      process.stdout.write(`${subdomain} is on ${plan}\n`);
    });

  program
    .command('bulk-create-tenants')
    .description('create the tenants of a CSV (name,subdomain,plan_type,contact_email,max_assets,max_users), all or none; each contact is invited as owner')
    .argument('<file>', 'CSV file with a header line')
    .action(async (file: string) => {
      const runtime = rt();
      const records = readBulkCsv(file);
      const { config, log } = runtime;
      const created = await bulkCreateTenants((await runtime.admin()).db, records, config.invitationTtlHours);
      const mailer = createMailer(config.mail, log);
      for (const t of created) {
        await mailer.send(invitationMail(config, t.contactEmail, t.name, 'owner', t.token));
        process.stdout.write(`${t.id} ${t.subdomain}\n`);
      }
    });
}
