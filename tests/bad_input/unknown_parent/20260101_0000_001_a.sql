-- revision: 001
-- down_revision: none
-- message: root

-- migrate:upgrade
CREATE TABLE bad_t (id int);
