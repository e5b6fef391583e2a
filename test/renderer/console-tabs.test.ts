// The console tabs' rules (renderer/src/stores/connection.ts) and the lab view's tag filter: one tab to
// start with, the connect bar's fields following the tab in front, a split that puts a new empty console
// in front, a tab on screen swapped rather than duplicated, the last tab kept, a place's console shown
// in the tab already on it, and tab names a lab engineer reads at a glance.
// @vitest-environment happy-dom
import { createPinia, setActivePinia } from 'pinia';
import { beforeEach, describe, expect, it } from 'vitest';
import { DEFAULT_SERIAL_SETTINGS, type ConnectionStatus } from '../../electron/common/contract';
import { tabTitle, useConnectionStore } from '../../renderer/src/stores/connection';
import { parseTagFilter } from '../../renderer/src/stores/lab';

const open = (connectionId: string, target: string): ConnectionStatus => ({ connectionId, target, state: 'connected', settings: DEFAULT_SERIAL_SETTINGS, bytesReceived: 0, bytesSent: 0 });

describe('console tabs', () => {
  beforeEach(() => setActivePinia(createPinia()));

  it('starts with one console; the connect bar edits the tab in front', () => {
    const conn = useConnectionStore();
    expect(conn.tabs).toHaveLength(1);
    expect(conn.shown.map((t) => t.key)).toEqual([conn.activeKey]);
    conn.target = '/dev/ttyUSB0';
    conn.settings.baudRate = 1500000;
    const second = conn.addTab();
    expect(second.settings.baudRate).toBe(1500000);
    conn.select(second.key);
    expect(conn.target).toBe('');
    conn.target = 'rfc2217://lab:4001';
    conn.select(conn.tabs[0]!.key);
    expect(conn.target).toBe('/dev/ttyUSB0');
    expect(conn.tabs.map((t) => t.target)).toEqual(['/dev/ttyUSB0', 'rfc2217://lab:4001']);
  });

  it('splits with a new empty console in front, swaps panes instead of showing one tab twice', () => {
    const conn = useConnectionStore();
    const first = conn.activeKey;
    conn.toggleSplit();
    expect(conn.tabs).toHaveLength(2);
    const second = conn.activeKey;
    expect(second).not.toBe(first);
    expect(conn.shown.map((t) => t.key)).toEqual([first, second]);
    conn.select(first);
    expect(conn.activeKey).toBe(first);
    expect(conn.shown.map((t) => t.key)).toEqual([first, second]);
    // A third tab brought to the front takes the focused pane; the other stays beside it.
    const third = conn.addTab().key;
    conn.select(third);
    expect(conn.shown.map((t) => t.key)).toEqual([second, third]);
    conn.toggleSplit();
    expect(conn.shown.map((t) => t.key)).toEqual([third]);
  });

  it('keeps the last console when it is closed, and ends the split when one is left', async () => {
    const conn = useConnectionStore();
    conn.toggleSplit();
    await conn.closeTab(conn.activeKey);
    expect(conn.tabs).toHaveLength(1);
    expect(conn.split).toBe(false);
    conn.target = '/dev/ttyACM0';
    await conn.closeTab(conn.activeKey);
    expect(conn.tabs).toHaveLength(1);
    expect(conn.status).toBeNull();
  });

  it("shows a place's console in the tab already on it instead of connecting again", async () => {
    const conn = useConnectionStore();
    const target = 'labgrid://127.0.0.1:20408/rack1-imx8';
    conn.target = target;
    conn.status = open('conn-1', target);
    const other = conn.addTab();
    conn.select(other.key);
    const tab = await conn.openConsole(target);
    expect(tab.key).toBe(conn.tabs[0]!.key);
    expect(conn.activeKey).toBe(tab.key);
    expect(conn.tabOf('conn-1')?.key).toBe(tab.key);
    // A second tab on the same target is refused: the services give a window one connection per target.
    await conn.connect(target, other);
    expect(other.error).toBe(`${target} is open in tab rack1-imx8`);
  });

  it('names tabs by place, device or host', () => {
    expect(tabTitle({ key: 1, target: 'labgrid://lab.example:20408/rack1-imx8' })).toBe('rack1-imx8');
    expect(tabTitle({ key: 1, target: '/dev/serial/by-id/usb-FTDI_FT232R-if00-port0' })).toBe('usb-FTDI_FT232R-if00-port0');
    expect(tabTitle({ key: 1, target: 'rfc2217://console-server:4001' })).toBe('console-server:4001');
    expect(tabTitle({ key: 3, target: '' })).toBe('console 3');
  });
});

describe('reservation tag filter', () => {
  it('reads tag=value pairs and says what is wrong', () => {
    expect(parseTagFilter('board=rpi4 rack=2')).toEqual({ value: { board: 'rpi4', rack: '2' } });
    expect(parseTagFilter('board=rpi4, rack=2')).toEqual({ value: { board: 'rpi4', rack: '2' } });
    expect(parseTagFilter('rpi4')).toEqual({ error: '"rpi4" is not tag=value' });
    expect(parseTagFilter('  ')).toEqual({ error: 'name at least one tag, e.g. board=rpi4' });
  });
});
