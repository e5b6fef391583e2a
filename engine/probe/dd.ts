// Binding a device to a driver and deferring it: device_add()/driver_register() matching, really_probe()
// and its gates, call_driver_probe() classified in one switch, driver_bound(), and the deferred-probe
// lists, their work, late_initcall and the timeout. Models drivers/base/dd.c (__device_attach,
// __driver_attach, driver_probe_device, really_probe, driver_deferred_probe_*, deferred_probe_initcall,
// deferred_probe_timeout_work_func), drivers/base/bus.c (bus_add_driver, bus_probe_device),
// drivers/base/core.c (device_add) and drivers/base/pinctrl.c (pinctrl_bind_pins).
// Rules: docs/kernel-model.md §Matching, §Deferral and the timeout, §Outcomes.
import { addTo } from '../common';
import { getProperty, stringListProp, cells, stringProp, u32Prop, type DtNode } from '../devicetree/index';
import { errnoName, type AssumedOutcome } from './options';
import { pciDevice, populateChildren, type PlatformDevice } from './populate';
import { linkedPopulateRoots, mfdAddDevices } from './probe-created';
import { serialCoreRegisterPort } from './serial-base';
import { handMadeDevices } from './hand-made';
import { alarmtimerRtcAddDevice, psciCpuidleProbe } from './init-devices';
import { probeDeferReason } from './probe-errors';
import { probeResources, supplierRefs, type SupplierRef } from './suppliers';
import { ambaReadPeriphid } from './amba';
import { type CoreState, EPROBE_DEFER, ENODEV, ETIMEDOUT, deferText, ancestors, type ModelDriver, type ProbeOutcome, type SimDevice } from './core-state';
import { deviceLinksCheckSuppliers, fwDevlinkDriversDone, linkRefs, reportCycles } from './devlink';
import { dmaConfigureAtCreation, iommuAttach, iommuDeviceRegister, iommuSpec, ofDmaConfigure } from './dma-configure';

// Bindings a driver's probe asks for in eras without fw_devlink tables (≤5.2).
const PINCTRL_DEFAULT = ['pinctrl-0'];
const RESOURCE_BINDINGS = ['clocks', 'power-domains', 'resets', 'phys', 'pwms', 'mboxes', 'interrupts', '*-supply', 'gpio-compat', '*-gpios', '*-gpio'];

/** device_add(): the device joins its bus (and fw_devlink, when it has a fwnode); bus_probe_device() tries the drivers. */
export function deviceAdd(core: CoreState, dev: PlatformDevice): SimDevice {
  const ds: SimDevice = {
    dev, regIndex: core.devices.length, driver: null, canMatch: false, attempted: false, onDeferredList: false, deferrals: 0, reason: null,
    lastDefer: null, failure: null, iommuGroup: null, iommuNode: null, iommuGaveUp: null, iommuExhausted: false, iommuRefused: null, dma: null, flags: [],
    assumed: { kind: 'ok' }, assumedDefersLeft: 0, bindIndex: null, bindTime: null, addedAfterDriversDone: core.driversDone, addedAt: core.time,
    periphidRead: dev.bus !== 'amba' || (dev.periphid !== null && dev.periphid !== undefined && !dev.periphidDerived),
  };
  const assumption = assumptionFor(core, dev);
  if (assumption) {
    ds.assumed = assumption;
    if (assumption.kind === 'defer') ds.assumedDefersLeft = assumption.times;
  }
  core.devices.push(ds);
  // get_dev_from_fwnode(): a device given only dev.of_node is never its node's fwnode->dev
  if (dev.node && dev.bus !== 'pci' && core.hasFwnode(dev)) core.byNode.set(dev.node, ds);
  if (dev.node && dev.bus !== 'pci') core.byOfNode.set(dev.node, ds);
  if (dev.bus === 'amba') core.ambaDevices.push(ds);
  else if (dev.bus === 'pci') core.pciDevices.push(ds);
  else {
    for (const c of new Set(dev.compatible)) addTo(core.devicesByCompat, c, ds);
    if (dev.pdevName) addTo(core.devicesByPdevName, dev.pdevName, ds);
  }
  core.emit('device-added', { device: dev.name, text: `bus: '${dev.bus}': add device ${dev.name}` });
  if (dev.node && dev.bus !== 'pci') reportCycles(core, ds);
  if (dev.node && dev.bus !== 'pci' && core.hasFwnode(dev) && (core.fwMode === 'on' || core.fwMode === 'rpm' || core.fwMode === 'permissive')) {
    for (const ref of linkRefs(core, dev.node)) core.emit('fwnode-link', { device: dev.name, text: `${core.pathOf(dev.node)} Linked as a fwnode consumer to ${core.pathOf(ref.supplier)}` });
  }
  // pre-4.12: of_dma_configure() ran at device creation; whatever the IOMMU state is now, it stays
  if (core.profile.dmaConfigureAtCreation && dev.bus !== 'pci') dmaConfigureAtCreation(core, ds);
  // v6.15+: the IOMMU bus notifier (BUS_NOTIFY_ADD_DEVICE) configures a master added after its IOMMU registered
  if (core.profile.groupAtIommuRegistration) {
    const spec = iommuSpec(core, ds);
    const inst = spec && spec !== 'none' ? core.iommus.get(spec.node) : undefined;
    if (spec && spec !== 'none' && inst) {
      ds.iommuNode = spec.node;
      iommuAttach(core, { cat: { name: dev.bus } } as ModelDriver, ds, inst, spec.ids);
    }
  }
  // bus_probe_device → __device_attach: drivers of the bus in registration order
  deviceAttach(core, ds);
  return ds;
}

