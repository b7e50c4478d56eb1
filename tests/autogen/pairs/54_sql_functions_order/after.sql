CREATE TABLE keep (id int PRIMARY KEY);
-- Called by a default and a check of a new table: must come before it.
CREATE FUNCTION next_code() RETURNS text LANGUAGE sql VOLATILE AS $$ SELECT md5(random()::text) $$;
CREATE FUNCTION is_code(c text) RETURNS boolean LANGUAGE sql IMMUTABLE AS $$ SELECT length(c) = 32 $$;
CREATE TABLE items (id int PRIMARY KEY, code text NOT NULL DEFAULT next_code() CHECK (is_code(code)));
CREATE INDEX items_code_idx ON items (upper(code));
-- Reads a new table and returns its row type: must come after it.
CREATE FUNCTION item_by_code(c text) RETURNS SETOF items LANGUAGE sql STABLE AS $$ SELECT * FROM public.items WHERE code = c $$;
