CREATE TABLE booking (id int PRIMARY KEY, room int, during tstzrange,
                      CONSTRAINT booking_no_overlap EXCLUDE USING gist (during WITH &&));
