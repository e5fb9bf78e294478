-- Whether the person chose their account's language (the language switch
-- while signed in, or the profile). Until they do, signing in takes the
-- language they were using: their browser's, or the one they switched to
-- on the sign-in page. An account in another language than the first
-- default chose it.
ALTER TABLE accounts ADD COLUMN language_chosen BIGINT NOT NULL DEFAULT 0;
UPDATE accounts SET language_chosen = 1 WHERE language <> 'en';
