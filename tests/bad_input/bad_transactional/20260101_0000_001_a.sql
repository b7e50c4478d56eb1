-- revision: 001
-- transactional: maybe
-- message: not a boolean

-- migrate:upgrade
CREATE TABLE bad_t (id int);
