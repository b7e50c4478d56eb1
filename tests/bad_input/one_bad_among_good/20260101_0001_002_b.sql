-- revision: 002
-- down_revision: 001
-- mesage: typo

-- migrate:upgrade
CREATE TABLE bad_u (id int);
