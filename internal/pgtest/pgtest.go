// Package pgtest gives tests a PostgreSQL database of their own on the
// server that WARROOM_TEST_POSTGRES names, so that test runs (and tests
// of one run) never share tables.
package pgtest

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"net/url"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
)

// FreshDatabase creates an empty database PREFIX_<random> on the server
// of base (a postgres:// URL) and returns its URL; cleanup drops it,
// after whatever the test started on it has stopped (cleanups run
// last-registered first).
func FreshDatabase(t testing.TB, base, prefix string) string {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	conn, err := pgx.Connect(ctx, base)
	if err != nil {
		t.Fatalf("connect to WARROOM_TEST_POSTGRES: %v", err)
	}
	b := make([]byte, 6)
	_, _ = rand.Read(b)
	name := prefix + "_" + hex.EncodeToString(b)
	// The name is ours (a fixed prefix and hex), so building the
	// statement is safe; CREATE DATABASE takes no parameters.
	if _, err := conn.Exec(ctx, "CREATE DATABASE "+name); err != nil {
		conn.Close(ctx)
		t.Fatalf("create database %s: %v", name, err)
	}
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
		defer cancel()
		if _, err := conn.Exec(ctx, "DROP DATABASE IF EXISTS "+name+" WITH (FORCE)"); err != nil {
			t.Errorf("drop database %s: %v", name, err)
		}
		conn.Close(ctx)
	})
	u, err := url.Parse(base)
	if err != nil {
		t.Fatalf("WARROOM_TEST_POSTGRES is not a URL: %v", err)
	}
	u.Path = "/" + name
	return u.String()
}
