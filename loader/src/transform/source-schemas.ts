/**
 * Each source loads into a warehouse schema of its own, named from its id (`schemaName`). Two ids
 * can name one schema (`web` and `web_`, `a_b` and `a__b`, `user` and `source_user`, a reserved
 * word prefixed): their rows would then share tables, dedupe each other by message id and overwrite
 * each other's counts. Such a configuration is refused before anything loads.
 */
import { schemaName } from './names.js';

/** Problems with `sourceIds` on a warehouse allowing `maxIdentifierBytes`; one per clash, naming both sources. */
export function schemaClashes(sourceIds: readonly string[], maxIdentifierBytes: number): string[] {
  const owners = new Map<string, string>();
  const clashes: string[] = [];
  for (const id of sourceIds) {
    const schema = schemaName(id, maxIdentifierBytes);
    const owner = owners.get(schema);
    if (owner === undefined) owners.set(schema, id);
    else if (owner !== id) {
      clashes.push(
        `sources "${owner}" and "${id}" both load into warehouse schema "${schema}": rename one of them`,
      );
    }
  }
  return clashes;
}
