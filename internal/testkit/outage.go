package testkit

import (
	"errors"
	"fmt"
	"net"
	"net/url"
	"os"
	"os/exec"
	"os/user"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"testing"
)

// requireRoot skips (fails under TROUPE_TEST_STRICT=1) a test that needs
// the superuser: to mount a file system or run a server as another user.
func requireRoot(t testing.TB, why string) {
	t.Helper()
	if os.Geteuid() == 0 {
		return
	}
	unmet(t, lackOther, "this test runs only as root, to "+why)
}

// SmallDisk mounts a tmpfs of size bytes and returns its folder; the
// mount goes when the test ends. Tests fill it to see how the product
// behaves on a full disk. It needs root.
func SmallDisk(t testing.TB, size int64) string {
	t.Helper()
	requireRoot(t, "mount a small file system")
	dir := t.TempDir()
	if out, err := exec.Command("mount", "-t", "tmpfs", "-o", "size="+strconv.FormatInt(size, 10), "tmpfs", dir).CombinedOutput(); err != nil {
		t.Fatalf("mount tmpfs: %v: %s", err, out)
	}
	t.Cleanup(func() {
		// Lazily, so that a file the product still holds open cannot
		// keep the mount (and the test's temporary folder) behind.
		if out, err := exec.Command("umount", "-l", dir).CombinedOutput(); err != nil {
			t.Errorf("umount %s: %v: %s", dir, err, out)
		}
	})
	return dir
}

// FillDisk writes a file in dir until its file system has no room left,
// and returns a function that removes it again.
func FillDisk(t testing.TB, dir string) (free func()) {
	t.Helper()
	path := filepath.Join(dir, "filler")
	f, err := os.Create(path)
	if err != nil {
		t.Fatal(err)
	}
	block := make([]byte, 64<<10)
	for len(block) > 0 {
		if _, err := f.Write(block); err != nil {
			if !errors.Is(err, syscall.ENOSPC) {
				t.Fatalf("fill %s: %v", dir, err)
			}
			block = block[:len(block)/2] // then the last few bytes too
		}
	}
	f.Close()
	return func() {
		if err := os.Remove(path); err != nil {
			t.Fatal(err)
		}
	}
}

// Cluster is a PostgreSQL server of the test's own, which it may stop and
// start at will (unlike the shared one tests create databases on).
type Cluster struct {
	// URL names the cluster's "postgres" database.
	URL string
	dir string
	bin string
	t   testing.TB
}

// postgresBin finds PostgreSQL's server programs.
func postgresBin(t testing.TB) string {
	t.Helper()
	dirs, _ := filepath.Glob("/usr/lib/postgresql/*/bin")
	for i := len(dirs) - 1; i >= 0; i-- {
		if _, err := os.Stat(filepath.Join(dirs[i], "initdb")); err == nil {
			return dirs[i]
		}
	}
	if p, err := exec.LookPath("initdb"); err == nil {
		return filepath.Dir(p)
	}
	unmet(t, lackOther, "PostgreSQL's initdb is not installed")
	return ""
}

// StartCluster creates a PostgreSQL cluster in a temporary folder, starts
// it on a free port and stops it when the test ends. Run as root, the
// server runs as the "postgres" user, as PostgreSQL requires; the log
// file beside the data folder is shown when starting fails.
func StartCluster(t testing.TB) *Cluster {
	t.Helper()
	bin := postgresBin(t)
	// Outside the test's temporary folder, which only root may enter.
	base, err := os.MkdirTemp("", "troupe-cluster-*")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { os.RemoveAll(base) })
	if err := os.Chmod(base, 0o755); err != nil {
		t.Fatal(err)
	}
	dir := filepath.Join(base, "data")
	if err := os.Mkdir(dir, 0o700); err != nil {
		t.Fatal(err)
	}
	if os.Geteuid() == 0 {
		pg, err := user.Lookup("postgres")
		if err != nil {
			t.Fatalf("PostgreSQL does not run as root, and there is no postgres user: %v", err)
		}
		uid, _ := strconv.Atoi(pg.Uid)
		gid, _ := strconv.Atoi(pg.Gid)
		for _, d := range []string{base, dir} { // the socket and log go in base
			if err := os.Chown(d, uid, gid); err != nil {
				t.Fatal(err)
			}
		}
	}
	port := freePort(t)
	c := &Cluster{dir: dir, bin: bin, t: t,
		URL: fmt.Sprintf("postgres://postgres@127.0.0.1:%d/postgres?sslmode=disable", port)}
	c.run(filepath.Join(bin, "initdb"), "-D", dir, "-U", "postgres", "--auth=trust", "-E", "UTF8", "--no-sync")
	conf := fmt.Sprintf("port = %d\nlisten_addresses = '127.0.0.1'\nunix_socket_directories = '%s'\nfsync = off\n", port, base)
	f, err := os.OpenFile(filepath.Join(dir, "postgresql.conf"), os.O_APPEND|os.O_WRONLY, 0)
	if err != nil {
		t.Fatal(err)
	}
	f.WriteString(conf)
	f.Close()
	c.Start()
	t.Cleanup(func() { c.stop("fast") })
	return c
}

// Start starts the cluster and waits until it accepts connections.
func (c *Cluster) Start() {
	c.t.Helper()
	c.run(filepath.Join(c.bin, "pg_ctl"), "-D", c.dir, "-l", filepath.Join(filepath.Dir(c.dir), "log"), "-w", "-t", "60", "start")
}

// Crash stops the cluster at once, as a crash or a pulled cable would:
// connections break in the middle, nothing is shut down cleanly.
func (c *Cluster) Crash() {
	c.t.Helper()
	c.stop("immediate")
}

func (c *Cluster) stop(mode string) {
	c.t.Helper()
	out, err := c.command(filepath.Join(c.bin, "pg_ctl"), "-D", c.dir, "-m", mode, "-w", "stop").CombinedOutput()
	if err != nil && !strings.Contains(string(out), "Is server running?") {
		c.t.Errorf("pg_ctl stop: %v: %s", err, out)
	}
}

func (c *Cluster) run(name string, args ...string) {
	c.t.Helper()
	if out, err := c.command(name, args...).CombinedOutput(); err != nil {
		log, _ := os.ReadFile(filepath.Join(filepath.Dir(c.dir), "log"))
		c.t.Fatalf("%s: %v: %s\n%s", filepath.Base(name), err, out, log)
	}
}

// command runs a PostgreSQL program as the postgres user when the test
// runs as root.
func (c *Cluster) command(name string, args ...string) *exec.Cmd {
	if os.Geteuid() == 0 {
		return exec.Command("runuser", append([]string{"-u", "postgres", "--", name}, args...)...)
	}
	return exec.Command(name, args...)
}

// Database creates a database on the cluster and returns its URL.
func (c *Cluster) Database(name string) string {
	c.t.Helper()
	if err := adminExec(c.URL, `CREATE DATABASE "`+name+`"`); err != nil {
		c.t.Fatal(err)
	}
	u, _ := url.Parse(c.URL)
	u.Path = "/" + name
	return u.String()
}

func freePort(t testing.TB) int {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	return ln.Addr().(*net.TCPAddr).Port
}
