-- revision: 001
-- down_revision: none
-- depends_on: nowhere
-- message: dependency does not exist

-- migrate:upgrade
CREATE TABLE bad_t (id int);
