-- revision: 001
-- message: no section at all
CREATE TABLE bad_t (id int);
