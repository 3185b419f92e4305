package sqlstore

import (
	"encoding/json"
	"fmt"
	"time"
)

// timeCol scans a time column of either dialect: unix microseconds from
// SQLite, a time.Time from PostgreSQL.
type timeCol struct{ t *time.Time }

// Scan implements sql.Scanner.
func (c timeCol) Scan(v any) error {
	switch v := v.(type) {
	case int64:
		*c.t = time.UnixMicro(v).UTC()
	case time.Time:
		*c.t = v.UTC()
	default:
		return fmt.Errorf("sqlstore: cannot scan %T into a time", v)
	}
	return nil
}

// nullTimeCol scans an optional time column; NULL leaves nil.
type nullTimeCol struct{ t **time.Time }

// Scan implements sql.Scanner.
func (c nullTimeCol) Scan(v any) error {
	if v == nil {
		*c.t = nil
		return nil
	}
	var t time.Time
	if err := (timeCol{&t}).Scan(v); err != nil {
		return err
	}
	*c.t = &t
	return nil
}

// jsonCol decodes a JSON column straight from the driver's buffer, without
// the copy that scanning into a []byte first would make.
type jsonCol struct{ v any }

// Scan implements sql.Scanner.
func (c jsonCol) Scan(v any) error {
	switch v := v.(type) {
	case []byte:
		return json.Unmarshal(v, c.v)
	case string:
		return json.Unmarshal([]byte(v), c.v)
	}
	return fmt.Errorf("sqlstore: cannot scan %T as JSON", v)
}

// nullString maps "" to NULL, for optional references such as a team.
func nullString(s string) any {
	if s == "" {
		return nil
	}
	return s
}

// strCol scans an optional text column; NULL reads as "".
type strCol struct{ s *string }

// Scan implements sql.Scanner.
func (c strCol) Scan(v any) error {
	switch v := v.(type) {
	case nil:
		*c.s = ""
	case string:
		*c.s = v
	case []byte:
		*c.s = string(v)
	default:
		return fmt.Errorf("sqlstore: cannot scan %T into a string", v)
	}
	return nil
}

// marshal encodes v as JSON text. The types stored are the domain's, which
// always encode, so an error here is a programming error worth surfacing.
func marshal(v any) (string, error) {
	b, err := json.Marshal(v)
	if err != nil {
		return "", fmt.Errorf("sqlstore: encode %T: %w", v, err)
	}
	return string(b), nil
}

// textCol scans a text or JSON column as a string. SQLite's driver hands
// over a fresh string, kept without a copy; PostgreSQL's a reused buffer,
// copied once.
type textCol struct{ s *string }

// Scan implements sql.Scanner.
func (c textCol) Scan(v any) error {
	switch v := v.(type) {
	case string:
		*c.s = v
	case []byte:
		*c.s = string(v)
	default:
		return fmt.Errorf("sqlstore: cannot scan %T as text", v)
	}
	return nil
}
