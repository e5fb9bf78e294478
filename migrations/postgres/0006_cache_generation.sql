-- A count of committed changes that any process may have cached reads of:
-- every write transaction that can change what is remembered in memory
-- moves it on in the same transaction (`db::Tx::commit`), and every running
-- instance watches it, so a change made by another instance or by the
-- command line empties their caches within a fraction of a second.
CREATE TABLE cache_generation (
    id      BIGINT  PRIMARY KEY CHECK (id = 1),
    value   BIGINT  NOT NULL
);
INSERT INTO cache_generation (id, value) VALUES (1, 0);
