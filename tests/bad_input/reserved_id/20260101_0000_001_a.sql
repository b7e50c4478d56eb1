-- revision: head
-- message: a target keyword as id

-- migrate:upgrade
CREATE TABLE bad_t (id int);
