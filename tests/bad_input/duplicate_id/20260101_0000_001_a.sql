-- revision: 001
-- down_revision: none
-- message: first

-- migrate:upgrade
CREATE TABLE bad_t (id int);
