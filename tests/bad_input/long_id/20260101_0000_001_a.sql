-- revision: a2345678901234567890123456789012345678901234567890123456789012345
-- message: 65 characters

-- migrate:upgrade
CREATE TABLE bad_t (id int);
