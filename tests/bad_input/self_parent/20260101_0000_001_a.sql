-- revision: 001
-- down_revision: 001
-- message: its own parent

-- migrate:upgrade
CREATE TABLE bad_t (id int);
