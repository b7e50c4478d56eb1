-- revision: 001
-- down_revision: none
-- message: a UTF-8 byte order mark, and café ✓

-- migrate:upgrade
CREATE TABLE ok_bom (id int, note text DEFAULT 'café');

-- migrate:downgrade
DROP TABLE ok_bom;
