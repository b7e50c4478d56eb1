-- revision: fn
-- down_revision: none
/* header /* nested */ comment */
-- migrate:upgrade
CREATE FUNCTION f() RETURNS text LANGUAGE plpgsql AS $fn$
BEGIN
-- migrate:downgrade
  RETURN E'it\'s' || $$x$$ || "a""b";
END $fn$;
-- migrate:downgrade
DROP FUNCTION f();
