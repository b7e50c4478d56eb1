CREATE FUNCTION f() RETURNS text LANGUAGE plpgsql AS $fn$
BEGIN
  RETURN $$ $ x $fnx$ $fn $;
END $fn$;
SELECT $1, a$b$c, 1.5e3, .5, x::text, 'it''s' 'cont';
