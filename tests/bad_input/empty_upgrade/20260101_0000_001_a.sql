-- revision: 001
-- message: nothing to run

-- migrate:upgrade
-- TODO
/* later */

-- migrate:downgrade
SELECT 1;
