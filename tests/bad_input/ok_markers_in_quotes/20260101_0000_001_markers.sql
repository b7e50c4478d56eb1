-- revision: 001
-- down_revision: none
-- message: marker lines inside strings, dollar quotes and comments do not split
-- a free-text comment: -- migrate:upgrade is mentioned here, inline

-- migrate:upgrade
CREATE TABLE ok_t (id int, note text);
INSERT INTO ok_t VALUES (1, '
-- migrate:downgrade
inside a string; with a semicolon');
INSERT INTO ok_t VALUES (2, $q$
-- migrate:verify
inside a dollar quote $$ $x$
$q$);
/*
-- migrate:downgrade
inside a block comment /* nested
-- migrate:upgrade
*/ still inside */
INSERT INTO ok_t VALUES (3, E'it''s \' 
-- migrate:downgrade
an escape string');
CREATE FUNCTION ok_f() RETURNS text LANGUAGE plpgsql AS $$
BEGIN
-- migrate:downgrade
  RETURN 'body';
END
$$;
CREATE TABLE "ok_quoted
-- migrate:downgrade
ident" (id int);

-- migrate:downgrade
DROP TABLE "ok_quoted
-- migrate:downgrade
ident";
DROP FUNCTION ok_f();
DROP TABLE ok_t;

-- migrate:verify
SELECT count(*) = 3 FROM ok_t;
