/** Platform host names that can never be a tenant's subdomain. */
export const RESERVED_SUBDOMAINS = new Set([
  'www', 'api', 'admin', 'app', 'auth', 'login', 'mail', 'smtp', 'status', 'static', 'cdn', 'assets',
  'docs', 'help', 'support', 'billing', 'dashboard', 'console', 'graphql', 'internal', 'system', 'root', 'q',
]);

const DNS_LABEL = /^[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?$/;

/** DNS label rules (RFC 1123) plus the reserved names; returns the problem, or null when fine. */
export function subdomainProblem(value: string): string | null {
  if (!DNS_LABEL.test(value)) {
    return 'must be 1-63 lowercase letters, digits or hyphens, not starting or ending with a hyphen';
  }
  if (value.length < 3) return 'must be at least 3 characters';
  if (RESERVED_SUBDOMAINS.has(value)) return `"${value}" is reserved`;
  return null;
}
