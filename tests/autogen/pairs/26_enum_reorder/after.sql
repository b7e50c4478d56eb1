CREATE TYPE size AS ENUM ('small', 'medium', 'large');
CREATE TABLE t (id int PRIMARY KEY, s size);
