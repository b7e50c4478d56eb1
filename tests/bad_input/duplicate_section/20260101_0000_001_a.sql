-- revision: 001
-- message: two upgrade sections

-- migrate:upgrade
CREATE TABLE bad_t (id int);
-- migrate:upgrade
CREATE TABLE bad_u (id int);
