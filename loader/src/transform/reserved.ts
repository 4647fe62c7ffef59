/**
 * SQL reserved words of PostgreSQL and Amazon Redshift (lower case). Every identifier eventpipe emits
 * is quoted, so these are legal names; a property called `select` or `user` still gets Segment's
 * leading `_` (`_user`), the name analysts' existing SQL uses. One list for both warehouses, so a
 * source gets the same column names whichever it loads into.
 */
const POSTGRES = `all analyse analyze and any array as asc asymmetric authorization binary both case cast check
collate collation column concurrently constraint create cross current_catalog current_date current_role
current_schema current_time current_timestamp current_user default deferrable desc distinct do else end
except false fetch for foreign freeze from full grant group having ilike in initially inner intersect into
is isnull join lateral leading left like limit localtime localtimestamp natural not notnull null offset on
only or order outer overlaps placing primary references returning right select session_user similar some
symmetric system_user table tablesample then to trailing true union unique user using variadic verbose
when where window with`;

const REDSHIFT = `aes128 aes256 all allowoverwrite analyse analyze and any array as asc authorization az64
backup between binary blanksasnull both bytedict bzip2 case cast check collate column constraint create
credentials cross current_date current_time current_timestamp current_user current_user_id default
deferrable deflate defrag delta delta32k desc disable distinct do else emptyasnull enable encode encrypt
encryption end except explicit false for foreign freeze from full globaldict256 globaldict64k grant group
gzip having identity ignore ilike in initially inner intersect interval into is isnull join leading left
like limit localtime localtimestamp lun luns lzo lzop minus mostly16 mostly32 mostly8 natural new not
notnull null nulls off offline offset oid old on only open or order outer overlaps parallel partition
percent permissions pivot placing primary raw readratio recover references rejectlog resort respect
restore right select session_user similar snapshot some sysdate system table tag tdes text255 text32k
then timestamp to top trailing true truncatecolumns union unique unnest unpivot user using verbose
wallet when where with without`;

export const RESERVED_WORDS: ReadonlySet<string> = new Set(`${POSTGRES} ${REDSHIFT}`.split(/\s+/));
