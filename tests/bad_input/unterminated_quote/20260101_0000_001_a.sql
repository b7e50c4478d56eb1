-- revision: 001
-- message: a string that never ends

-- migrate:upgrade
CREATE TABLE bad_t (id int);
INSERT INTO bad_t SELECT length('never closed);

-- migrate:downgrade
DROP TABLE bad_t;
