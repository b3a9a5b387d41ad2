-- A count on each account that every change to its records moves on
-- (issue 11). The session lookup reads it, so a process may keep the sealed
-- rows of a page it has read (service::read_cache) and serve them again while
-- the count stands: any process that writes a record, through any path,
-- moves the count in the same transaction, because the triggers below do it,
-- not the code that writes.
ALTER TABLE accounts ADD COLUMN records_gen INTEGER NOT NULL DEFAULT 0;

CREATE TRIGGER records_gen_on_insert AFTER INSERT ON records
BEGIN
    UPDATE accounts SET records_gen = records_gen + 1 WHERE id = NEW.account_id;
END;

CREATE TRIGGER records_gen_on_update AFTER UPDATE ON records
BEGIN
    UPDATE accounts SET records_gen = records_gen + 1
    WHERE id = NEW.account_id OR id = OLD.account_id;
END;

CREATE TRIGGER records_gen_on_delete AFTER DELETE ON records
BEGIN
    UPDATE accounts SET records_gen = records_gen + 1 WHERE id = OLD.account_id;
END;
