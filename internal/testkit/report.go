package testkit

import (
	"fmt"
	"io"
	"net/url"
	"os"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"
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
//
// Packages run in parallel, each in its own binary, so under the go
// command each also adds its counts to a folder named after that go
// command's run and says the run's total so far: the last such line of
// the run is its total.
func Main(m *testing.M) int {
	code := m.Run()
	pkg, counts := packageName(), skipCounts()
	if msg := skipSummary(pkg, counts); msg != "" {
		w, closeW, run := summaryOutput()
		if run != "" {
			msg += runTotal(run, pkg, counts)
		}
		fmt.Fprint(w, msg)
		closeW()
	}
	return code
}

// runTotal records one package's counts for the go command's run and
// says the counts of every package of the run recorded so far, once
// there is more than one.
func runTotal(run, pkg string, counts map[string]int) string {
	parent := os.TempDir()
	dir := filepath.Join(parent, runDirPrefix+run)
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return ""
	}
	var b strings.Builder
	for k, n := range counts {
		fmt.Fprintf(&b, "%s %d\n", k, n)
	}
	if err := os.WriteFile(filepath.Join(dir, url.PathEscape(pkg)), []byte(b.String()), 0o600); err != nil {
		return ""
	}
	// Folders of runs over a day old are left-overs: remove them.
	if old, err := filepath.Glob(filepath.Join(parent, runDirPrefix+"*")); err == nil {
		for _, o := range old {
			if fi, err := os.Stat(o); err == nil && o != dir && time.Since(fi.ModTime()) > 24*time.Hour {
				os.RemoveAll(o)
			}
		}
	}
	files, err := os.ReadDir(dir)
	if err != nil || len(files) < 2 {
		return ""
	}
	total := map[string]int{}
	for _, f := range files {
		data, err := os.ReadFile(filepath.Join(dir, f.Name()))
		if err != nil {
			continue
		}
		for _, line := range strings.Split(strings.TrimSpace(string(data)), "\n") {
			var kind string
			var n int
			if _, err := fmt.Sscanf(line, "%s %d", &kind, &n); err == nil {
				total[kind] += n
			}
		}
	}
	msg := skipSummary(fmt.Sprintf("this run so far (%d packages)", len(files)), total)
	return strings.Replace(msg, " (see README, Test).", ".", 1)
}

// runDirPrefix starts the names of the folders where the packages of one
// go command's run add up their skips.
const runDirPrefix = "troupe-test-skips-"

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
//
// Under the go command it also returns an id of the go command's run (its
// process id and start time), else "".
func summaryOutput() (w io.Writer, closeW func(), run string) {
	ppid := strconv.Itoa(os.Getppid())
	parent := "/proc/" + ppid
	comm, err := os.ReadFile(parent + "/comm")
	if err != nil || strings.TrimSpace(string(comm)) != "go" {
		return os.Stderr, func() {}, ""
	}
	// The 22nd field of stat, counted after the command's name in
	// parentheses, is when the process started.
	if stat, err := os.ReadFile(parent + "/stat"); err == nil {
		if i := strings.LastIndexByte(string(stat), ')'); i >= 0 {
			if f := strings.Fields(string(stat[i+1:])); len(f) > 19 {
				run = ppid + "-" + f[19]
			}
		}
	}
	if testing.Verbose() {
		return os.Stderr, func() {}, run
	}
	fi, err := os.Stat(parent + "/fd/2")
	if err != nil || fi.Mode().IsRegular() {
		return os.Stderr, func() {}, run
	}
	f, err := os.OpenFile(parent+"/fd/2", os.O_WRONLY|os.O_APPEND, 0)
	if err != nil {
		return os.Stderr, func() {}, run
	}
	return f, func() { f.Close() }, run
}
