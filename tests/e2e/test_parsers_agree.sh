#!/usr/bin/env bash
# Lint's two parsers agree: the same revision linted by pgmigrate (libpg_query's tree) and by
# migrate_lint() in the server (the backend's raw parse tree) gives the same findings, rule by
# rule, line by line, against the same catalog. One revision exercises most rules.
source "$(dirname "$0")/lib.sh"
cd "$WORK"
mkdir migrations
rev migrations/20260101_0000_001_everything.sql 001 none "everything" \
	"CREATE TABLE t (id int PRIMARY KEY, created timestamp, name varchar(10), code char(3), n smallint, s serial);
CREATE TABLE p (id bigint PRIMARY KEY);
CREATE INDEX t_name ON t (name);
DROP INDEX t_name;
ALTER TABLE t ADD COLUMN u uuid DEFAULT gen_random_uuid();
ALTER TABLE t ADD COLUMN at timestamptz DEFAULT now();
ALTER TABLE t ADD COLUMN req bigint NOT NULL;
ALTER TABLE t ALTER COLUMN name TYPE varchar(5);
ALTER TABLE t ALTER COLUMN name TYPE varchar(50);
ALTER TABLE t ADD CONSTRAINT t_code UNIQUE (code);
ALTER TABLE t ADD CONSTRAINT t_chk CHECK (n > 0);
ALTER TABLE t ADD CONSTRAINT t_p FOREIGN KEY (n) REFERENCES p (id);
ALTER TABLE t ALTER COLUMN created DROP NOT NULL;
ALTER TABLE t RENAME COLUMN code TO code2;
ALTER TABLE t RENAME TO t2;
ALTER TABLE t2 DROP COLUMN n;
CREATE DOMAIN d AS bigint CHECK (VALUE > 0);
ALTER DOMAIN d ADD CONSTRAINT d_pos CHECK (VALUE > 1);
CREATE TYPE mood AS ENUM ('a');
ALTER TYPE mood ADD VALUE 'b';
TRUNCATE t2 CASCADE;
DROP TABLE t2;
CREATE TABLE a_very_long_identifier_name_that_goes_past_the_sixty_three_byte_limit (id bigint);
ALTER TABLE existing ADD COLUMN flag boolean NOT NULL DEFAULT false;
CREATE UNIQUE INDEX existing_name ON existing (name);" "SELECT 1;"

db=$(new_db agree)
sql "$db" "CREATE TABLE existing (id bigint PRIMARY KEY, name text)" >/dev/null
pgm -d "$db" --json lint
client=$(python3 -c '
import json, sys
doc = json.loads(sys.argv[1])
print("\n".join("%s %s %s" % (f["rule"], f["line"], f["level"]) for f in doc["findings"]))' "$OUT")
PGOPTIONS="-c client_min_messages=warning" "$PSQL" -XqAt "$db" -v content="$(cat migrations/20260101_0000_001_everything.sql)" >/dev/null \
	<<<"SELECT migrate_add(:'content', '20260101_0000_001_everything.sql');"
server=$(sql "$db" "SELECT rule || ' ' || line || ' ' || level FROM migrate_lint('head') ORDER BY 1" | LC_ALL=C sort)
client=$(LC_ALL=C sort <<<"$client")
expect_eq "$client" "$server" "the same findings from libpg_query and from the backend's parser"
rules=$(cut -d' ' -f1 <<<"$server" | sort -u | wc -l)
python3 -c "import sys; sys.exit(0 if $rules >= 20 else 1)" && pass || fail "only $rules rules fired: the revision no longer exercises the parsers"
finish
