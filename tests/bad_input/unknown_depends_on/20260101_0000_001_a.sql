-- revision: 001
-- depends_on: nowhere
-- message: dependency does not exist

-- migrate:upgrade
CREATE TABLE bad_t (id int);
