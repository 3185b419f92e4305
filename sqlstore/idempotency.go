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
