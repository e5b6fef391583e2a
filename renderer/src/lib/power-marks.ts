// Where the timeline draws a console's power actions. A power action is taken at a wall-clock time, the
// timeline's axis is the kernel's clock of one boot: an action taken while a boot ran (a power off, a
// cycle that cut it) belongs at the kernel time it was taken; an action that started the boot on screen
// (the cycle before it) belongs at that boot's start. Older actions bear on no boot shown.
import type { PowerMark } from '../stores/connection';

export interface PlacedPowerMark {
  mark: PowerMark;
  /** Pixels from the plot's left edge. */
  x: number;
  /** Taken before the boot on screen started. */
  before: boolean;
  title: string;
}

/**
 * @param boots the boots the tab's stream has shown (the one on screen is the last)
 * @param range the kernel-time window on screen
 * @param extent the live boot's kernel-time span (an action after its last stamp is drawn at its end)
 * @param plotWidth the plot's width in pixels
 */
export function placePowerMarks(marks: readonly PowerMark[], boots: number, range: { start: number; end: number }, extent: number, plotWidth: number): PlacedPowerMark[] {
  if (plotWidth <= 0 || range.end <= range.start) return [];
  const out: PlacedPowerMark[] = [];
  for (const mark of marks) {
    if (mark.boots < boots - 1 || mark.boots > boots) continue;
    const before = mark.boots < boots;
    const t = before ? 0 : Math.min(mark.kernelTime ?? 0, extent);
    if (t < range.start || t > range.end) continue;
    const at = new Date(mark.at).toLocaleTimeString();
    const outcome = mark.ok === null ? 'sent' : mark.ok ? 'done' : `failed: ${mark.error ?? ''}`;
    const where = before ? ': this boot followed it' : mark.kernelTime === null ? '' : ` at [${mark.kernelTime.toFixed(6)}] of this boot`;
    out.push({ mark, x: ((t - range.start) / (range.end - range.start)) * plotWidth, before, title: `power ${mark.action} at ${at} via labgrid-client (${outcome})${where}` });
  }
  return out;
}
