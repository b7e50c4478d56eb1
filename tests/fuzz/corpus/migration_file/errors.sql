-- revision: x
-- down_revison: y
-- migrate:up
SELECT 'unterminated
