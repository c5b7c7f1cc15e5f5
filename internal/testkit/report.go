package testkit

import (
	"fmt"
	"io"
	"os"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
	"sync"
	"testing"
)

// What a test lacked when it skipped, or ran only in part: the kinds the
// summary counts apart, each with how to provide it.
const (
	lackBrowser  = "browser"
	lackPostgres = "postgres"
	lackS3       = "s3"
	lackOther    = "other"
)

var lackHow = map[string]string{
	lackBrowser:  EnvBrowser + "=/path/to/chromium",
	lackPostgres: EnvDatabaseURL + "=postgres://user@host:5432/db?sslmode=disable",
	lackS3:       EnvS3URL + ", " + EnvS3AccessKey + " and " + EnvS3SecretKey,
}

var lackNoun = map[string]string{
	lackBrowser:  "browser",
	lackPostgres: "PostgreSQL",
	lackS3:       "S3",
	lackOther:    "other",
}

// skips records, per kind, the names of the tests of this test binary
// that skipped or left something out for want of a service.
var skips = struct {
	sync.Mutex
	names map[string]map[string]bool
}{names: map[string]map[string]bool{}}

func recordSkip(t testing.TB, kind string) {
	skips.Lock()
	defer skips.Unlock()
	if skips.names[kind] == nil {
		skips.names[kind] = map[string]bool{}
	}
	skips.names[kind][t.Name()] = true
}

// skipCounts returns how many tests lacked each kind of service.
func skipCounts() map[string]int {
	skips.Lock()
	defer skips.Unlock()
	out := map[string]int{}
	for kind, names := range skips.names {
		out[kind] = len(names)
	}
	return out
}

// Main runs the package's tests, then says how many of them skipped for
// want of a browser, PostgreSQL or S3, and how to run them. Use it as
//
//	func TestMain(m *testing.M) { os.Exit(testkit.Main(m)) }
//
// `go test ./...` shows a passing package's output only with -v, so the
// summary goes where it is seen: to the go command's own standard error
// when this binary runs under it (on Linux), else to this binary's.
func Main(m *testing.M) int {
	code := m.Run()
	if msg := skipSummary(packageName(), skipCounts()); msg != "" {
		w, closeW := summaryOutput()
		fmt.Fprint(w, msg)
		closeW()
	}
	return code
}

// skipSummary is the message about one package's skipped tests, or ""
// when none skipped.
func skipSummary(pkg string, counts map[string]int) string {
	var parts, how []string
	kinds := make([]string, 0, len(counts))
	for k := range counts {
		kinds = append(kinds, k)
	}
	// Browser and PostgreSQL first, the way the README names them.
	order := map[string]int{lackBrowser: 0, lackPostgres: 1, lackS3: 2, lackOther: 3}
	sort.Slice(kinds, func(i, j int) bool { return order[kinds[i]] < order[kinds[j]] })
	for _, k := range kinds {
		n := counts[k]
		if n == 0 {
			continue
		}
		noun := "tests"
		if n == 1 {
			noun = "test"
		}
		switch k {
		case lackPostgres:
			parts = append(parts, fmt.Sprintf("PostgreSQL in %d %s", n, noun))
		case lackOther:
			parts = append(parts, fmt.Sprintf("%d other %s (a tool or root missing; -v says which)", n, noun))
		default:
			parts = append(parts, fmt.Sprintf("%d %s %s", n, lackNoun[k], noun))
		}
		if h, ok := lackHow[k]; ok {
			how = append(how, h)
		}
	}
	if len(parts) == 0 {
		return ""
	}
	msg := "troupe tests: " + pkg + " skipped " + strings.Join(parts, ", ") + "."
	if len(how) > 0 {
		msg += " To run them, set " + strings.Join(how, "; ") + " (see README, Test)."
	}
	return msg + "\n"
}

// packageName names the package under test by its folder in the module
// (test binaries run in their package's folder).
func packageName() string {
	dir, err := os.Getwd()
	if err != nil {
		return "?"
	}
	for root := dir; ; {
		if _, err := os.Stat(filepath.Join(root, "go.mod")); err == nil {
			if rel, err := filepath.Rel(root, dir); err == nil {
				return filepath.ToSlash(rel)
			}
			break
		}
		up := filepath.Dir(root)
		if up == root {
			break
		}
		root = up
	}
	return filepath.Base(dir)
}

// summaryOutput is where the summary is seen. Under `go test` without -v,
// the go command keeps a passing package's output to itself; its own
// standard error, reached through /proc, is the terminal (or pipe) the
// person reads. A regular file is left alone: appending there would race
// with the go command's own writes at its own offset.
func summaryOutput() (io.Writer, func()) {
	stderr := func() (io.Writer, func()) { return os.Stderr, func() {} }
	if testing.Verbose() {
		return stderr()
	}
	parent := "/proc/" + strconv.Itoa(os.Getppid())
	comm, err := os.ReadFile(parent + "/comm")
	if err != nil || strings.TrimSpace(string(comm)) != "go" {
		return stderr()
	}
	fi, err := os.Stat(parent + "/fd/2")
	if err != nil || fi.Mode().IsRegular() {
		return stderr()
	}
	f, err := os.OpenFile(parent+"/fd/2", os.O_WRONLY|os.O_APPEND, 0)
	if err != nil {
		return stderr()
	}
	return f, func() { f.Close() }
}
