-- revision: 001
-- message: a marker with a typo

-- migrate:upgrade
CREATE TABLE bad_t (id int);
-- migrate:downgarde
DROP TABLE bad_t;
