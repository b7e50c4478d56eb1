CREATE TABLE t (id int PRIMARY KEY, a text);
COMMENT ON TABLE t IS 'it''s the new text';
COMMENT ON COLUMN t.id IS 'the key';
CREATE FUNCTION f() RETURNS int LANGUAGE sql AS $$ SELECT 1 $$;
COMMENT ON FUNCTION f() IS 'one';
