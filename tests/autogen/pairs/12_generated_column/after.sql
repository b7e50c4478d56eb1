CREATE TABLE t (id int PRIMARY KEY, w numeric, h numeric, area numeric GENERATED ALWAYS AS (w * h * 2) STORED,
                perimeter numeric GENERATED ALWAYS AS (2 * (w + h)) STORED);
