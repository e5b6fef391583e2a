// dtc's checks, the ERROR ones and the warnings: one fixture per check (test/fixtures/dts/bad-<check>.dts).
// Every line dtc prints for that check must come out of our engine identically: same position, check
// name, path and message, and the "Failed prerequisite" line of a check that did not run because one
// it depends on did not pass (dtc puts its output file's name there: /dev/null here). The corpus test
// (test/corpus/dt-warnings.test.ts) holds every check to dtc over the kernel's boards.
import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { formatDiagnostic, type Diagnostic } from '../../../engine/common';
import { CHECKS, checkLevels, loadDeviceTree } from '../../../engine/devicetree';
import { dtc, fixtures, readFileOrUndefined } from '../../support/dtc';

const badFixtures = readdirSync(fixtures).filter((f) => f.startsWith('bad-') && f.endsWith('.dts'));

/**
 * Checks that never print under their own name: graph_nodes only finds the ports and endpoints for the
 * graph checks after it (and has no prerequisite to fail). Its fixture is judged by those checks' lines.
 */
const SILENT: Record<string, string[]> = { graph_nodes: ['graph_child_address', 'graph_port', 'graph_endpoint'] };

/** The checks dtc runs only when -W or -E names them; their fixtures are judged with that switch, on both sides. */
const OFF = ['property_name_chars_strict', 'node_name_chars_strict', 'unique_unit_address_if_enabled', 'deprecated_gpio_property', 'always_fail'];

/** The first line of a diagnostic as dtc prints it with `-o /dev/null` (no include chain, no "also defined at"). */
const firstLine = (d: Diagnostic) => formatDiagnostic(d.span || d.file ? d : { ...d, file: '/dev/null' }).split('\n')[0]!;

describe('dtc checks', () => {
  it('every check in the table, error or warning, has its bad-<check>.dts fixture', () => {
    for (const c of CHECKS) expect(badFixtures).toContain(`bad-${c.name}.dts`);
  });

  it("the table holds dtc 1.6.1's checks in dtc's order, each at dtc's level", () => {
    // check_table in dtc 1.6.1's checks.c, less omit_unused_nodes, a fixup that reports nothing, which
    // the resolver runs (/omit-if-no-ref/).
    const providers = ['clocks', 'cooling_device', 'dmas', 'hwlocks', 'interrupts_extended', 'io_channels', 'iommus', 'mboxes', 'msi_parent', 'mux_controls', 'phys', 'power_domains', 'pwms', 'resets', 'sound_dai', 'thermal_sensors'];
    expect(CHECKS.map((c) => c.name)).toEqual([
      'duplicate_node_names', 'duplicate_property_names', 'node_name_chars', 'node_name_format', 'property_name_chars',
      'name_is_string', 'name_properties', 'node_name_vs_property_name', 'duplicate_label', 'explicit_phandles',
      'phandle_references', 'path_references', 'address_cells_is_cell', 'size_cells_is_cell', 'device_type_is_string',
      'model_is_string', 'status_is_string', 'label_is_string', 'compatible_is_string_list', 'names_is_string_list',
      'property_name_chars_strict', 'node_name_chars_strict', 'addr_size_cells', 'reg_format', 'ranges_format', 'dma_ranges_format', 'unit_address_vs_reg', 'unit_address_format',
      'pci_bridge', 'pci_device_reg', 'pci_device_bus_num', 'simple_bus_bridge', 'simple_bus_reg', 'i2c_bus_bridge',
      'i2c_bus_reg', 'spi_bus_bridge', 'spi_bus_reg', 'avoid_default_addr_size', 'avoid_unnecessary_addr_size',
      'unique_unit_address', 'unique_unit_address_if_enabled', 'obsolete_chosen_interrupt_controller', 'chosen_node_is_root', 'chosen_node_bootargs',
      'chosen_node_stdout_path', ...providers.flatMap((p) => [`${p}_property`, `${p}_is_cell`]), 'deprecated_gpio_property',
      'gpios_property', 'interrupts_property', 'interrupt_provider', 'alias_paths', 'graph_nodes', 'graph_child_address',
      'graph_port', 'graph_endpoint', 'always_fail',
    ]);
    // dtc's CHECK() entries: off unless a switch turns them on.
    expect(CHECKS.filter((c) => c.level === 'off').map((c) => c.name)).toEqual(OFF);
  });

  for (const name of badFixtures) {
    const check = name.slice(4, -4);
    it(`${check}: same diagnostics as dtc`, () => {
      const file = join(fixtures, name);
      const on = OFF.includes(check);
      const ref = dtc(['-I', 'dts', '-O', 'dtb', '-o', '/dev/null', ...(on ? ['-W', check] : []), file]);
      const judged = SILENT[check] ?? [check];
      const expected = ref.err.split('\n').filter((l) => judged.some((c) => l.includes(`(${c})`)));
      expect(expected.length).toBeGreaterThan(0);
      const levels = on ? { checkLevels: checkLevels([{ check, level: 'warning', on: true }]) } : {};
      const r = loadDeviceTree(file, { readFile: readFileOrUndefined, preprocess: false, ...levels });
      if (on) expect(loadDeviceTree(file, { readFile: readFileOrUndefined, preprocess: false }).diagnostics.filter((d) => d.code === check)).toEqual([]);
      const mine = r.diagnostics.filter((d) => judged.includes(d.code)).map(firstLine);
      expect(mine).toEqual(expected);
      // dtc refuses output on ERROR checks: so do we (hasErrors), on warnings it does not.
      const isError = expected[0]!.includes('ERROR (');
      expect(r.diagnostics.some((d) => judged.includes(d.code) && d.severity === 'error')).toBe(isError);
    });
  }
});
