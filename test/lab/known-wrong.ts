// KNOWN_WRONG: the devices (per lab boot) the probe model predicts wrong today, each with what differs.
// predict-vs-kernel.test.ts fails when a device is wrong that is not listed here, and when a listed one
// has come right, so this list can only shrink. Regenerate with `npx tsx scripts/lab/score.ts --write`
// after a model change, and read the diff: only removals are progress.

export const KNOWN_WRONG: Record<string, Record<string, string>> = {
};