/** The --assume outcome for a device, by device name, node path or label. */
function assumptionFor(core: CoreState, dev: PlatformDevice): AssumedOutcome | null {
  for (const a of core.opts.assume ?? []) {
    if (a.target === dev.name || (dev.node && dev.bus !== 'pci' && (a.target === core.pathOf(dev.node) || dev.node.labels.includes(a.target)))) return a.outcome;
  }
  return null;
}

/** The devices a registering driver can match, in device registration order. */
function candidateDevices(core: CoreState, d: ModelDriver): SimDevice[] {
  if (d.cat.bus === 'amba') return core.ambaDevices.slice();
  if (d.cat.bus === 'pci') return core.pciDevices.slice();
  if (d.cat.bus === 'serial-base') return core.devices.filter((x) => x.dev.bus === 'serial-base');
  const byName = (d.cat.platformIds ?? [d.cat.name]).map((n) => core.devicesByPdevName.get(n));
  const lists = [...d.cat.compatible.map((c) => core.devicesByCompat.get(c)), ...byName].filter((l): l is SimDevice[] => !!l);
  if (lists.length === 0) return [];
  if (lists.length === 1) return lists[0]!.slice();
  return [...new Set(lists.flat())].sort((a, b) => a.regIndex - b.regIndex);
}

/** The registered drivers a device can match, in driver registration order. */
function candidateDrivers(core: CoreState, ds: SimDevice): ModelDriver[] {
  const dev = ds.dev;
  if (dev.bus !== 'platform' || !core.index) return (core.busDrivers.get(dev.bus) ?? []).slice();
  const out: ModelDriver[] = [];
  let cats = core.platformMatches.get(ds);
  if (!cats) core.platformMatches.set(ds, (cats = core.index.platformDriversFor(dev.compatible, dev.pdevName)));
  for (const cat of cats) {
    const m = core.modelOf.get(cat);
    if (m && m.registered) out.push(m);
  }
  return out.sort((a, b) => a.seq - b.seq);
}

/** driver_register() → bus_add_driver() → driver_attach(). */
export function driverRegister(core: CoreState, d: ModelDriver): void {
  d.registered = true;
  d.seq = core.registrations++;
  const list = core.busDrivers.get(d.cat.bus) ?? [];
  list.push(d);
  core.busDrivers.set(d.cat.bus, list);
  if (core.relevant(d)) core.emit('driver-registered', { driver: d.cat.name, text: `bus: '${d.cat.bus}': add driver ${d.cat.name}` });
  // driver_attach(): every device of the bus in registration order (async drivers: scheduled)
  const async = allowsAsync(core, d);
  for (const ds of candidateDevices(core, d)) {
    if (ds.driver) continue;
    // __driver_attach(): a match that asks for deferral puts the device on the list and goes on
    if (ambaMatchDefers(core, ds)) continue;
    if (!core.matches(d, ds)) continue;
    if (async) core.asyncQueue.push({ d, ds });
    else driverProbeDevice(core, d, ds);
  }
  // driver_register() → deferred_probe_extend_timeout()
  if (core.profile.deferredTimeout.extendOnDriverRegistration && core.timer.armed) {
    core.timer.at = core.time + core.timeoutSeconds;
    core.emit('timeout-extended', { driver: d.cat.name, text: `Extended deferred probe timeout by ${core.timeoutSeconds} secs` });
  }
  runDeferredWorkIfQueued(core);
}

