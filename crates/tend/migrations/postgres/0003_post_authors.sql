-- Posts remember the account that wrote them, so deleting an account removes
-- its words even from circles it had already left (leaving deletes the
-- membership, which was the only other link). Members still see only the
-- per-circle pseudonym; see docs/architecture.md on what an operator can see.
ALTER TABLE threads ADD COLUMN author_account TEXT;
ALTER TABLE replies ADD COLUMN author_account TEXT;
UPDATE threads SET author_account = (SELECT m.account_id FROM memberships m WHERE m.id = threads.author_id);
UPDATE replies SET author_account = (SELECT m.account_id FROM memberships m WHERE m.id = replies.author_id);
CREATE INDEX threads_by_author_account ON threads(author_account);
CREATE INDEX replies_by_author_account ON replies(author_account);
