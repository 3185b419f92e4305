-- Outbound messages keep no credentials and show a receiver's answer to
-- admins only (issue 8, item 4).
--
-- A webhook's signing secret and a page's acknowledgement link (a
-- credential for 24 hours) are no longer stored with each message: the
-- sender adds both when it sends, from the server's settings and the
-- message's alert or incident and person, so a retry or a message re-sent
-- after a crash still carries a valid link and signature. Messages
-- pending at the upgrade are sent that way too.
--
-- The start of a receiver's response body moves out of last_error and the
-- attempt details into their own columns, which only admins are shown:
-- a receiver a user chose may answer with anything. Rows written before
-- kept the body after "HTTP <status> <reason>: "; it is moved.

-- +goose Up
ALTER TABLE messages DROP COLUMN secret;
ALTER TABLE messages DROP COLUMN ack_url;
ALTER TABLE messages ADD COLUMN last_response text NOT NULL DEFAULT '';
ALTER TABLE message_attempts ADD COLUMN response text NOT NULL DEFAULT '';
UPDATE messages SET
    last_response = substr(last_error, strpos(last_error, 'HTTP ') + strpos(substr(last_error, strpos(last_error, 'HTTP ')), ': ') + 1),
    last_error = substr(last_error, 1, strpos(last_error, 'HTTP ') + strpos(substr(last_error, strpos(last_error, 'HTTP ')), ': ') - 2) || ' (the receiver''s answer is shown to admins)'
WHERE strpos(last_error, 'HTTP ') > 0 AND strpos(substr(last_error, strpos(last_error, 'HTTP ')), ': ') BETWEEN 1 AND 45;
UPDATE message_attempts SET
    response = substr(detail, strpos(detail, 'HTTP ') + strpos(substr(detail, strpos(detail, 'HTTP ')), ': ') + 1),
    detail = substr(detail, 1, strpos(detail, 'HTTP ') + strpos(substr(detail, strpos(detail, 'HTTP ')), ': ') - 2) || ' (the receiver''s answer is shown to admins)'
WHERE strpos(detail, 'HTTP ') > 0 AND strpos(substr(detail, strpos(detail, 'HTTP ')), ': ') BETWEEN 1 AND 45;

-- +goose Down
ALTER TABLE message_attempts DROP COLUMN response;
ALTER TABLE messages DROP COLUMN last_response;
ALTER TABLE messages ADD COLUMN ack_url text NOT NULL DEFAULT '';
ALTER TABLE messages ADD COLUMN secret text NOT NULL DEFAULT '';