/** __device_attach(): the registered drivers of the device's bus, in registration order. */
function deviceAttach(core: CoreState, ds: SimDevice): void {
  for (const d of candidateDrivers(core, ds)) {
    if (ds.driver) break;
    // __device_attach_driver(): "Device can't match with a driver right now": no other driver is tried
    if (ambaMatchDefers(core, ds)) break;
    if (!core.matches(d, ds)) continue;
    // __device_attach(): an async-capable match is left to an async worker
    if (allowsAsync(core, d)) {
      core.asyncQueue.push({ d, ds });
      break;
    }
    const ret = driverProbeDevice(core, d, ds);
    // __device_attach_driver: a core-level error (negative) or a bind stops the walk; driver errors go on
    if (ret <= 0) break;
  }
  runDeferredWorkIfQueued(core);
}

/**
 * drivers/amba/bus.c amba_match() (6.1 and 6.12 alike): a device created without a periphid reads it on
 * each match until one read succeeds (amba.ts); any failure is mapped to -EPROBE_DEFER, and dd.c
 * __device_attach_driver / __driver_attach put the device on the deferred list ("Device match requests
 * probe deferral"), whichever driver asked: amba-proxy too, so a device no driver matches is deferred all
 * the same. The ID is read once; later matches use it. A read that can never succeed (no component ID
 * behind the address, no apb_pclk) keeps the device on the list for good with no reason recorded (no
 * dev_err_probe() runs), and it never reaches a driver's probe.
 */
function ambaMatchDefers(core: CoreState, ds: SimDevice): boolean {
  if (ds.periphidRead || !ds.dev.node) return false;
  const read = ambaReadPeriphid(ds.dev.node, core.phandles, (n) => providerRegistered(core, n), ds.assumed.kind !== 'absent');
  if (read.kind === 'read') {
    ds.periphidRead = true;
    return false;
  }
  ds.canMatch = true;
  const outcome: ProbeOutcome = read.kind === 'provider-missing'
    ? { kind: 'match-defer', resource: read.resource, supplierDevice: core.deviceFor(read.resource.supplier), never: null }
    : { kind: 'match-defer', resource: null, supplierDevice: null, never: read.kind };
  ds.lastDefer = outcome;
  ds.reason = null;
  core.emit('defer-reason', { device: ds.dev.name, reason: deferText(outcome), text: `${ds.dev.bus} ${ds.dev.name}: Device match requests probe deferral` });
  deferredProbeAdd(core, ds);
  return true;
}

/**
 * A provider node's clocks/resets/domains are registered: an early *_OF_DECLARE initialised it, or the
 * device that stands for it (its own, or the nearest ancestor's) is bound.
 */
function providerRegistered(core: CoreState, node: DtNode): boolean {
  if (core.initializedWithoutDevice(node) || core.clkDriverDeclared(node)) return true;
  return !!core.deviceFor(node)?.driver;
}

/** driver_allows_async_probing(): PROBE_PREFER_ASYNCHRONOUS, or named by driver_async_probe= ("*" for all). */
function allowsAsync(core: CoreState, d: ModelDriver): boolean {
  const list = core.knobs.driverAsyncProbe;
  return d.cat.asyncProbe || list.includes(d.cat.name) || list.includes('*');
}

/**
 * The async workers: probes scheduled during an initcall (or a module load, or the deferred work)
 * finish right after it, in the order they were scheduled (async_schedule_dev).
 */
export function runAsyncProbes(core: CoreState): void {
  while (core.asyncQueue.length) {
    const { d, ds } = core.asyncQueue.shift()!;
    if (ds.driver) continue;
    driverProbeDevice(core, d, ds);
    runDeferredWorkIfQueued(core);
  }
}

/** driver_probe_device(): returns 0 bound, <0 core-level error, >0 driver error (5.14+ convention). */
function driverProbeDevice(core: CoreState, d: ModelDriver, ds: SimDevice): number {
  ds.canMatch = true;
  const triggerBefore = core.triggerCount;
  const outcome = reallyProbe(core, d, ds);
  const ret = classifyProbe(core, d, ds, outcome);
  if (ret === -EPROBE_DEFER || ret === EPROBE_DEFER) {
    deferredProbeAdd(core, ds);
    if (triggerBefore !== core.triggerCount) driverDeferredProbeTrigger(core);
  }
  return ret;
}

