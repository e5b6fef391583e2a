// ARM machine descriptors (arch/arm/include/asm/mach/arch.h DT_MACHINE_START ... MACHINE_END): which root
// compatibles select one (.dt_compat), and whether its .init_machine populates the tree itself. On arm,
// customize_machine() (arch/arm/kernel/setup.c, arch_initcall) calls machine_desc->init_machine; one that
// calls of_platform_default_populate(NULL, ...) (arch/arm/mach-imx/mach-imx6q.c imx6q_init_machine)
// creates the devices there, before the arch_initcall_sync of_platform_default_populate_init().

export interface ScannedMachine {
  /** .dt_compat: the root compatibles of_flat_dt_match_machine() scores this descriptor by. */
  compatible: string[];
  /** .init_machine is set. */
  initMachine: boolean;
  /** .init_machine (or a function of its file it calls) populates the whole tree: of_platform_(default_)populate(NULL, ...). */
  populates: boolean;
}

/** The DT machine descriptors of one file (comments stripped); `bodies`: its functions by name. */
export function scanMachines(src: string, bodies: Map<string, string>): ScannedMachine[] {
  const out: ScannedMachine[] = [];
  const tables = new Map<string, string[]>();
  for (const m of src.matchAll(/\b(?:const\s+)?char\s+(?:const\s+)?\*\s*const\s+(\w+)\s*\[\s*\]\s*(?:__\w+\s*)*=\s*\{([^}]*)\}/g)) {
    tables.set(m[1]!, [...m[2]!.matchAll(/"([^"]+)"/g)].map((x) => x[1]!));
  }
  const populatesIn = (fn: string, depth: number, seen: Set<string>): boolean => {
    const body = bodies.get(fn);
    if (!body || seen.has(fn)) return false;
    seen.add(fn);
    if (/\bof_platform_(?:default_)?populate\s*\(\s*NULL\b/.test(body)) return true;
    if (depth >= 2) return false;
    for (const c of body.matchAll(/\b([A-Za-z_]\w*)\s*\(/g)) if (bodies.has(c[1]!) && populatesIn(c[1]!, depth + 1, seen)) return true;
    return false;
  };
  for (const m of src.matchAll(/\bDT_MACHINE_START\s*\(([\s\S]*?)\bMACHINE_END\b/g)) {
    const body = m[1]!;
    const compat = /\.dt_compat\s*=\s*(\w+)/.exec(body);
    if (!compat) continue;
    const init = /\.init_machine\s*=\s*(\w+)/.exec(body);
    out.push({ compatible: tables.get(compat[1]!) ?? [], initMachine: !!init, populates: !!init && populatesIn(init[1]!, 0, new Set()) });
  }
  return out;
}
