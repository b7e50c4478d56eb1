-- revision: 001
-- down_revision: none
-- message: CRLF line endings

-- migrate:upgrade
CREATE TABLE ok_crlf (id int,
  note text DEFAULT $$two
lines$$);

-- migrate:downgrade
DROP TABLE ok_crlf;