/** really_probe(): the gates in the kernel's order, then the driver's probe. */
function reallyProbe(core: CoreState, d: ModelDriver, ds: SimDevice): ProbeOutcome {
  core.tick(0.0002);
  const links = deviceLinksCheckSuppliers(core, ds);
  if (links) return links;
  ds.attempted = true;
  core.emit('probe-attempt', { device: ds.dev.name, driver: d.cat.name, text: core.profile.ddLogForm === 'dev_dbg' ? `${ds.dev.bus} ${ds.dev.name}: bus: '${d.cat.bus}': really_probe: probing driver ${d.cat.name} with device` : `bus: '${d.cat.bus}': really_probe: probing driver ${d.cat.name} with device ${ds.dev.name}` });
  const pin = pinctrlBindPins(core, ds);
  if (pin) return pin;
  const dma = ofDmaConfigure(core, d, ds);
  if (dma) return dma;
  return callDriverProbe(core, d, ds);
}

/** The one place a probe outcome becomes log lines, list moves and state (dd.c call_driver_probe + really_probe exits). */
function classifyProbe(core: CoreState, d: ModelDriver, ds: SimDevice, outcome: ProbeOutcome): number {
  const prefix = (bound: boolean): string => (bound ? d.cat.name : ds.dev.bus);
  switch (outcome.kind) {
    case 'bound':
      // children a probe creates (PCI enumeration, of_platform_populate) are added before driver_bound()
      probeCreates(core, d, ds);
      driverBound(core, d, ds);
      return 0;
    case 'links-defer':
      ds.lastDefer = outcome;
      ds.reason = core.profile.fwDevlinkReasons ? `${ds.dev.bus}: ${outcome.reason}` : null;
      if (core.profile.fwDevlinkReasons) core.emit('defer-reason', { device: ds.dev.name, driver: d.cat.name, reason: outcome.reason, text: `${ds.dev.bus} ${ds.dev.name}: error -EPROBE_DEFER: ${outcome.reason}` });
      return -EPROBE_DEFER;
    case 'pinctrl-defer':
    case 'iommu-defer':
    case 'match-defer':
      ds.lastDefer = outcome;
      ds.reason = null;
      return -EPROBE_DEFER;
    case 'iommu-fail':
      ds.failure = { errno: outcome.errno, driver: d.cat.name, kind: 'failed', assumed: false };
      core.emit('failed', { device: ds.dev.name, driver: d.cat.name, error: outcome.errno, text: `${prefix(false)} ${ds.dev.name}: IOMMU mandatory for this master: ${errnoName(outcome.errno)}` });
      return -outcome.errno > 0 ? outcome.errno : -outcome.errno;
    case 'driver-defer':
      ds.lastDefer = outcome;
      ds.reason = core.profile.probeErrorReasons ? (outcome.message ?? null) : null;
      core.emit('defer-reason', { device: ds.dev.name, driver: d.cat.name, reason: outcome.resource ? `waits for ${outcome.resource.property.name} provider ${core.pathOf(outcome.resource.supplier)}` : 'driver requested deferral', text: `${d.cat.name} ${ds.dev.name}: Driver ${d.cat.name} requests probe deferral` });
      return core.profile.driverErrorsPositive ? EPROBE_DEFER : -EPROBE_DEFER;
    case 'rejected':
      ds.failure = { errno: outcome.errno, driver: d.cat.name, kind: 'rejected', assumed: outcome.assumed };
      core.emit('rejected', { device: ds.dev.name, driver: d.cat.name, error: outcome.errno, text: core.profile.ddLogForm === 'dev_dbg' ? `${ds.dev.bus} ${ds.dev.name}: probe with driver ${d.cat.name} rejects match ${outcome.errno}` : `${d.cat.name}: probe of ${ds.dev.name} rejects match ${outcome.errno}` });
      return -outcome.errno;
    case 'failed':
      ds.failure = { errno: outcome.errno, driver: d.cat.name, kind: 'failed', assumed: true };
      core.emit('failed', { device: ds.dev.name, driver: d.cat.name, error: outcome.errno, text: core.profile.ddLogForm === 'dev_dbg' ? `${ds.dev.bus} ${ds.dev.name}: probe with driver ${d.cat.name} failed with error ${outcome.errno}` : `${d.cat.name}: probe of ${ds.dev.name} failed with error ${outcome.errno}` });
      return -outcome.errno;
  }
}

