-- revision: 001
-- down_revision: none
-- message: nothing to run

-- migrate:upgrade
-- TODO
/* later */

-- migrate:downgrade
SELECT 1;
