/**
 * One `FieldKey` and one `fieldId` string per distinct field of a batch, however many events carry
 * it. The events of a batch mostly share their keys, so without this every event would allocate a
 * key object and a JSON id string per field only for them to be compared and thrown away — the
 * largest share of the transform's garbage. Lives for one `transform` call, so its size is bounded
 * by the keys of one batch.
 *
 * The keys are a trie walked one segment at a time (`root`, then `child` per level), so `flatten`
 * finds a leaf's key while it descends, without building a path array per leaf: a path is
 * allocated once, when a key is first seen.
 */
import { fieldId, type FieldKey, type FieldRoot } from './names.js';

export interface InternedField {
  key: FieldKey;
  id: string;
}

/** A key path seen in this batch (a prefix of one, or a whole field's). */
export interface KeyNode {
  readonly root: FieldRoot;
  readonly path: readonly string[];
  readonly children: Map<string, KeyNode>;
  field?: InternedField;
}

export class FieldKeys {
  private readonly roots = new Map<FieldRoot, KeyNode>();

  /** The empty path under `root`. */
  root(root: FieldRoot): KeyNode {
    let node = this.roots.get(root);
    if (node === undefined) {
      node = { root, path: [], children: new Map() };
      this.roots.set(root, node);
    }
    return node;
  }

  /** `node`'s path with `segment` appended. */
  child(node: KeyNode, segment: string): KeyNode {
    let child = node.children.get(segment);
    if (child === undefined) {
      child = { root: node.root, path: [...node.path, segment], children: new Map() };
      node.children.set(segment, child);
    }
    return child;
  }

  /** The interned key and id of `node`'s path. */
  field(node: KeyNode): InternedField {
    if (node.field === undefined) {
      const key = { root: node.root, path: node.path };
      node.field = { key, id: fieldId(key) };
    }
    return node.field;
  }

  /** The interned key and id of `root` + `path`. */
  get(root: FieldRoot, path: readonly string[]): InternedField {
    let node = this.root(root);
    for (const segment of path) node = this.child(node, segment);
    return this.field(node);
  }
}
