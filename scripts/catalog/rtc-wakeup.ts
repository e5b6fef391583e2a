// Which drivers' probes register an RTC whose parent device may wake the system, read from the kernel
// source. kernel/time/alarmtimer.c alarmtimer_rtc_add_device() (the rtc class interface's add_dev, run
// from device_add() of the RTC) adds the "alarmtimer" platform device only for an RTC that keeps
// RTC_FEATURE_ALARM (drivers/rtc/class.c __devm_rtc_register_device() clears it when the ops have no
// set_alarm) and whose parent passes device_may_wakeup(), which a probe arranges with
// device_init_wakeup(dev, true) before it registers the RTC.

/** The rtc class registration calls (drivers/rtc/class.c and the include/linux/rtc.h wrappers). */
const RTC_REGISTER = /\b(?:devm_rtc_register_device|__devm_rtc_register_device|devm_rtc_device_register|rtc_device_register|rtc_register_device)\s*\(/;
/** device_init_wakeup(dev, true): can_wakeup and a wakeup source, what device_may_wakeup() asks for. */
const INIT_WAKEUP = /\bdevice_init_wakeup\s*\(\s*[^,;]+,\s*(?:true|1)\s*\)/;

/**
 * Whether `probe` (a function of the file, `bodies`: every function, comments stripped), in its own
 * body, calls device_init_wakeup(dev, true) outside any block (so on every path that gets there) before
 * it registers an RTC, and the file's rtc_class_ops set `.set_alarm`. A call inside an `if` (an IRQ, a
 * `wakeup-source` property) is a condition the catalog does not carry: such a driver is not marked.
 */
export function probeRegistersWakeupRtc(probe: string, bodies: Map<string, string>, src: string): boolean {
  if (!/\.set_alarm\s*=/.test(src)) return false;
  const body = bodies.get(probe);
  if (!body) return false;
  const reg = RTC_REGISTER.exec(body);
  const wake = INIT_WAKEUP.exec(body);
  if (!reg || !wake || wake.index > reg.index) return false;
  // brace depth at the device_init_wakeup() call: 1 is the function body itself
  let depth = 0;
  for (let i = 0; i < wake.index; i++) {
    if (body[i] === '{') depth++;
    else if (body[i] === '}') depth--;
  }
  if (depth !== 1) return false;
  // a braceless `if (...)` right before it makes it conditional too
  const before = body.slice(0, wake.index).replace(/\s+$/, '');
  return !/\b(?:if|else)\s*(?:\([^;{}]*\))?$/.test(before);
}
