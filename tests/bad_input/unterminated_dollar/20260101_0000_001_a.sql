-- revision: 001
-- message: a dollar quote that never ends

-- migrate:upgrade
CREATE FUNCTION bad_f() RETURNS int LANGUAGE sql AS $body$ SELECT 1 $bod$;
