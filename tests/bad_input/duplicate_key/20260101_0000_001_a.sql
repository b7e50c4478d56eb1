-- revision: 001
-- message: one
-- message: two

-- migrate:upgrade
CREATE TABLE bad_t (id int);
