-- revision: m1
-- down_revision: a1, b2
-- branch_labels: memory
-- depends_on: c3
-- transactional: false
-- lock_timeout: 500ms

-- migrate:upgrade
CREATE INDEX CONCURRENTLY i ON t (a);
-- migrate:verify
SELECT true;
