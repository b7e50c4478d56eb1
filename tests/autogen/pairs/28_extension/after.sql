CREATE EXTENSION citext;
CREATE TABLE t (id int PRIMARY KEY, email citext);
