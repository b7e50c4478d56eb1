-- revision: 002
-- down_revision: 001
-- message: CRLF too

-- migrate:upgrade
INSERT INTO ok_crlf (id) VALUES (1);

-- migrate:downgrade
DELETE FROM ok_crlf;
