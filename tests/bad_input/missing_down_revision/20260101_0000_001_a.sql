-- revision: 001
-- message: a root that forgot to say so

-- migrate:upgrade
CREATE TABLE bad_t (id int);
