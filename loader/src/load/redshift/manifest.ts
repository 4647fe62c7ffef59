/**
 * What Redshift's COPY reads besides the data: a manifest naming the exact load files of a batch,
 * and a JSONPaths file mapping each staged column to its key in the JSON rows. Pure builders; the
 * driver uploads their output next to the load files.
 */

/** The load files a batch stages per table: `load/<source>/<table>/<batchId>.ndjson.gz`. */
const LOAD_FILE_SUFFIX = '.ndjson.gz';

export interface CopyObjectKeys {
  manifest: string;
  jsonpaths: string;
}

/**
 * `…/<batchId>.ndjson.gz` → `…/<batchId>.manifest` and `…/<batchId>.jsonpaths`: beside the data, so a
 * redelivered batch overwrites its own manifest instead of adding one, like its load files.
 */
export function copyObjectKeys(loadFileKey: string): CopyObjectKeys {
  if (!loadFileKey.endsWith(LOAD_FILE_SUFFIX)) {
    throw new Error(
      `Redshift COPY reads gzipped NDJSON: load file "${loadFileKey}" does not end in ${LOAD_FILE_SUFFIX}`,
    );
  }
  const base = loadFileKey.slice(0, -LOAD_FILE_SUFFIX.length);
  return { manifest: `${base}.manifest`, jsonpaths: `${base}.jsonpaths` };
}

export function s3Url(bucket: string, key: string): string {
  return `s3://${bucket}/${key}`;
}

/**
 * A COPY manifest. Every entry is `mandatory`, so a file that is missing (or not yet visible) fails
 * the COPY instead of loading a batch with rows silently absent.
 */
export function buildManifest(bucket: string, keys: readonly string[]): string {
  if (keys.length === 0) throw new Error('a COPY manifest needs at least one load file');
  const entries = keys.map((key) => ({ url: s3Url(bucket, key), mandatory: true }));
  return JSON.stringify({ entries }, null, 2);
}

/**
 * A JSONPaths file listing every column, in the order of the COPY column list. Why not `JSON 'auto'`:
 * it matches keys to lower-case column names and silently loads NULL for any key that does not match,
 * which would lose data without an error. With explicit paths each column reads exactly its key.
 * Bracket notation keeps names with characters other than letters and digits unambiguous.
 */
export function buildJsonPaths(columns: readonly string[]): string {
  if (columns.length === 0) throw new Error('a JSONPaths file needs at least one column');
  const jsonpaths = columns.map((name) => {
    // Redshift's JSONPath has no escape for a quote or backslash inside a bracketed name.
    if (/['\\]/.test(name)) {
      throw new Error(`column name ${JSON.stringify(name)} cannot be written as a Redshift JSONPath`);
    }
    return `$['${name}']`;
  });
  return JSON.stringify({ jsonpaths }, null, 2);
}
