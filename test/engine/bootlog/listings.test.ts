// What an init script prints after the boot: debugfs devices_deferred (5.9+ "name<TAB>reason", older
// name only), /sys/kernel/iommu_groups as `find` and `ls` print it, driver links. Those listings are
// the kernel's own end state, so they set the live state they describe.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { liveDevices, parseBootLog, type BootEvent } from '../../../engine/bootlog';

const log = new Uint8Array(readFileSync(join(__dirname, '../../fixtures/bootlog/eras/listings-init-script.log')));

describe('listings printed on the console', () => {
  const { events } = parseBootLog(log);
  const pick = (kind: BootEvent['kind']) => events.filter((e) => e.kind === kind);

  it('devices_deferred in both formats', () => {
    expect(pick('deferred-listing').map((e) => (e.kind === 'deferred-listing' ? [e.device, e.reason] : null))).toEqual([
      ['9040000.pl061', 'amba: supplier 9050000.smmuv3 not ready'],
      ['a000000.virtio_mmio', null],
      ['e6800000.ethernet', null],
      ['ee100000.sd', null],
    ]);
  });

  it('iommu groups from find and from ls', () => {
    expect(pick('iommu-group-listing').map((e) => (e.kind === 'iommu-group-listing' ? [e.device, e.group] : null))).toEqual([
      ['9030000.pl061', 0],
      ['0000:00:01.0', 1],
      ['0000:00:02.0', 2],
      ['0000:00:02.1', 2],
    ]);
  });

  it('driver links, without the driver directory controls', () => {
    expect(pick('driver-listing').map((e) => (e.kind === 'driver-listing' ? [e.device, e.driver, e.bus] : null))).toEqual([
      ['9050000.smmuv3', 'arm-smmu-v3', 'platform'],
      ['9030000.pl061', 'pl061_gpio', 'amba'],
    ]);
  });

  it('the listings set the live state', () => {
    const d = new Map(liveDevices(events).map((x) => [x.name, x]));
    expect(d.get('9040000.pl061')).toMatchObject({ state: 'deferred', deferrals: 1, deferReason: 'amba: supplier 9050000.smmuv3 not ready', evidence: 'listing' });
    expect(d.get('9030000.pl061')).toMatchObject({ state: 'bound', driver: 'pl061_gpio', iommuGroup: 0 });
    expect(d.get('0000:00:02.1')).toMatchObject({ iommuGroup: 2 });
    expect(d.get('9050000.smmuv3')).toMatchObject({ state: 'bound', driver: 'arm-smmu-v3' });
    expect(d.has('bind')).toBe(false);
  });
});
