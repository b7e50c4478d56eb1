CREATE FUNCTION add_one(x int) RETURNS int LANGUAGE sql IMMUTABLE AS $$ SELECT x + 2 $$;
CREATE FUNCTION greet(who text DEFAULT 'world') RETURNS text LANGUAGE plpgsql STABLE AS $$
BEGIN
    RETURN 'hello ' || who;  -- a comment; with a semicolon
END
$$;