/** driver_bound() */
function driverBound(core: CoreState, d: ModelDriver, ds: SimDevice): void {
  core.tick(0.0003);
  ds.driver = d;
  ds.failure = null;
  ds.reason = null;
  ds.bindIndex = core.bindCount++;
  ds.bindTime = core.time;
  // driver_deferred_probe_del(): the list entries are dropped lazily (bound devices are skipped)
  ds.onDeferredList = false;
  core.emit('bound', { device: ds.dev.name, driver: d.cat.name, text: core.profile.ddLogForm === 'dev_dbg' ? `${d.cat.name} ${ds.dev.name}: driver: '${d.cat.name}': driver_bound: bound to device` : `driver: '${d.cat.name}': driver_bound: bound to device '${ds.dev.name}'` });
  if (d.isIommu && ds.dev.node) iommuDeviceRegister(core, ds);
  if (d.cat.powerOff.claims) core.powerOffHolder = d.cat.name;
  // driver_bound() → driver_deferred_probe_trigger()
  driverDeferredProbeTrigger(core);
}

/**
 * What a probing driver creates: simple-pm-bus populates its children, an MFD adds its cells, a driver
 * populates the nodes it finds by compatible (probe-created.ts); a PCI host bridge enumerates.
 */
function probeCreates(core: CoreState, d: ModelDriver, ds: SimDevice): void {
  if ((d.cat.name === 'simple-pm-bus' && ds.dev.compatible.includes('simple-pm-bus')) || (d.cat.populatesChildren && d.cat.name !== 'simple-pm-bus')) {
    for (const child of populateChildren(ds.dev, core.profile, core.knownNodes, core.popOpts)) deviceAdd(core, child);
  }
  if (d.cat.mfdCells) {
    for (const cell of mfdAddDevices(ds.dev, d.cat.mfdCells, core.handMade, core.popOpts)) {
      // device_add() refuses a second device of one name (-EEXIST) and mfd_add_devices() then fails the
      // parent's probe; the model only leaves the duplicate out (two instances of a PLATFORM_DEVID_NONE MFD)
      if (!core.devices.some((x) => x.dev.name === cell.name)) deviceAdd(core, cell);
    }
  }
  for (const link of d.cat.linkedPopulates) {
    for (const np of linkedPopulateRoots(core.tree, link, ds.dev, core.phandles)) {
      for (const child of populateChildren(ds.dev, core.profile, core.knownNodes, core.popOpts, np)) deviceAdd(core, child);
    }
  }
  for (const spec of d.cat.childDevices) for (const child of handMadeDevices(ds.dev, spec, core.knownNodes)) deviceAdd(core, child);
  // v6.5+ uart_add_one_port() → serial_core_register_port(): the port's serial-base devices (serial-base.ts)
  if (core.profile.serialBaseBus && d.cat.registersUartPort) {
    registerSerialBaseDrivers(core);
    for (const dev of serialCoreRegisterPort(ds.dev, (name) => core.devices.some((x) => x.dev.name === name))) deviceAdd(core, dev);
  }
  // devm_rtc_register_device() → device_add() → the rtc class interface: alarmtimer_rtc_add_device()
  // registers "alarmtimer", and the alarmtimer driver (registered at alarmtimer_init) binds it at once
  if (d.cat.registersWakeupRtc && core.drivers.some((x) => x.cat.name === 'alarmtimer' && x.registered)) {
    const dev = alarmtimerRtcAddDevice(core.handMade, ds.dev.name, core.config);
    if (dev) deviceAdd(core, dev);
  }
  if (ds.dev.bus === 'platform' && ds.dev.node && isPciHost(ds.dev.node)) {
    const specs = (core.opts.pciFunctions ?? []).filter((s) => pciHostMatches(core, s.host, ds));
    const sorted = specs.slice().sort((a, b) => a.bdf.localeCompare(b.bdf));
    for (const spec of sorted) {
      const pdev = pciDevice(spec, ds.dev);
      if (!pdev) {
        core.diag('warning', 'bad_bdf', `PCI function "${spec.bdf}" is not a bus:device.function`);
        continue;
      }
      deviceAdd(core, pdev);
    }
  }
}

/**
 * The serial core's ctrl and port drivers before a port is registered: built in, serial_base_init() has
 * registered them at arch_initcall already; as a module (serial_base.ko), modprobe loads it as a
 * dependency of the UART driver's module, so it is registered before that driver probes.
 */
export function registerSerialBaseDrivers(core: CoreState): void {
  for (const d of core.drivers) if (d.cat.bus === 'serial-base' && !d.registered) driverRegister(core, d);
}

/** The host bridge a --pci function sits behind: the named one, else the first on the board. */
function pciHostMatches(core: CoreState, host: string | undefined, ds: SimDevice): boolean {
  if (!host) return core.devices.find((x) => x.dev.node && x.dev.bus === 'platform' && isPciHost(x.dev.node)) === ds;
  return host === ds.dev.name || host === ds.dev.path;
}

