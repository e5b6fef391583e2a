// The web host's JSON wire format for contract values (the renderer's api.ts speaks the same): a
// Uint8Array travels as {"$bytes": "<base64>"}, everything else as plain JSON. Calls are
// POST /api/<method> with the argument list as a JSON array; answers are {"result"} or {"error"};
// events on the WebSocket are {"event", "payload"}.
export type Base64Codec = { encode(bytes: Uint8Array): string; decode(b64: string): Uint8Array };

export function encodeWire(value: unknown, codec: Base64Codec): unknown {
  if (value instanceof Uint8Array) return { $bytes: codec.encode(value) };
  if (Array.isArray(value)) return value.map((v) => encodeWire(v, codec));
  if (value && typeof value === 'object') {
    const out: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(value)) if (v !== undefined) out[k] = encodeWire(v, codec);
    return out;
  }
  return value;
}

export function decodeWire(value: unknown, codec: Base64Codec, depth = 0): unknown {
  if (depth > 64) throw new Error('request nested too deeply');
  if (Array.isArray(value)) return value.map((v) => decodeWire(v, codec, depth + 1));
  if (value && typeof value === 'object') {
    const rec = value as Record<string, unknown>;
    const keys = Object.keys(rec);
    if (keys.length === 1 && typeof rec.$bytes === 'string') return codec.decode(rec.$bytes);
    const out: Record<string, unknown> = {};
    for (const k of keys) {
      if (k === '__proto__' || k === 'constructor' || k === 'prototype') continue;
      out[k] = decodeWire(rec[k], codec, depth + 1);
    }
    return out;
  }
  return value;
}
