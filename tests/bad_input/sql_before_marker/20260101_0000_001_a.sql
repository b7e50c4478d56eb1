-- revision: 001
-- message: SQL in the header
DROP TABLE IF EXISTS bad_t;

-- migrate:upgrade
CREATE TABLE bad_t (id int);