/** pinctrl_bind_pins() (drivers/base/pinctrl.c): the default state's pin controllers must be bound. */
function pinctrlBindPins(core: CoreState, ds: SimDevice): ProbeOutcome | null {
  const node = ds.dev.node;
  if (!node || ds.dev.bus === 'pci') return null;
  const p = getProperty(node, 'pinctrl-0');
  if (!p) return null;
  let refs = core.pinctrlCache.get(node);
  if (!refs) core.pinctrlCache.set(node, (refs = supplierRefs(node, PINCTRL_DEFAULT, core.phandles)));
  for (const ref of refs) {
    const sup = core.deviceFor(ref.supplier);
    if (core.initializedWithoutDevice(ref.supplier)) continue;
    if (sup && sup.driver) continue;
    if (sup === ds) continue;
    return { kind: 'pinctrl-defer', supplier: ref.supplier, supplierDevice: sup, property: p };
  }
  return null;
}

/** call_driver_probe(): the driver's own probe, as assumed, deferring on unbound resources it asks for. */
function callDriverProbe(core: CoreState, d: ModelDriver, ds: SimDevice): ProbeOutcome {
  const node = ds.dev.node;
  // simple-pm-bus binds a plain simple-bus/simple-mfd only when that is its first compatible (6.1 probe)
  if (d.cat.name === 'simple-pm-bus' && !ds.dev.compatible.includes('simple-pm-bus')) {
    const first = ds.dev.compatible[0] ?? '';
    if (!core.profile.simplePmBusBindsSimpleBus || !['simple-bus', 'simple-mfd', 'isa', 'arm,amba-bus'].includes(first)) return { kind: 'rejected', errno: -ENODEV, assumed: false };
  }
  // psci_cpuidle_probe(): the one modelled probe of a device the kernel registered by name (init-devices.ts)
  if (!node && ds.dev.createdBy === 'kernel' && d.cat.name === 'psci-cpuidle' && ds.assumed.kind === 'ok') {
    const errno = psciCpuidleProbe(core.tree, core.phandles, core.popOpts);
    if (errno) return { kind: 'rejected', errno, assumed: false };
  }
  if (node && ds.dev.bus !== 'pci') {
    const check = driverChecks(core, d, ds);
    if (check) return check;
    let cached = core.resourcesCache.get(node);
    if (!cached) core.resourcesCache.set(node, (cached = probeResources(node, core.profile.supplierBindings.length ? core.profile.supplierBindings : RESOURCE_BINDINGS, core.phandles)));
    const resources = cached.slice();
    // platform_probe() → dev_pm_domain_attach(): a single power domain whose provider is missing asks
    // check_state (genpd_dev_pm_attach), so the timeout turns it into a probe failure, not a wait
    const domains = resources.filter((r) => r.binding === 'power-domains');
    if (ds.dev.bus === 'platform' && domains.length === 1 && !resourceReady(core, domains[0]!, ds)) {
      const v = core.driverDeferredProbeCheckState();
      if (v === 'defer') return { kind: 'driver-defer', resource: domains[0]!, supplierDevice: core.providerDeviceFor(domains[0]!.supplier) };
      const text = v === 'etimedout' ? 'deferred probe timeout, ignoring dependency' : 'ignoring dependency for device, assuming no driver';
      core.emit('ignoring-dependency', { device: ds.dev.name, driver: d.cat.name, reason: text, text: `${d.cat.name} ${ds.dev.name}: ${text}` });
      return { kind: 'failed', errno: v === 'etimedout' ? -ETIMEDOUT : -ENODEV };
    }
    resources.push(...driverDataResources(core, d, ds));
    const unready = resources.filter((ref) => ref.binding !== 'power-domains' && !resourceReady(core, ref, ds));
    if (unready.length) {
      const ref = unready[0]!;
      return { kind: 'driver-defer', resource: ref, supplierDevice: core.providerDeviceFor(ref.supplier), message: probeDeferReason(d.cat, unready) };
    }
  }
  if (d.cat.powerOff.refuses && core.powerOffHolder) {
    core.emit('failed', { device: ds.dev.name, driver: d.cat.name, text: `${d.cat.name} ${ds.dev.name}: pm_power_off already claimed for ${core.powerOffHolder}` });
    return { kind: 'failed', errno: -16 };
  }
  const a = ds.assumed;
  switch (a.kind) {
    case 'ok':
      return { kind: 'bound' };
    case 'absent':
      return { kind: 'rejected', errno: -ENODEV, assumed: true };
    case 'defer':
      if (ds.assumedDefersLeft > 0) {
        ds.assumedDefersLeft--;
        return { kind: 'driver-defer', resource: null, supplierDevice: null };
      }
      return { kind: 'bound' };
    case 'fail':
      return a.errno === -ENODEV || a.errno === -6 ? { kind: 'rejected', errno: a.errno, assumed: true } : { kind: 'failed', errno: a.errno };
  }
}

