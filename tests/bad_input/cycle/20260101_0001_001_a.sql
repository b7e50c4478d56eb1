-- revision: 001
-- down_revision: 002
-- message: a

-- migrate:upgrade
CREATE TABLE bad_t (id int);
