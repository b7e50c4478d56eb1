CREATE TABLE t (id serial PRIMARY KEY, v text);
CREATE VIEW tv AS SELECT id, v FROM t;
