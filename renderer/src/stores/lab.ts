// The lab view's state: one labgrid coordinator's places as the services' session sees them (replaced
// by every `labPlaces` event the subscription brings), acquire / release, reservations by tag with the
// wait shown (polled once a second, which also keeps them from expiring, as labgrid-client reserve
// --wait does), and a place's console opened in a tab (`labgrid://COORDINATOR/PLACE`).
import { defineStore } from 'pinia';
import { computed, ref, shallowRef } from 'vue';
import type { LabReservation, LabSnapshot } from '../../../electron/common/contract';
import { useApi } from '../api';
import { isOpen, useConnectionStore } from './connection';

const COORDINATOR_KEY = 'workbench.labCoordinator';
const POLL_MS = 1000;

export interface ReservationRow extends LabReservation {
  filter: Record<string, string>;
  /** When it was made (ms), for the wait shown. */
  since: number;
  error?: string;
}

/** `board=rpi4 rack=2` → { board: 'rpi4', rack: '2' }; an error sentence for anything else. */
export function parseTagFilter(text: string): { value: Record<string, string> } | { error: string } {
  const out: Record<string, string> = {};
  for (const part of text.split(/[\s,]+/).filter(Boolean)) {
    const m = /^([^=]+)=(.+)$/.exec(part);
    if (!m) return { error: `${JSON.stringify(part)} is not tag=value` };
    out[m[1]!] = m[2]!;
  }
  if (!Object.keys(out).length) return { error: 'name at least one tag, e.g. board=rpi4' };
  return { value: out };
}

export const useLabStore = defineStore('lab', () => {
  const coordinator = ref(localStorage.getItem(COORDINATOR_KEY) ?? '');
  const snapshot = shallowRef<LabSnapshot | null>(null);
  const busy = ref(false);
  const error = ref<string | null>(null);
  /** place → what is being done to it right now. */
  const pending = ref<Record<string, 'acquiring' | 'releasing' | 'opening'>>({});
  const reservations = ref<ReservationRow[]>([]);
  /** Ticks once a second while something waits, for the wait shown. */
  const now = ref(Date.now());
  let pollTimer: ReturnType<typeof setInterval> | null = null;

  const places = computed(() => snapshot.value?.places ?? []);

  const targetOf = (place: string) => `labgrid://${snapshot.value?.coordinator ?? coordinator.value.trim()}/${place}`;

  async function guard<T>(what: () => Promise<T>): Promise<T | undefined> {
    error.value = null;
    try {
      return await what();
    } catch (e) {
      error.value = e instanceof Error ? e.message : String(e);
      return undefined;
    }
  }

  async function watchLab(address = coordinator.value) {
    const a = address.trim().replace(/^labgrid:\/\//i, '').replace(/\/+$/, '');
    if (!a) {
      error.value = 'type the coordinator: HOST[:PORT] (labgrid-coordinator listens on 20408)';
      return;
    }
    coordinator.value = a;
    busy.value = true;
    const s = await guard(() => useApi().labWatch(a));
    busy.value = false;
    if (!s) return;
    snapshot.value = s;
    localStorage.setItem(COORDINATOR_KEY, a);
  }

  /** From the services' labPlaces event: the coordinator this view shows. */
  function onPlaces(s: LabSnapshot) {
    if (snapshot.value && s.coordinator === snapshot.value.coordinator) snapshot.value = s;
  }

  async function act(place: string, what: 'acquiring' | 'releasing' | 'opening', fn: () => Promise<unknown>) {
    pending.value = { ...pending.value, [place]: what };
    try {
      await guard(fn);
    } finally {
      const { [place]: _done, ...rest } = pending.value;
      pending.value = rest;
    }
  }

  async function acquire(place: string) {
    const s = snapshot.value;
    if (s) await act(place, 'acquiring', () => useApi().labAcquire(s.coordinator, place));
  }

  /** Releases the place; a console open on it is disconnected first (it would lose its line anyway). */
  async function release(place: string) {
    const s = snapshot.value;
    if (!s) return;
    const conn = useConnectionStore();
    await act(place, 'releasing', async () => {
      for (const t of conn.tabs.filter((x) => x.target === targetOf(place) && isOpen(x))) await conn.disconnect(t);
      await useApi().labRelease(s.coordinator, place);
    });
  }

  async function openConsole(place: string) {
    const conn = useConnectionStore();
    await act(place, 'opening', async () => {
      const tab = await conn.openConsole(targetOf(place));
      if (!isOpen(tab) && tab.error) throw new Error(tab.error);
    });
  }

  function tick() {
    now.value = Date.now();
    const live = reservations.value.filter((r) => r.state === 'waiting' || r.state === 'allocated');
    if (!live.length) {
      if (pollTimer) clearInterval(pollTimer);
      pollTimer = null;
      return;
    }
    for (const r of live) {
      const s = snapshot.value;
      if (!s) continue;
      useApi()
        .labPollReservation(s.coordinator, r.token)
        .then(
          (next) => Object.assign(r, next, { error: undefined }),
          (e: Error) => Object.assign(r, { state: 'invalid', error: e.message }),
        );
    }
  }

  async function reserve(filterText: string) {
    const s = snapshot.value;
    if (!s) return;
    const f = parseTagFilter(filterText);
    if ('error' in f) {
      error.value = f.error;
      return;
    }
    const r = await guard(() => useApi().labReserve(s.coordinator, f.value));
    if (!r) return;
    reservations.value.unshift({ ...r, filter: f.value, since: Date.now() });
    pollTimer ??= setInterval(tick, POLL_MS);
  }

  async function cancelReservation(token: string) {
    const s = snapshot.value;
    if (!s) return;
    await guard(() => useApi().labCancelReservation(s.coordinator, token));
    reservations.value = reservations.value.filter((r) => r.token !== token);
  }

  function dismissReservation(token: string) {
    reservations.value = reservations.value.filter((r) => r.token !== token);
  }

  return {
    coordinator,
    snapshot,
    busy,
    error,
    pending,
    reservations,
    now,
    places,
    targetOf,
    watchLab,
    onPlaces,
    acquire,
    release,
    openConsole,
    reserve,
    cancelReservation,
    dismissReservation,
  };
});
