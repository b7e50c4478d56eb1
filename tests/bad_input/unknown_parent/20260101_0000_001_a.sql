-- revision: 001
-- message: root

-- migrate:upgrade
CREATE TABLE bad_t (id int);
