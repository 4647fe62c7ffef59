/**
 * The `users` merge shared by the dialects (pure SQL text): each column keeps the value of the newest
 * version (`traitVersion` in the transform), compared per column through `_trait_versions`, so the
 * stored row is the same however identifies were batched and in whichever order batches committed.
 *
 * A row stored before `_trait_versions` existed has none: its non-null values count as written at its
 * `received_at` (the version's time part alone, which sorts before every version of that millisecond),
 * and its empty columns as never written.
 */
import { TRAIT_VERSIONS_COLUMN, UUID_TS_COLUMN } from '../transform/columns.js';

/** Adds a bind parameter (or reuses one of the same value) and returns its placeholder. */
export type Param = (value: string) => string;

/** A `Param` over `values`, which collects the statement's bind parameters. */
export function parameters(values: string[]): Param {
  const placeholders = new Map<string, string>();
  return (value) => {
    let placeholder = placeholders.get(value);
    if (placeholder === undefined) {
      values.push(value);
      placeholder = `$${values.length}`;
      placeholders.set(value, placeholder);
    }
    return placeholder;
  };
}

/** How a dialect reads and writes the versions column; column names are always bind parameters. */
export interface VersionSyntax {
  quoteIdent(name: string): string;
  /** The version stored for `column` in the versions value `versions`, NULL when there is none. */
  read(versions: string, column: string, param: Param): string;
  /** The versions value of `entries` (column, version expression; NULL versions left out). */
  build(entries: readonly (readonly [string, string])[], param: Param): string;
}

/** Columns that are not traits: the key, the row's own time and load time, and the versions. */
const NOT_TRAITS = new Set(['id', 'received_at', UUID_TS_COLUMN, TRAIT_VERSIONS_COLUMN]);

export const traitColumns = (names: Iterable<string>): string[] =>
  [...new Set(names)].filter((name) => !NOT_TRAITS.has(name));

export interface LatestMerge {
  /** Assignments of the update: each carried trait, the versions, `received_at` (the newest). */
  assignments(): string[];
  /** True when the staged row changes the stored one (some trait wins, or it is newer). */
  changes(): string;
}

/**
 * The update of stored row `stored` by staged row `staged` (SQL aliases). `carried`: the batch's
 * trait columns; `others`: the table's other trait columns, whose versions are carried over. A staged
 * value wins when its version is greater (`replace` mode: or equal, so a replay re-applies the
 * transform). Column names become bind parameters through `param` as each part is written.
 */
export function latestMerge(
  syntax: VersionSyntax,
  aliases: { stored: string; staged: string },
  carried: readonly string[],
  others: readonly string[],
  wins: '>' | '>=',
  param: Param,
): LatestMerge {
  const q = syntax.quoteIdent;
  const stored = (name: string) => `${aliases.stored}.${q(name)}`;
  const staged = (name: string) => `${aliases.staged}.${q(name)}`;
  const legacy = `TO_CHAR(${stored('received_at')} AT TIME ZONE 'UTC', 'YYYY-MM-DD HH24:MI:SS.MS')`;
  const storedVersion = (column: string) =>
    `COALESCE(${syntax.read(stored(TRAIT_VERSIONS_COLUMN), column, param)},` +
    ` CASE WHEN ${stored(TRAIT_VERSIONS_COLUMN)} IS NULL AND ${stored(column)} IS NOT NULL THEN ${legacy} END, '')`;
  const offered = (column: string) => syntax.read(staged(TRAIT_VERSIONS_COLUMN), column, param);
  const win = (column: string) =>
    `(${offered(column)} IS NOT NULL AND ${offered(column)} ${wins} ${storedVersion(column)})`;
  const newer = `${staged('received_at')} > ${stored('received_at')}`;

  return {
    assignments: () => {
      const entries = [
        ...carried.map(
          (column) =>
            [
              column,
              `CASE WHEN ${win(column)} THEN ${offered(column)} ELSE NULLIF(${storedVersion(column)}, '') END`,
            ] as const,
        ),
        ...others.map((column) => [column, `NULLIF(${storedVersion(column)}, '')`] as const),
      ];
      return [
        ...carried.map(
          (column) =>
            `${q(column)} = CASE WHEN ${win(column)} THEN ${staged(column)} ELSE ${stored(column)} END`,
        ),
        `${q(TRAIT_VERSIONS_COLUMN)} = ${syntax.build(entries, param)}`,
        `${q('received_at')} = GREATEST(${staged('received_at')}, ${stored('received_at')})`,
      ];
    },
    changes: () => [newer, ...carried.map(win)].join(' OR '),
  };
}
