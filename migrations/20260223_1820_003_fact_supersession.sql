-- revision: 003
-- down_revision: 002
-- message: fact supersession
-- lock_timeout: 5s

-- migrate:upgrade

-- Facts get replaced: "alice works_at acme" is superseded by "alice works_at globex".
-- Until now the application closed the old fact (valid_until) and nothing stopped two open
-- facts for one subject and predicate. This revision
--   1. adds memory_facts.superseded_by, a link to the fact that replaced this one;
--   2. backfills: closes and links duplicate open facts already in the table;
--   3. adds a partial UNIQUE index: at most one open fact per (org_id, subject, predicate).
--
-- Definitions. A fact is open while valid_until IS NULL. A superseded fact is always
-- closed (CHECK below), so an open fact is also a non-superseded one, and the unique index
-- needs no second condition; "the current fact" is simply
--     WHERE org_id = $1 AND subject = $2 AND predicate = $3 AND valid_until IS NULL.
-- To supersede, the application closes the old fact at the moment the new one takes
-- effect (old.valid_until = new.valid_from), inserts the new one, and sets
-- old.superseded_by = new.id, in one transaction and in that order (the unique index is
-- checked row by row, so the old fact must be closed before the new one goes in):
--     UPDATE memory_facts SET valid_until = $t WHERE id = $old;
--     WITH new AS (INSERT INTO memory_facts (org_id, subject, predicate, object, valid_from)
--                  VALUES ($org, $s, $p, $o, $t) RETURNING id)
--     UPDATE memory_facts SET superseded_by = new.id FROM new WHERE memory_facts.id = $old;
-- Facts with an explicit end date are intervals the application chose;
-- the index does not police overlaps between them (that would take an exclusion
-- constraint over btree_gist, an extension this project does not require).
--
-- Row-level security. As the tables' owner (not a superuser), FORCE ROW LEVEL SECURITY
-- from 002 would hide every row from this backfill, and CREATE UNIQUE INDEX, which sees
-- every row, would then fail on the duplicates left behind. So FORCE is lifted for this
-- transaction only (ALTER TABLE holds an ACCESS EXCLUSIVE lock until commit; no other
-- session sees the gap) and restored at the end. A superuser bypasses RLS anyway.

ALTER TABLE memory_facts NO FORCE ROW LEVEL SECURITY;

