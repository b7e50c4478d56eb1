-- revision: 001
-- message: same id again

-- migrate:upgrade
CREATE TABLE bad_u (id int);
