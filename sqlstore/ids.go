package sqlstore

import (
	"fmt"
	"time"

	"github.com/google/uuid"
)

// newID returns a UUIDv7: unique across replicas and sortable by creation
// time, so that primary key indexes grow at one end.
func newID() (string, error) {
	id, err := uuid.NewV7()
	if err != nil {
		return "", fmt.Errorf("sqlstore: new ID: %w", err)
	}
	return id.String(), nil
}

// fillNew gives a new record an ID and a creation time if the caller left
// them empty, and normalizes the time to what the store keeps.
func fillNew(id *string, createdAt *time.Time) error {
	if *id == "" {
		v, err := newID()
		if err != nil {
			return err
		}
		*id = v
	}
	if createdAt.IsZero() {
		*createdAt = time.Now()
	}
	*createdAt = normTime(*createdAt)
	return nil
}
