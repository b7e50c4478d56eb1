-- revision: 001
-- message: first

-- migrate:upgrade
CREATE TABLE bad_t (id int);