/**
 * Providers a driver reaches through its parent or a plain phandle rather than a supplier binding:
 * a child of an MFD (`simple-mfd` with its own driver) whose probe asks the parent's driver for its data
 * (a 'parent' lookup in the catalog: dev_get_regmap(dev->parent), of_get_parent() → rpi_firmware_get()),
 * unless it takes the parent as a syscon (syscon_node_to_regmap(): drivers/mfd/syscon.c makes that
 * regmap from the node, driver or not); a `firmware = <&fw>` phandle names the firmware driver.
 */
function driverDataResources(core: CoreState, d: ModelDriver, ds: SimDevice): SupplierRef[] {
  const node = ds.dev.node!;
  const out: SupplierRef[] = [];
  const parent = node.parent;
  const parentCompat = parent ? stringListProp(parent, 'compatible') : [];
  const asksParent = d.cat.probeLookups.some((l) => l.kind === 'parent') && !d.cat.probeLookups.some((l) => l.kind === 'syscon');
  if (parent && parentCompat.includes('simple-mfd') && core.index && asksParent) {
    const own = core.index.platformDriversFor(parentCompat).filter((x) => x.name !== 'simple-pm-bus' && core.modelOf.has(x));
    const prop = getProperty(parent, 'compatible');
    if (own.length && prop) out.push({ binding: 'parent-mfd', property: prop, supplier: parent });
  }
  const fw = getProperty(node, 'firmware');
  if (fw && fw.value.length === 4) {
    const target = core.phandles.get(cells(fw)[0]!);
    if (target) out.push({ binding: 'firmware', property: fw, supplier: target });
  }
  return out;
}

/** A provider the driver asks for is there: bound, or set up early without a device. */
function resourceReady(core: CoreState, ref: SupplierRef, ds: SimDevice): boolean {
  if (core.initializedWithoutDevice(ref.supplier)) return true;
  // of_clk_init() / of_irq_init() registered a *_DECLARE_DRIVER node's clocks or irq domain before any
  // device: clk_get() and platform_get_irq() find them while the node's own device has yet to bind
  const kinds = core.declaredKinds(ref.supplier);
  if ((ref.binding === 'clocks' && kinds.has('clk-driver')) || (ref.binding === 'interrupts' && kinds.has('irqchip-driver'))) return true;
  if (ancestors(ref.supplier).some((a) => core.initializedWithoutDevice(a) && !core.byNode.has(a))) return true;
  const sup = core.providerDeviceFor(ref.supplier);
  return sup === ds || !!(sup && sup.driver);
}

/**
 * Checks a driver makes of its own node before anything else, when the kernel source says so:
 * arm-smmu-v3 refuses a register window smaller than its two 64K pages ("MMIO region too small").
 */
function driverChecks(core: CoreState, d: ModelDriver, ds: SimDevice): ProbeOutcome | null {
  const node = ds.dev.node!;
  if (d.cat.name === 'arm-smmu-v3') {
    const size = firstRegSize(node);
    const need = stringListProp(node, 'compatible').includes('cavium,cn9900') ? 0x10000 : 0x20000;
    if (size !== null && size < need) {
      core.emit('failed', { device: ds.dev.name, driver: d.cat.name, text: `${d.cat.name} ${ds.dev.name}: MMIO region too small (reg size 0x${size.toString(16)}, needs 0x${need.toString(16)})` });
      return { kind: 'failed', errno: -22 };
    }
  }
  return null;
}

/** driver_deferred_probe_add() */
function deferredProbeAdd(core: CoreState, ds: SimDevice): void {
  ds.deferrals++;
  if (!ds.onDeferredList) {
    ds.onDeferredList = true;
    core.pending.push(ds);
  }
  const why = ds.lastDefer ? deferText(ds.lastDefer) : undefined;
  core.emit('deferred', { device: ds.dev.name, reason: ds.reason ?? why, text: `${ds.dev.bus} ${ds.dev.name}: Added to deferred list` });
}

/** driver_deferred_probe_trigger(): nothing before late_initcall enables it. */
function driverDeferredProbeTrigger(core: CoreState): void {
  if (!core.deferredProbeEnable) return;
  core.triggerCount++;
  for (const ds of core.pending) if (ds.onDeferredList && !ds.driver) core.active.push(ds);
  core.pending = [];
  core.workQueued = true;
}

