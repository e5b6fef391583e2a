// Platform devices a driver's probe creates by hand for child nodes of its own node, the idiom of the
// i.MX GPC drivers (drivers/soc/imx/gpc.c imx_gpc_probe, gpcv2.c imx_gpcv2_probe):
//   pgc = of_get_child_by_name(dev->of_node, "pgc");
//   for_each_child_of_node(pgc, np) { of_property_read_u32(np, "reg", &idx);
//     pd = platform_device_alloc("imx-pgc-domain", idx); pd->dev.of_node = np; platform_device_add(pd); }
// platform_device_alloc(name, id) names the device "<name>.<id>" (drivers/base/platform.c
// platform_device_add: dev_set_name "%s.%d"; PLATFORM_DEVID_NONE: just the name). A device given only
// `dev.of_node` has no fwnode (device_add() links fw_devlink only through dev->fwnode).

// The shape is the catalog's own (engine/probe/catalog.ts): the scanner writes what the model reads.
import type { HandMadeChildren } from '../../engine/probe/catalog';

export type { HandMadeChildren };

/** The hand-made child devices of `probe` (a function of `src`, comments stripped; `bodies`: every function). */
export function probeChildren(probe: string, bodies: Map<string, string>): HandMadeChildren[] {
  const out: HandMadeChildren[] = [];
  const seen = new Set<string>();
  const visit = (fn: string, depth: number): void => {
    const body = bodies.get(fn);
    if (!body || seen.has(fn)) return;
    seen.add(fn);
    for (const loop of body.matchAll(/\bfor_each_(available_)?child_of_node\s*\(\s*([\w>.-]+)\s*,\s*(\w+)\s*\)/g)) {
      const open = body.indexOf('{', loop.index! + loop[0].length);
      if (open < 0) continue;
      let depthB = 0;
      let end = body.length;
      for (let i = open; i < body.length; i++) {
        if (body[i] === '{') depthB++;
        else if (body[i] === '}' && --depthB === 0) {
          end = i + 1;
          break;
        }
      }
      const inner = body.slice(open, end);
      const np = loop[3]!;
      const alloc = /\bplatform_device_alloc\s*\(\s*"([^"]+)"\s*,\s*([^)]+?)\s*\)/.exec(inner);
      if (!alloc) continue;
      const npRe = np.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
      if (!new RegExp(`dev\\.of_node\\s*=\\s*${npRe}\\b`).test(inner)) continue;
      const idArg = alloc[2]!;
      let id: HandMadeChildren['id'] | null = null;
      if (idArg === 'PLATFORM_DEVID_NONE' || idArg === '-1') id = 'none';
      else if (/^\d+$/.test(idArg)) id = Number(idArg);
      else if (new RegExp(`of_property_read_u32\\s*\\(\\s*${npRe}\\s*,\\s*"reg"\\s*,\\s*&\\s*${idArg}\\s*\\)`).test(inner)) id = 'reg';
      if (id === null) continue;
      // where the iterated parent came from: X = of_get_child_by_name(<own node>, "sub"), or the own node
      const parent = loop[2]!;
      let under: string | null = null;
      if (/(?:^|[>.])of_node$/.test(parent)) under = '';
      else {
        const esc = parent.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
        const src = new RegExp(`\\b${esc}\\s*(?:__free\\s*\\(\\s*\\w+\\s*\\)\\s*)?=\\s*of_get_child_by_name\\s*\\([^,]*of_node\\s*,\\s*"([^"]+)"\\s*\\)`).exec(body);
        if (src) under = src[1]!;
      }
      if (under === null) continue;
      out.push({
        under,
        name: alloc[1]!,
        id,
        fwnode: new RegExp(`dev\\.fwnode\\s*=|device_set_node\\s*\\(|device_set_of_node_from_dev\\s*\\(`).test(inner),
        availableOnly: !!loop[1] || new RegExp(`of_device_is_available\\s*\\(\\s*${npRe}\\s*\\)`).test(inner),
      });
    }
    if (depth < 2) for (const call of body.matchAll(/\b([A-Za-z_]\w*)\s*\(/g)) if (bodies.has(call[1]!) && call[1] !== fn) visit(call[1]!, depth + 1);
  };
  visit(probe, 0);
  return out;
}
