CREATE TABLE t (id int PRIMARY KEY, status text DEFAULT 'new', created_at timestamptz, note text DEFAULT '');
