CREATE TYPE size AS ENUM ('small', 'large', 'medium');
CREATE TABLE t (id int PRIMARY KEY, s size);
