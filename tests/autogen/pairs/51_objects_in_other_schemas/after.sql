CREATE SCHEMA ext;
CREATE EXTENSION hstore WITH SCHEMA ext;
CREATE SCHEMA "Api";
CREATE TABLE t (id int PRIMARY KEY, attrs ext.hstore);
CREATE FUNCTION "Api".t_count() RETURNS bigint LANGUAGE sql STABLE AS $$ SELECT count(*) FROM public.t $$;
CREATE VIEW "Api".ids AS SELECT id FROM public.t;
CREATE PROCEDURE "Api".reset(keep int) LANGUAGE plpgsql AS $$ BEGIN DELETE FROM public.t WHERE id > keep; END $$;
