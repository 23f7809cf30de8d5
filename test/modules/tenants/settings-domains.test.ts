import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { DnsResolver } from '../../../src/modules/domains/dns.js';
import { codes, type Harness, type SeededTenant, startHarness, uniq } from '../../support/harness.js';

const SETTINGS = `mutation($input: TenantSettingsInput!) { updateTenantSettings(input: $input) { name contactEmail timezone theme { primaryColor accentColor logoUrl } } }`;
const CURRENT = '{ currentTenant { id name timezone theme { primaryColor accentColor logoUrl } } }';
const ADD = 'mutation($h: String!) { addDomain(hostname: $h) { id hostname verified verificationRecord { type name value } } }';
const VERIFY = 'mutation($id: ID!) { verifyDomain(id: $id) { verified } }';
const REMOVE = 'mutation($id: ID!) { removeDomain(id: $id) }';

const published = new Map<string, string[]>();
const dns: DnsResolver = { txt: async (name) => published.get(name) ?? [] };

let h: Harness;
let t: SeededTenant;
let owner: string;
beforeAll(async () => {
  h = await startHarness({}, { dns });
  t = await h.seedTenant();
  owner = await h.login(t.ownerEmail);
});
afterAll(() => h?.close());

describe('settings and theme', () => {
  it('tenant.manage updates name, contact, time zone and theme; every member reads them', async () => {
    const r = await h.gql<{ updateTenantSettings: Record<string, unknown> }>(
      SETTINGS, { input: { name: 'Acme Signs', contactEmail: 'ops@acme.test', timezone: 'Europe/Paris', theme: { primaryColor: '#1A73E8', logoUrl: 'https://cdn.acme.test/logo.svg' } } },
      { token: owner, tenant: t.subdomain });
    expect(codes(r)).toEqual([]);
    expect(r.body.data!.updateTenantSettings).toEqual({
      name: 'Acme Signs', contactEmail: 'ops@acme.test', timezone: 'Europe/Paris', theme: { primaryColor: '#1a73e8', accentColor: null, logoUrl: 'https://cdn.acme.test/logo.svg' },
    });
    const viewer = await h.login((await h.addMember(t.id, 'viewer')).email);
    const seen = await h.gql<{ currentTenant: { theme: { primaryColor: string }; timezone: string } }>(CURRENT, {}, { token: viewer, tenant: t.subdomain });
    expect(seen.body.data!.currentTenant).toMatchObject({ timezone: 'Europe/Paris', theme: { primaryColor: '#1a73e8' } });
    const cleared = await h.gql<{ updateTenantSettings: { theme: { logoUrl: string | null; primaryColor: string } } }>(SETTINGS, { input: { theme: { logoUrl: null } } }, { token: owner, tenant: t.subdomain });
    expect(cleared.body.data!.updateTenantSettings.theme).toEqual({ primaryColor: '#1a73e8', accentColor: null, logoUrl: null });
  });

  it.each([
    [{ theme: { primaryColor: 'blue' } }, 'theme.primaryColor'],
    [{ theme: { primaryColor: '#12345' } }, 'theme.primaryColor'],
    [{ theme: { accentColor: '#gggggg' } }, 'theme.accentColor'],
    [{ theme: { logoUrl: 'http://insecure.test/logo.png' } }, 'theme.logoUrl'],
    [{ timezone: 'Nowhere/City' }, 'timezone'],
    [{ contactEmail: 'nope' }, 'contactEmail'],
    [{ name: '' }, 'name'],
  ])('refuses %j naming %s', async (input, field) => {
    const r = await h.gql(SETTINGS, { input }, { token: owner, tenant: t.subdomain });
    expect(codes(r)).toEqual(['BAD_USER_INPUT']);
    expect(r.body.errors![0]!.extensions!.field).toBe(field);
  });

  it('is writable only with tenant.manage', async () => {
    const editor = await h.login((await h.addMember(t.id, 'editor')).email);
    expect(codes(await h.gql(SETTINGS, { input: { theme: { primaryColor: '#000' } } }, { token: editor, tenant: t.subdomain }))).toEqual(['FORBIDDEN']);
  });
});

describe('custom domains', () => {
  const host = (d: string) => ({ host: d });
  const resolvesTo = async (hostname: string) =>
    (await h.gql<{ currentTenant: { id: string } | null }>('{ currentTenant { id } }', {}, host(hostname))).body.data?.currentTenant?.id ?? null;

  it('unverified does not resolve; verified does; removal stops it at once', async () => {
    const hostname = `${uniq('signs')}.example.org`;
    const added = await h.gql<{ addDomain: { id: string; verified: boolean; verificationRecord: { name: string; value: string } } }>(ADD, { h: hostname }, { token: owner, tenant: t.subdomain });
    expect(codes(added)).toEqual([]);
    const { id, verificationRecord } = added.body.data!.addDomain;
    expect(await resolvesTo(hostname)).toBeNull();
    expect(codes(await h.gql(VERIFY, { id }, { token: owner, tenant: t.subdomain }))).toEqual(['BAD_USER_INPUT']);
    published.set(verificationRecord.name, ['unrelated', verificationRecord.value]);
    expect((await h.gql<{ verifyDomain: { verified: boolean } }>(VERIFY, { id }, { token: owner, tenant: t.subdomain })).body.data!.verifyDomain.verified).toBe(true);
    expect(await resolvesTo(hostname)).toBe(t.id);
    expect(await resolvesTo(hostname)).toBe(t.id); // now from the cache
    expect(codes(await h.gql(REMOVE, { id }, { token: owner, tenant: t.subdomain }))).toEqual([]);
    expect(await resolvesTo(hostname)).toBeNull();
  });

  it('a hostname claimed by A cannot be added by B, and names under BASE_DOMAIN are refused', async () => {
    const hostname = `${uniq('claimed')}.example.org`;
    expect(codes(await h.gql(ADD, { h: hostname }, { token: owner, tenant: t.subdomain }))).toEqual([]);
    const b = await h.seedTenant();
    const bOwner = await h.login(b.ownerEmail);
    const r = await h.gql(ADD, { h: hostname.toUpperCase() }, { token: bOwner, tenant: b.subdomain });
    expect(codes(r)).toEqual(['BAD_USER_INPUT']);
    expect(r.body.errors![0]!.message).toMatch(/already claimed/);
    for (const bad of ['x.signage.test', 'signage.test', 'localhost', '127.0.0.1', 'no_underscores.example.org', 'single']) {
      expect(codes(await h.gql(ADD, { h: bad }, { token: bOwner, tenant: b.subdomain }))).toEqual(['BAD_USER_INPUT']);
    }
    const list = await h.gql<{ domains: { hostname: string }[] }>('{ domains { hostname } }', {}, { token: bOwner, tenant: b.subdomain });
    expect(list.body.data!.domains).toEqual([]);
  });
});
