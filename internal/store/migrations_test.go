package store_test

import (
	"bytes"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"testing"
)

// engineSpecific are the migrations whose text differs between the
// engines, and why. Every other migration is the same file on both.
var engineSpecific = map[string]string{
	"00005_content.sql":                 "PostgreSQL adds a trigram index for search by name",
	"00006_auth_notify_chain_index.sql": "PostgreSQL announces ended sessions and changed accounts",
	"00008_public_notify.sql":           "PostgreSQL announces changes to published videos; empty on SQLite",
	"00011_notification_notify.sql":     "PostgreSQL announces new notifications; empty on SQLite",
	"00016_approval.sql":                "PostgreSQL also announces a change of the approval setting to the public-page caches",
	"00017_comments.sql":                "PostgreSQL announces changed comments; SQLite wakes its streams in memory",
	"00018_video_links.sql":             "PostgreSQL announces changed and revoked links to the public-page caches",
	"00019_view_sessions.sql":           "PostgreSQL stops announcing a link's count of views to the public-page caches",
	"00024_domain_verification.sql":     "each engine makes the random tokens of existing domains with its own functions",
	"00027_access_notify.sql":           "PostgreSQL announces changes to what permission checks read; empty on SQLite",
}

// skippedVersions were never used on either engine. They cannot be filled
// now: goose refuses a migration older than one a database already has.
var skippedVersions = []int{9, 10}

// The engines have the same migrations under the same names, so a schema
// version means the same on both; a migration not listed as engine-specific
// is the same file on both; and the numbering has no gaps but the skipped
// versions.
func TestMigrationsMatchBetweenEngines(t *testing.T) {
	sqlite := migrationFiles(t, "sqlite")
	postgres := migrationFiles(t, "postgres")
	for name := range postgres {
		if _, ok := sqlite[name]; !ok {
			t.Errorf("%s is a PostgreSQL migration without a SQLite one (add one, empty if need be, that says why)", name)
		}
	}
	for name, lite := range sqlite {
		pg, ok := postgres[name]
		if !ok {
			t.Errorf("%s is a SQLite migration without a PostgreSQL one", name)
			continue
		}
		_, specific := engineSpecific[name]
		switch same := bytes.Equal(lite, pg); {
		case !same && !specific:
			t.Errorf("%s differs between the engines but is not listed as engine-specific", name)
		case same && specific:
			t.Errorf("%s is listed as engine-specific but is the same on both engines", name)
		}
	}
	for name := range engineSpecific {
		if _, ok := postgres[name]; !ok {
			t.Errorf("%s is listed as engine-specific but does not exist", name)
		}
	}
	for engine, files := range map[string]map[string][]byte{"sqlite": sqlite, "postgres": postgres} {
		var versions []int
		for name := range files {
			v, err := strconv.Atoi(strings.SplitN(name, "_", 2)[0])
			if err != nil {
				t.Errorf("%s/%s: the name does not start with a version number", engine, name)
				continue
			}
			versions = append(versions, v)
		}
		slices.Sort(versions)
		want := 1
		for _, v := range versions {
			if slices.Contains(skippedVersions, v) {
				t.Errorf("%s: migration version %d is one of the skipped versions", engine, v)
				continue
			}
			for slices.Contains(skippedVersions, want) {
				want++
			}
			if v != want {
				t.Errorf("%s: migration version %d follows %d (expected %d)", engine, v, want-1, want)
			}
			want = v + 1
		}
	}
}

// migrationFiles reads one engine's migrations, by file name.
func migrationFiles(t *testing.T, engine string) map[string][]byte {
	t.Helper()
	paths, err := filepath.Glob(filepath.Join("migrations", engine, "*.sql"))
	if err != nil || len(paths) == 0 {
		t.Fatalf("no %s migrations: %v", engine, err)
	}
	out := map[string][]byte{}
	for _, p := range paths {
		b, err := os.ReadFile(p)
		if err != nil {
			t.Fatal(err)
		}
		out[filepath.Base(p)] = b
	}
	return out
}
