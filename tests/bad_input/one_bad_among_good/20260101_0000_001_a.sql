-- revision: 001
-- message: fine

-- migrate:upgrade
CREATE TABLE bad_t (id int);
