-- revision: 002
-- down_revision: 001
-- message: b

-- migrate:upgrade
CREATE TABLE bad_u (id int);
