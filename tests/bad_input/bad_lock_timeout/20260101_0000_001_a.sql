-- revision: 001
-- lock_timeout: 5 seconds
-- message: not a PostgreSQL duration

-- migrate:upgrade
CREATE TABLE bad_t (id int);
