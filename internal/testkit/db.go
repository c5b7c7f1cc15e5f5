// Package testkit holds the helpers that Troupe's tests share: fresh
// databases on every engine the product supports, fresh buckets on an
// S3-compatible server, a real SMTP server that records what the product
// sends, and a headless browser.
//
// Helpers that need an outside service (PostgreSQL, S3, Chromium) read its
// location from the environment. When it is missing they skip, or log and
// carry on with what they have, so that `go test ./...` works on a bare
// machine; with TROUPE_TEST_STRICT=1 (as in CI) a missing service fails the
// test instead, so that a misconfigured runner cannot pass by skipping.
package testkit

import (
	"context"
	"crypto/rand"
	"database/sql"
	"encoding/hex"
	"net/url"
	"os"
	"path/filepath"
	"testing"
	"time"

	_ "github.com/jackc/pgx/v5/stdlib" // registers the "pgx" driver
)

// Environment variables that configure the kit.
const (
	// EnvDatabaseURL names a PostgreSQL server the tests may create and
	// drop databases on, e.g. postgres://postgres@127.0.0.1:5432/test?sslmode=disable.
	EnvDatabaseURL = "TROUPE_TEST_DATABASE_URL"
	// EnvStrict, when "1", turns every "service not configured" skip into
	// a failure.
	EnvStrict = "TROUPE_TEST_STRICT"
)

// Engine is one database engine a test runs against.
type Engine struct {
	// Name is "sqlite" or "postgres".
	Name string
	// URL is what store.Open accepts: a file path for SQLite, a
	// postgres:// URL for PostgreSQL. It names a database no other test uses.
	URL string
}

// Engines returns a fresh, empty database on every engine available: always
// SQLite, plus PostgreSQL when TROUPE_TEST_DATABASE_URL is set. Run the test
// body once per engine, typically in a subtest named after Engine.Name.
//
// Without TROUPE_TEST_DATABASE_URL it logs that PostgreSQL was left out
// (or fails the test under TROUPE_TEST_STRICT=1), rather than skip, so the
// SQLite half still runs.
func Engines(t testing.TB) []Engine {
	t.Helper()
	engines := []Engine{{Name: "sqlite", URL: filepath.Join(t.TempDir(), "troupe.db")}}
	admin := os.Getenv(EnvDatabaseURL)
	if admin == "" {
		if strict() {
			t.Fatal(EnvDatabaseURL + " is not set: PostgreSQL tests cannot run")
		}
		recordSkip(t, lackPostgres)
		t.Log("PostgreSQL tests skipped: set " + EnvDatabaseURL + "=postgres://user@host:5432/db?sslmode=disable to run them")
		return engines
	}
	return append(engines, Engine{Name: "postgres", URL: createPostgresDB(t, admin)})
}

// PostgresURL returns the URL of a fresh, empty PostgreSQL database that is
// dropped when the test ends. It skips the test when TROUPE_TEST_DATABASE_URL
// is unset (fails it under TROUPE_TEST_STRICT=1).
func PostgresURL(t testing.TB) string {
	t.Helper()
	admin := os.Getenv(EnvDatabaseURL)
	if admin == "" {
		unmet(t, lackPostgres, "set "+EnvDatabaseURL+"=postgres://user@host:5432/db?sslmode=disable for PostgreSQL tests")
	}
	return createPostgresDB(t, admin)
}

// createPostgresDB creates a uniquely named database on the server of
// adminURL, registers its removal, and returns adminURL pointed at it.
// A database per call, rather than a schema or a transaction, because the
// product runs migrations and its own transactions exactly as in production.
func createPostgresDB(t testing.TB, adminURL string) string {
	t.Helper()
	u, err := url.Parse(adminURL)
	if err != nil || (u.Scheme != "postgres" && u.Scheme != "postgresql") {
		t.Fatalf("%s must be a postgres:// URL, got %q", EnvDatabaseURL, adminURL)
	}
	var b [6]byte
	_, _ = rand.Read(b[:]) // crypto/rand.Read never fails
	name := "troupe_test_" + hex.EncodeToString(b[:])

	if err := adminExec(adminURL, `CREATE DATABASE "`+name+`"`); err != nil {
		t.Fatalf("create PostgreSQL test database: %v", err)
	}
	t.Cleanup(func() {
		// FORCE ends connections the product left open (a pool closed
		// late, a leaked goroutine) instead of failing the drop.
		if err := adminExec(adminURL, `DROP DATABASE IF EXISTS "`+name+`" WITH (FORCE)`); err != nil {
			t.Errorf("drop PostgreSQL test database %s: %v", name, err)
		}
	})

	u.Path = "/" + name
	u.RawPath = ""
	return u.String()
}

// adminExec runs one statement on a short-lived connection to the admin
// database. CREATE/DROP DATABASE cannot run inside a transaction, and a
// pooled connection would outlive the test for nothing.
func adminExec(adminURL, stmt string) error {
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	db, err := sql.Open("pgx", adminURL)
	if err != nil {
		return err
	}
	defer db.Close()
	_, err = db.ExecContext(ctx, stmt)
	return err
}

// strict reports whether missing test services must fail the test.
func strict() bool { return os.Getenv(EnvStrict) == "1" }

// unmet stops a test that cannot run here, saying what it lacks (of the
// given kind, counted for the summary of Main): a skip, or a failure under
// TROUPE_TEST_STRICT=1, where every test must run.
func unmet(t testing.TB, kind, lack string) {
	t.Helper()
	if strict() {
		t.Fatal(lack + ": this test cannot run")
	}
	recordSkip(t, kind)
	t.Skip("skipped: " + lack)
}
