// Which network addresses a serial target may reach. A console server lives on the lab network or on
// loopback; link-local addresses (169.254/16, fe80::/10) are where cloud metadata services answer
// (169.254.169.254, fd00:ec2::254), so a target there is refused unless the user allows link-local
// targets. The name is resolved first, so a host name that points there is refused too.
import { lookup } from 'node:dns/promises';
import { isIP } from 'node:net';

/** Cloud metadata services outside the link-local ranges. */
const METADATA = new Set(['fd00:ec2::254', '100.100.100.200']);

export function isLinkLocalOrMetadata(address: string): boolean {
  const a = address.toLowerCase().replace(/^\[|\]$/g, '');
  if (METADATA.has(a)) return true;
  if (isIP(a) === 4) return a.startsWith('169.254.');
  if (isIP(a) === 6) {
    if (/^fe[89ab][0-9a-f]:/.test(a)) return true;
    const mapped = /^::ffff:(\d+\.\d+\.\d+\.\d+)$/.exec(a);
    return mapped ? isLinkLocalOrMetadata(mapped[1]!) : false;
  }
  return false;
}

/** Throws one sentence when `host` is, or resolves to, a link-local or metadata address and that is not allowed. */
export async function checkNetworkTarget(target: string, host: string, allowLinkLocal: boolean): Promise<void> {
  if (allowLinkLocal) return;
  let addresses: string[];
  if (isIP(host.replace(/^\[|\]$/g, ''))) addresses = [host];
  else {
    try {
      addresses = (await lookup(host, { all: true })).map((r) => r.address);
    } catch {
      // Unresolvable: the connect itself will say so.
      return;
    }
  }
  const bad = addresses.find(isLinkLocalOrMetadata);
  if (bad) throw new Error(`${target}: ${bad} is a link-local or cloud-metadata address; refused unless link-local targets are allowed`);
}
