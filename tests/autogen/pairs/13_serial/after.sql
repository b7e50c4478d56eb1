CREATE TABLE keep (id int PRIMARY KEY);
CREATE TABLE events (id bigserial PRIMARY KEY, kind text NOT NULL);
