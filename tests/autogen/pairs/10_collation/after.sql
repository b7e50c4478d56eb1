CREATE TABLE t (id int PRIMARY KEY, name text COLLATE "C", code text);
