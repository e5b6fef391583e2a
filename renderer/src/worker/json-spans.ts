// Source locations for the detail view, read from the services' JSON tree (`bringup dt -O json`,
// engine/devicetree's JSON back end): the DTB the worker reads has no spans, the JSON keeps dtc's
// srcpos per node and property. Tolerant of the writer's layout: nodes as arrays or maps.
import type { SourceSpan } from '../../../engine/common';
import type { SpanLookup } from './node-view';

type Json = Record<string, unknown>;

function isObj(v: unknown): v is Json {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

function asSpan(v: unknown): SourceSpan | undefined {
  if (!isObj(v)) return undefined;
  if (typeof v.file === 'string' && typeof v.line === 'number') {
    const line = v.line;
    const col = typeof v.col === 'number' ? v.col : typeof v.column === 'number' ? v.column : 1;
    return {
      file: v.file,
      line,
      col,
      endLine: typeof v.endLine === 'number' ? v.endLine : line,
      endCol: typeof v.endCol === 'number' ? v.endCol : col,
    };
  }
  return undefined;
}

function spanOf(o: Json): SourceSpan | undefined {
  return asSpan(o.span) ?? asSpan(o.source) ?? asSpan(o.location) ?? asSpan(o.srcpos);
}

function entries(v: unknown): [string | undefined, Json][] {
  if (Array.isArray(v)) return v.filter(isObj).map((o) => [typeof o.name === 'string' ? o.name : undefined, o]);
  if (isObj(v)) return Object.entries(v).filter((e): e is [string, Json] => isObj(e[1]));
  return [];
}

/** Builds a lookup from a JSON tree; returns a lookup that finds nothing when the JSON has no spans. */
export function spanLookupFromJson(treeJson: unknown): SpanLookup {
  const nodes = new Map<string, SourceSpan>();
  const props = new Map<string, SourceSpan>();
  const visit = (o: Json, path: string, depth: number) => {
    if (depth > 256) return;
    const s = spanOf(o);
    if (s) nodes.set(path, s);
    for (const [name, p] of entries(o.properties)) {
      const ps = spanOf(p);
      if (name && ps) props.set(`${path}\0${name}`, ps);
    }
    for (const [name, c] of entries(o.children)) {
      const childPath = typeof c.path === 'string' ? c.path : `${path === '/' ? '' : path}/${name ?? ''}`;
      visit(c, childPath, depth + 1);
    }
  };
  if (isObj(treeJson)) {
    const root = isObj(treeJson.root) ? treeJson.root : isObj(treeJson.tree) ? treeJson.tree : treeJson;
    visit(root, '/', 0);
  }
  return (path, property) => (property === undefined ? nodes.get(path) : props.get(`${path}\0${property}`));
}