/** Runs the queued deferred work now, unless the work itself queued it (one workqueue item, never re-entered). */
function runDeferredWorkIfQueued(core: CoreState): void {
  if (core.workQueued && !core.workRunning) deferredProbeWorkFunc(core);
}

/** deferred_probe_work_func(): FIFO over the active list until it is empty. */
function deferredProbeWorkFunc(core: CoreState): void {
  core.workRunning = true;
  core.workQueued = false;
  while (core.activeHead < core.active.length) {
    if (--core.workBudget <= 0) {
      core.diag('error', 'probe_livelock', 'the deferred-probe work did not settle (work limit reached)');
      core.active = [];
      core.activeHead = 0;
      break;
    }
    const ds = core.active[core.activeHead++]!;
    if (core.activeHead > 4096 && core.activeHead * 2 > core.active.length) {
      core.active = core.active.slice(core.activeHead);
      core.activeHead = 0;
    }
    if (ds.driver) continue;
    // the device stays on the deferred list bookkeeping-wise until it binds or defers again
    ds.onDeferredList = false;
    ds.reason = null;
    core.emit('retry', { device: ds.dev.name, text: `${ds.dev.bus} ${ds.dev.name}: Retrying from deferred list` });
    deviceAttachFromWork(core, ds);
    // a device that did not defer again and did not bind (driver error) leaves the lists
  }
  core.active = [];
  core.activeHead = 0;
  core.workRunning = false;
  core.workQueued = false;
  if (core.asyncQueue.length) runAsyncProbes(core);
}

/** deferred_probe_work_func() → bus_probe_device() → __device_attach(): the bus's match runs again too. */
function deviceAttachFromWork(core: CoreState, ds: SimDevice): void {
  for (const d of candidateDrivers(core, ds)) {
    if (ds.driver) break;
    if (ambaMatchDefers(core, ds)) break;
    if (!core.matches(d, ds)) continue;
    const ret = driverProbeDevice(core, d, ds);
    if (ret <= 0) break;
  }
}

/** deferred_probe_initcall() */
export function deferredProbeInitcall(core: CoreState): void {
  core.lateInitcallAt = core.time;
  core.emit('late-initcall', { name: 'deferred_probe_initcall', text: 'calling  deferred_probe_initcall+0x0/0x0 @ 1' });
  core.deferredProbeEnable = true;
  driverDeferredProbeTrigger(core);
  deferredProbeWorkFunc(core);
  if (!core.profile.hasCheckState) return;
  core.initcallsDone = true;
  if (!core.modules) fwDevlinkDriversDone(core);
  driverDeferredProbeTrigger(core);
  deferredProbeWorkFunc(core);
  if (core.timeoutSeconds > 0) {
    core.timer.armed = true;
    core.timer.at = core.time + core.timeoutSeconds;
  }
}

/** deferred_probe_timeout_work_func() */
export function deferredProbeTimeoutWorkFunc(core: CoreState): void {
  core.timeoutFiredAt = core.time;
  core.emit('timeout', { name: 'deferred_probe_timeout_work_func' });
  fwDevlinkDriversDone(core);
  core.timeoutSeconds = 0;
  driverDeferredProbeTrigger(core);
  deferredProbeWorkFunc(core);
  for (const ds of core.pending) {
    if (!ds.onDeferredList || ds.driver) continue;
    const reason = core.profile.pendingWithReason ? `: ${ds.reason ?? '(reason unknown)'}` : '';
    core.emit('pending', { device: ds.dev.name, reason: ds.reason ?? undefined, text: `${ds.dev.bus} ${ds.dev.name}: deferred probe pending${reason}` });
  }
}

/** Size of the first `reg` entry, or null. */
function firstRegSize(node: DtNode): number | null {
  const reg = getProperty(node, 'reg');
  if (!reg || !node.parent) return null;
  const na = u32Prop(node.parent, '#address-cells') ?? 2;
  const ns = u32Prop(node.parent, '#size-cells') ?? 1;
  const c = cells(reg);
  if (ns === 0 || c.length < na + ns) return null;
  let size = 0;
  for (let i = 0; i < ns; i++) size = size * 2 ** 32 + c[na + i]!;
  return size;
}

/** A PCI host bridge node: `device_type = "pci"` or a host-bridge compatible. */
function isPciHost(node: DtNode): boolean {
  if (stringProp(node, 'device_type') === 'pci') return true;
  return stringListProp(node, 'compatible').some((c) => /pci(e)?-host|pcie?$|-pcie\b|,pcie/.test(c));
}
