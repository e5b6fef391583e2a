// A map from a key to the list of values filed under it, in the order they were added: the index
// shape of the catalog, the simulated devices and the phandle table.

/** Appends `value` to the list under `key` in `map`, starting the list if there is none. */
export function addTo<K, V>(map: Map<K, V[]>, key: K, value: V): void {
  const list = map.get(key);
  if (list) list.push(value);
  else map.set(key, [value]);
}
