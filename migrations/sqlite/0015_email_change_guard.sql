-- An email change belongs to the session that asked for it: when that
-- session ends (signed out, timed out, ended by a password change, a lock
-- or "sign out everywhere") the change goes with it. The current address
-- is sent a link that cancels the change; like the confirmation link, it
-- is made as its email is sent and kept as a digest only.
ALTER TABLE email_changes ADD COLUMN session_id INTEGER REFERENCES sessions (id) ON DELETE CASCADE;
ALTER TABLE email_changes ADD COLUMN cancel_digest BLOB;