-- 1. The column, and the tenant key its composite foreign key needs (as in 001: a fact
--    can only be superseded by a fact of the same organization).
-- ON DELETE, memory_facts.superseded_by -> memory_facts: SET NULL (superseded_by; the
-- trigger memory_facts_keep_org_id of 001 keeps org_id, as for 001's optional references).
-- Deleting the newer fact does not delete history; the older fact stays closed (its
-- valid_until is kept), so it does not become current again.
ALTER TABLE memory_facts ADD COLUMN superseded_by uuid;
ALTER TABLE memory_facts ADD CONSTRAINT memory_facts_tenant_key UNIQUE (org_id, id);
ALTER TABLE memory_facts
    ADD CONSTRAINT memory_facts_superseded_by_fk FOREIGN KEY (org_id, superseded_by)
        REFERENCES memory_facts (org_id, id) ON DELETE SET NULL,
    ADD CONSTRAINT memory_facts_not_self_superseded CHECK (superseded_by <> id),
    ADD CONSTRAINT memory_facts_superseded_is_closed
        CHECK (superseded_by IS NULL OR valid_until IS NOT NULL);
CREATE INDEX memory_facts_superseded_by_idx ON memory_facts (org_id, superseded_by);

-- 2a. Duplicate open facts. Per (org_id, subject, predicate), order the open facts by
--     (valid_from, created_at, id); the last one stays open, and each other one is closed
--     when the next one took effect and linked to it. This makes a chain, not a star:
--     A -> B -> C, each closed at its successor's valid_from, so the intervals stay
--     disjoint and the history reads in order. Facts that took effect at the same instant
--     (one transaction wrote both) cannot close at their own valid_from (valid_until must
--     follow valid_from), so the earlier one is closed one microsecond later, the smallest
--     interval timestamptz has. id breaks the remaining ties: arbitrary, but the same every
--     time.
WITH open_facts AS (
    SELECT id, valid_from,
           lead(id) OVER w AS next_id,
           lead(valid_from) OVER w AS next_from
    FROM memory_facts
    WHERE valid_until IS NULL
    WINDOW w AS (PARTITION BY org_id, subject, predicate ORDER BY valid_from, created_at, id)
)
UPDATE memory_facts f
SET valid_until = CASE WHEN o.next_from > o.valid_from THEN o.next_from
                       ELSE o.valid_from + interval '1 microsecond' END,
    superseded_by = o.next_id
FROM open_facts o
WHERE f.id = o.id
  AND o.next_id IS NOT NULL;

-- 2b. Closed facts with no link yet: link each to the fact that took over when it ended,
--     that is the first fact of its (org_id, subject, predicate), in the order above, whose
--     valid_from equals its valid_until (or, for a same-instant pair closed as in 2a, that
--     shares its valid_from and comes after it). Facts closed by the application the
--     documented way before this revision get their link; a fact that simply expired has
--     no such successor and stays unlinked. This step also makes a downgrade followed by an
--     upgrade give back the same superseded_by values (see the downgrade).
WITH successor AS (
    SELECT f.id, s.id AS successor_id
    FROM memory_facts f
    CROSS JOIN LATERAL (
        SELECT g.id
        FROM memory_facts g
        WHERE g.org_id = f.org_id
          AND g.subject = f.subject
          AND g.predicate = f.predicate
          AND g.id <> f.id
          AND (g.valid_from = f.valid_until
               OR (f.valid_until = f.valid_from + interval '1 microsecond'
                   AND g.valid_from = f.valid_from
                   AND (g.created_at, g.id) > (f.created_at, f.id)))
        ORDER BY g.valid_from, g.created_at, g.id
        LIMIT 1
    ) s
    WHERE f.valid_until IS NOT NULL
      AND f.superseded_by IS NULL
)
UPDATE memory_facts f
SET superseded_by = successor.successor_id
FROM successor
WHERE f.id = successor.id;

-- 3. At most one open fact per (org_id, subject, predicate); also the index that finds it.
CREATE UNIQUE INDEX memory_facts_current_key
    ON memory_facts (org_id, subject, predicate)
    WHERE valid_until IS NULL;

ALTER TABLE memory_facts FORCE ROW LEVEL SECURITY;

-- migrate:downgrade

-- Restores 002's schema exactly. Data: superseded_by is dropped (002 has nowhere to keep
-- it), and valid_until is deliberately NOT reopened. A closed fact did stop holding when
-- its successor took effect, so the closed interval is true in 002's model as well;
-- reopening would give 002-era readers several "current" answers for one subject and
-- predicate, and the downgrade cannot tell the facts the backfill closed from those the
-- application closed afterwards. Nothing is lost that matters: upgrading again re-derives
-- every link that follows the convention (step 2b), so a downgrade/upgrade round trip
-- returns the same superseded_by values.
DROP INDEX memory_facts_current_key;
DROP INDEX memory_facts_superseded_by_idx;
ALTER TABLE memory_facts
    DROP CONSTRAINT memory_facts_superseded_is_closed,
    DROP CONSTRAINT memory_facts_not_self_superseded,
    DROP CONSTRAINT memory_facts_superseded_by_fk;
ALTER TABLE memory_facts DROP CONSTRAINT memory_facts_tenant_key;
ALTER TABLE memory_facts DROP COLUMN superseded_by;

-- migrate:verify

-- No (org_id, subject, predicate) has two open facts, and the index that keeps it so is in
-- place. Read by a superuser or a BYPASSRLS role, the data check covers every tenant; read
-- by the owner it covers what row-level security shows it (the index holds regardless).
SELECT NOT EXISTS (
           SELECT 1
           FROM memory_facts
           WHERE valid_until IS NULL
           GROUP BY org_id, subject, predicate
           HAVING count(*) > 1)
       AND EXISTS (
           SELECT 1
           FROM pg_index
           WHERE indexrelid = 'memory_facts_current_key'::regclass
             AND indisunique AND indisvalid)
       AS one_current_fact_per_subject_predicate;
