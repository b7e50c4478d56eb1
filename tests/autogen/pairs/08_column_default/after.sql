CREATE TABLE t (id int PRIMARY KEY, status text DEFAULT 'open', created_at timestamptz DEFAULT now(), note text);
