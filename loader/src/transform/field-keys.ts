/**
 * One `FieldKey` and one `fieldId` string per distinct field of a batch, however many events carry
 * it. The events of a batch mostly share their keys, so without this every event would allocate a
 * key object and a JSON id string per field only for them to be compared and thrown away — the
 * largest share of the transform's garbage. Lives for one `transform` call, so its size is bounded
 * by the keys of one batch.
 */
import { fieldId, type FieldKey, type FieldRoot } from './names.js';

export interface InternedField {
  key: FieldKey;
  id: string;
}

interface Node {
  children: Map<string, Node>;
  field?: InternedField;
}

export class FieldKeys {
  private readonly roots = new Map<FieldRoot, Node>();

  /** The interned key and id of `root` + `path` (the first caller's `path` array is kept: do not mutate it). */
  get(root: FieldRoot, path: readonly string[]): InternedField {
    let node: Node | undefined = this.roots.get(root);
    if (!node) {
      node = { children: new Map() };
      this.roots.set(root, node);
    }
    for (const segment of path) {
      let child: Node | undefined = node.children.get(segment);
      if (!child) {
        child = { children: new Map() };
        node.children.set(segment, child);
      }
      node = child;
    }
    if (!node.field) {
      const key = { root, path };
      node.field = { key, id: fieldId(key) };
    }
    return node.field;
  }
}
