-- revision: 000
-- down_revision: none
-- message: a root, so that there is a base

-- migrate:upgrade
CREATE TABLE bad_root (id int);
