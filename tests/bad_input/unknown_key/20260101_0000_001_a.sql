-- revision: 001
-- down_revison: none
-- message: a typo in a key

-- migrate:upgrade
CREATE TABLE bad_t (id int);
