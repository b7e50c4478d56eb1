-- revision: 001
-- message: café in latin-1

-- migrate:upgrade
CREATE TABLE bad_t (id int);
