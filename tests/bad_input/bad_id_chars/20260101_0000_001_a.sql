-- revision: 001-beta
-- message: a dash

-- migrate:upgrade
CREATE TABLE bad_t (id int);
