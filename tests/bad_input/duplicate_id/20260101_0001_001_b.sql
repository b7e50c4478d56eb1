-- revision: 001
-- down_revision: none
-- message: same id again

-- migrate:upgrade
CREATE TABLE bad_u (id int);
