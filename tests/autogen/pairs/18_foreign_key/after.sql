CREATE TABLE parent (id int PRIMARY KEY, code text UNIQUE);
CREATE TABLE child (id int PRIMARY KEY, parent_id int REFERENCES parent (id) ON DELETE CASCADE,
                    parent_code text REFERENCES parent (code) ON UPDATE CASCADE ON DELETE SET NULL DEFERRABLE);
