package sqlstore

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"time"

	"github.com/warroom/warroom"
)

// errKeyRace means a concurrent request stored a result under the same
// idempotency key first; the command is retried once to replay it.
var errKeyRace = errors.New("sqlstore: idempotency key stored concurrently")

// command runs one incident command in a transaction with idempotency: a
// key seen before replays the stored result instead of running again, and
// the result of a new key is stored in the same transaction as the
// command's events.
func (s *Store) command(ctx context.Context, idem warroom.Idempotency, run func(*tx) (*warroom.CommandResult, error)) (*warroom.CommandResult, error) {
	for attempt := 0; ; attempt++ {
		var res *warroom.CommandResult
		err := s.inTx(ctx, func(t *tx) error {
			var err error
			if res, err = t.replay(ctx, idem); err != nil || res != nil {
				return err
			}
			if res, err = run(t); err != nil {
				return err
			}
			if len(res.Events) == 0 {
				return nil // nothing happened, so there is nothing to replay
			}
			return t.remember(ctx, idem, res)
		})
		if errors.Is(err, errKeyRace) && attempt == 0 {
			continue
		}
		if err != nil {
			return nil, err
		}
		return res, nil
	}
}

// replay returns the stored result for the idempotency key, nil if there
// is none, or EConflict if the key was used for a different request.
func (t *tx) replay(ctx context.Context, idem warroom.Idempotency) (*warroom.CommandResult, error) {
	if idem.Key == "" {
		return nil, nil
	}
	var hash string
	res := &warroom.CommandResult{}
	err := t.queryRow(ctx, "SELECT request_hash, result FROM idempotency_keys WHERE user_id = ? AND key = ?",
		idem.UserID, idem.Key).Scan(&hash, jsonCol{res})
	switch {
	case errors.Is(err, sql.ErrNoRows):
		return nil, nil
	case err != nil:
		return nil, fmt.Errorf("sqlstore: read idempotency key: %w", err)
	case hash != idem.RequestHash:
		return nil, warroom.Errorf(warroom.EConflict, "Idempotency-Key %q was already used for a different request", idem.Key)
	}
	res.Replayed = true
	return res, nil
}

// remember stores a command's result under its idempotency key.
func (t *tx) remember(ctx context.Context, idem warroom.Idempotency, res *warroom.CommandResult) error {
	if idem.Key == "" {
		return nil
	}
	data, err := marshal(res)
	if err != nil {
		return err
	}
	_, err = t.exec(ctx, "INSERT INTO idempotency_keys (user_id, key, request_hash, result, created_at) VALUES (?, ?, ?, ?, ?)",
		idem.UserID, idem.Key, idem.RequestHash, data, t.d.timeArg(time.Now()))
	if _, ok := uniqueViolation(err); ok {
		return errKeyRace
	}
	if err != nil {
		return fmt.Errorf("sqlstore: store idempotency key: %w", err)
	}
	return nil
}

// storedRequest is what idempotency_keys holds for a request that is not
// an incident command (warroom.RequestReplays): reserved while it runs,
// then its answer. A key is one request whatever the route, so a command
// and such a request never share a key: their request hashes differ.
type storedRequest struct {
	Reserved bool                    `json:"reserved,omitempty"`
	Answer   *warroom.RecordedAnswer `json:"answer,omitempty"`
}

// BeginRequest implements warroom.RequestReplays.
func (s *Store) BeginRequest(ctx context.Context, idem warroom.Idempotency, now time.Time) (*warroom.RecordedAnswer, error) {
	if idem.Key == "" {
		return nil, nil
	}
	for attempt := 0; ; attempt++ {
		var answer *warroom.RecordedAnswer
		err := s.inTx(ctx, func(t *tx) error {
			var (
				hash    string
				stored  storedRequest
				created time.Time
			)
			err := t.queryRow(ctx, "SELECT request_hash, result, created_at FROM idempotency_keys WHERE user_id = ? AND key = ?",
				idem.UserID, idem.Key).Scan(&hash, jsonCol{&stored}, timeCol{&created})
			switch {
			case errors.Is(err, sql.ErrNoRows):
				return t.reserveRequest(ctx, idem, now)
			case err != nil:
				return fmt.Errorf("sqlstore: read idempotency key: %w", err)
			case hash != idem.RequestHash || !stored.Reserved && stored.Answer == nil:
				return warroom.Errorf(warroom.EConflict, "Idempotency-Key %q was already used for a different request", idem.Key)
			case stored.Answer != nil:
				answer = stored.Answer
				return nil
			case now.Sub(created) < warroom.ReplayReservation:
				return warroom.Errorf(warroom.EConflict, "the first request with Idempotency-Key %q is still running; retry in a moment", idem.Key)
			}
			// Reserved long ago: its request died before it answered
			// (nothing else leaves a reservation). This one takes over.
			res, err := t.exec(ctx, "UPDATE idempotency_keys SET created_at = ? WHERE user_id = ? AND key = ? AND created_at = ?",
				t.d.timeArg(now), idem.UserID, idem.Key, t.d.timeArg(created))
			if err != nil {
				return fmt.Errorf("sqlstore: take over idempotency key: %w", err)
			}
			if n, _ := res.RowsAffected(); n != 1 {
				return warroom.Errorf(warroom.EConflict, "the first request with Idempotency-Key %q is still running; retry in a moment", idem.Key)
			}
			return nil
		})
		if errors.Is(err, errKeyRace) && attempt == 0 {
			continue // reserved concurrently: read what the other left
		}
		return answer, err
	}
}

func (t *tx) reserveRequest(ctx context.Context, idem warroom.Idempotency, now time.Time) error {
	data, err := marshal(storedRequest{Reserved: true})
	if err != nil {
		return err
	}
	_, err = t.exec(ctx, "INSERT INTO idempotency_keys (user_id, key, request_hash, result, created_at) VALUES (?, ?, ?, ?, ?)",
		idem.UserID, idem.Key, idem.RequestHash, data, t.d.timeArg(now))
	if _, ok := uniqueViolation(err); ok {
		return errKeyRace
	}
	if err != nil {
		return fmt.Errorf("sqlstore: reserve idempotency key: %w", err)
	}
	return nil
}

// FinishRequest implements warroom.RequestReplays.
func (s *Store) FinishRequest(ctx context.Context, idem warroom.Idempotency, answer *warroom.RecordedAnswer) error {
	if idem.Key == "" {
		return nil
	}
	return s.inTx(ctx, func(t *tx) error {
		if answer == nil {
			_, err := t.exec(ctx, "DELETE FROM idempotency_keys WHERE user_id = ? AND key = ? AND request_hash = ?",
				idem.UserID, idem.Key, idem.RequestHash)
			return err
		}
		data, err := marshal(storedRequest{Answer: answer})
		if err != nil {
			return err
		}
		_, err = t.exec(ctx, "UPDATE idempotency_keys SET result = ? WHERE user_id = ? AND key = ? AND request_hash = ?",
			data, idem.UserID, idem.Key, idem.RequestHash)
		return err
	})
}
