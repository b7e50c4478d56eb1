-- revision: 003
-- down_revision: 002
-- message: fact supersession

-- migrate:upgrade

-- memory_facts.superseded_by, the link to the fact that replaced this one, as in
-- ../../migrations (003): a composite self-reference (org_id, superseded_by), so it stays
-- within the tenant and on one shard (NO ACTION, not SET NULL: see 001); then a backfill
-- that closes and links duplicate open facts; then at most one open fact per (org_id,
-- subject, predicate).
ALTER TABLE memory_facts ADD COLUMN superseded_by uuid;
-- One ALTER TABLE per constraint: Citus refuses ADD CONSTRAINT with other subcommands.
ALTER TABLE memory_facts
    ADD CONSTRAINT memory_facts_superseded_by_fk FOREIGN KEY (org_id, superseded_by)
        REFERENCES memory_facts (org_id, id);
ALTER TABLE memory_facts
    ADD CONSTRAINT memory_facts_not_self_superseded CHECK (superseded_by <> id);
ALTER TABLE memory_facts
    ADD CONSTRAINT memory_facts_superseded_is_closed
        CHECK (superseded_by IS NULL OR valid_until IS NOT NULL);
CREATE INDEX memory_facts_superseded_by_idx ON memory_facts (org_id, superseded_by);

-- The backfill. Per (org_id, subject, predicate) the open facts in (valid_from, created_at,
-- id) order: the last stays open, each other is closed when the next took effect (one
-- microsecond after its own start for a same-instant pair) and linked to it. The join
-- includes org_id, the distribution column: Citus runs it on every shard in parallel.
-- The closing time is computed in the CTE: Citus refuses a multi-shard UPDATE whose SET
-- calls a STABLE function (timestamptz + interval) on columns, and one with a
-- non-IMMUTABLE function inside CASE (the plain schema's form).
WITH open_facts AS (
    SELECT org_id, id,
           lead(id) OVER w AS next_id,
           greatest(lead(valid_from) OVER w, valid_from + interval '1 microsecond') AS closes_at
    FROM memory_facts
    WHERE valid_until IS NULL
    WINDOW w AS (PARTITION BY org_id, subject, predicate ORDER BY valid_from, created_at, id)
)
UPDATE memory_facts f
SET valid_until = o.closes_at,
    superseded_by = o.next_id
FROM open_facts o
WHERE f.org_id = o.org_id
  AND f.id = o.id
  AND o.next_id IS NOT NULL;

CREATE UNIQUE INDEX memory_facts_current_key
    ON memory_facts (org_id, subject, predicate)
    WHERE valid_until IS NULL;

-- migrate:downgrade

-- As in ../../migrations: superseded_by goes, closed facts stay closed.
DROP INDEX memory_facts_current_key;
DROP INDEX memory_facts_superseded_by_idx;
ALTER TABLE memory_facts
    DROP CONSTRAINT memory_facts_superseded_is_closed,
    DROP CONSTRAINT memory_facts_not_self_superseded,
    DROP CONSTRAINT memory_facts_superseded_by_fk;
ALTER TABLE memory_facts DROP COLUMN superseded_by;

-- migrate:verify

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
