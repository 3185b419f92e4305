// Package deps pins dependencies until the code that uses them lands.
package deps
import (
 _ "modernc.org/sqlite"
 _ "github.com/jackc/pgx/v5/pgxpool"
 _ "github.com/jackc/pgx/v5/stdlib"
 _ "github.com/pressly/goose/v3"
 _ "github.com/google/uuid"
 _ "github.com/spf13/cobra"
 _ "github.com/PagerDuty/go-pagerduty"
 _ "golang.org/x/time/rate"
)

