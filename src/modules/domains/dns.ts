import { resolveTxt } from 'node:dns/promises';

/** TXT look-ups for domain verification: the system resolver in production, a fake in tests. */
export interface DnsResolver {
  txt(name: string): Promise<string[]>;
}

export const systemDns: DnsResolver = {
  async txt(name) {
    try {
      return (await resolveTxt(name)).map((chunks) => chunks.join(''));
    } catch {
      return [];
    }
  },
};
