-- revision: 001
-- message: no upgrade section

-- migrate:downgrade
DROP TABLE bad_t;
