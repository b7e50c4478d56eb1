CREATE TYPE status AS ENUM ('draft', 'open', 'pending', 'closed', 'archived');
CREATE TABLE t (id int PRIMARY KEY, s status);
