-- revision: 002
-- down_revision: 999
-- message: parent does not exist

-- migrate:upgrade
CREATE TABLE bad_u (id int);
