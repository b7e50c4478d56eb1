CREATE TABLE booking (id int PRIMARY KEY, room int, during tstzrange);
