-- revision: 001
-- down_revision: none
-- message: fine

-- migrate:upgrade
CREATE TABLE bad_t (id int);
