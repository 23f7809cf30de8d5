import type { Role } from '../db/schema/index.js';

export const PERMISSIONS = [
  'assets.view', 'assets.create', 'assets.update', 'assets.delete',
  'devices.view', 'devices.create', 'devices.update', 'devices.delete',
  'qr.view', 'qr.create', 'qr.update', 'qr.delete',
  'members.view', 'members.invite', 'members.update', 'members.remove',
  'apikeys.manage', 'audit.view', 'tenant.manage',
] as const;
export type Permission = (typeof PERMISSIONS)[number];

const CONTENT = ['assets', 'devices', 'qr'] as const;
const crud = (areas: readonly string[], actions: readonly string[]) =>
  areas.flatMap((a) => actions.map((x) => `${a}.${x}` as Permission));

/** Owner all; admin all but ownership; editor content; viewer the .view ones. */
export const ROLE_PERMISSIONS: Readonly<Record<Role, ReadonlySet<Permission>>> = {
  owner: new Set(PERMISSIONS),
  admin: new Set(PERMISSIONS),
  editor: new Set(crud(CONTENT, ['view', 'create', 'update', 'delete'])),
  viewer: new Set(PERMISSIONS.filter((p) => p.endsWith('.view'))),
};

export const isPermission = (value: string): value is Permission => (PERMISSIONS as readonly string[]).includes(value);

export const NO_PERMISSIONS: ReadonlySet<Permission> = new Set();
