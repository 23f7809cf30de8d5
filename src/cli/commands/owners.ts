import { sql } from 'drizzle-orm';
import type { Command } from 'commander';
import { InvalidationBus } from '../../cache/invalidation-bus.js';
import { createMailer } from '../../mail/mailer.js';
import { addOwner, type OwnerOutcome, resendInvitation } from '../../modules/members/owners.service.js';
import type { CliRuntime } from '../runtime.js';

/**
 * The invitation mail was queued in the outbox with the change; the command sends it at once and
 * marks it done. If sending fails, a running gateway's outbox worker retries it, so it is not lost.
 */
async function deliver(runtime: CliRuntime, outcome: OwnerOutcome): Promise<string> {
  if (outcome.action !== 'invited') return '';
  const { db } = await runtime.admin();
  try {
    await createMailer(runtime.config.mail, runtime.log).send(outcome.mail.payload);
    await db.execute(sql`select anthias_outbox_done(array[${outcome.mail.id}]::bigint[])`);
    return 'mailed';
  } catch (err) {
    runtime.log.warn({ err }, 'invitation mail not sent yet; the outbox worker of a running gateway will retry it');
    return 'queued';
  }
}

function report(outcome: OwnerOutcome, mail: string, json: boolean): string {
  if (json) {
    const { mail: _queued, ...rest } = outcome as OwnerOutcome & { mail?: unknown };
    return `${JSON.stringify({ ...rest, ...(mail ? { mail } : {}) })}\n`;
  }
  if (outcome.action !== 'invited') return `${outcome.email} is ${outcome.action === 'added' ? 'now' : 'already'} an owner of ${outcome.tenant}\n`;
  return `invited ${outcome.email} as ${outcome.role} of ${outcome.tenant} (expires ${outcome.expiresAt.toISOString()}; mail ${mail})\n`;
}

export function ownerCommands(program: Command, rt: () => CliRuntime): void {
  const run = async (action: typeof addOwner, subdomain: string, o: { email: string; json?: boolean }) => {
    const runtime = rt();
    const { db } = await runtime.admin();
    const outcome = await action({ db, bus: new InvalidationBus(db, runtime.log), config: runtime.config }, subdomain, o.email);
    process.stdout.write(report(outcome, await deliver(runtime, outcome), Boolean(o.json)));
  };

  program
    .command('add-owner')
    .description('make an account with a verified address an owner of the tenant; any other address is mailed an owner invitation')
    .argument('<subdomain>')
    .requiredOption('--email <email>', "the new owner's address")
    .option('--json', 'one JSON line')
    .action((subdomain: string, o: { email: string; json?: boolean }) => run(addOwner, subdomain, o));

  program
    .command('resend-invitation')
    .description("mail a new link for the address's pending invitation (the previous link stops working)")
    .argument('<subdomain>')
    .requiredOption('--email <email>', 'the invited address')
    .option('--json', 'one JSON line')
    .action((subdomain: string, o: { email: string; json?: boolean }) => run(resendInvitation, subdomain, o));
}
